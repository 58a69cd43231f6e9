#!/usr/bin/env bash
# Benchmark: how soon COMMAND starts after a wait target becomes ready, and
# how hard a target that stays down is tried.
#
#   INITD=/path/to/initd integration/bench/wait.sh
#
# A loopback TCP port opens at a random 1-5 s after `initd --wait
# tcp://... -- waitbench stamp` starts (TRIALS times, default 12, at the
# default options); the delay is the time from the port opening to COMMAND
# running. Then `initd wait` runs for DOWN (default 10s) against an HTTP
# server that always answers 503 (requests counted per second) and against a
# refused TCP port (connect calls counted with strace when installed, and
# initd's CPU time). Prints a markdown section. Without INITD, or with an
# initd that cannot wait yet, the waitfor library is measured instead.
# Takes about a minute.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$root" && CGO_ENABLED=0 go build -o "$work/waitbench" ./integration/bench/waitbench)
"$work/waitbench" -initd "${INITD:-}" -trials "${TRIALS:-12}" -down "${DOWN:-10s}"
