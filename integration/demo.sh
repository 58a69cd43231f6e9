#!/usr/bin/env bash
# A demo of initd supervising a real process tree as PID 1:
#   integration/demo.sh
# Builds the static binary, then runs it as PID 1 of a new PID namespace
# (root needed for unshare) over a shell that starts a worker, a process that
# escapes with setsid, one that ignores SIGTERM, and a stream of orphans.
# initd reaps every orphan, forwards a SIGUSR1 to COMMAND's process group,
# and on SIGTERM stops the whole tree: SIGTERM, then SIGKILL after the grace
# period for what ignores SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
need=()
command -v unshare >/dev/null || need+=(util-linux)
command -v pstree >/dev/null || need+=(psmisc)
command -v ps >/dev/null || need+=(procps)
if ((${#need[@]})); then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; fi
mkdir -p bin
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/initd ./cmd/initd
echo "built bin/initd ($(stat -c %s bin/initd) bytes, static)"

app='
echo "app: pid $$ starting its tree"
trap "echo app: got USR1" USR1
trap "echo app: got TERM, leaving; exit 0" TERM
sh -c "trap \"echo worker: got USR1\" USR1; while :; do sleep 0.1; done" &   # a worker
setsid sh -c "sleep 1001" &                    # escapes into its own session
sh -c "trap \"\" TERM USR1; exec sleep 1002" & # ignores SIGTERM
(trap "" USR1; while :; do (true &); sleep 0.01; done) &   # makes orphans all the time
while :; do sleep 0.1; done
'
echo "== initd as PID 1: the tree under it, a USR1, then a stop (grace 2s)"
unshare --pid --fork --mount-proc --kill-child bin/initd --grace 2s -- sh -c "$app" &
runner=$!
trap 'kill -KILL $runner 2>/dev/null || true' EXIT
sleep 1.5
initd=$(tr -d ' \n' < /proc/$runner/task/$runner/children)
echo "-- the tree under initd (host pids):"
pstree -pa "$initd" | grep -v '{initd}' | sed 's/^/   /'
kill -USR1 "$initd"
sleep 0.3
zombies=$(for t in /proc/$initd/task/*/children; do for c in $(cat "$t"); do awk '{print $3}' /proc/$c/stat 2>/dev/null; done; done | grep -c Z || true)
echo "-- zombies under initd after a second of orphan churn: $zombies"
t0=$(date +%s.%N)
kill -TERM "$initd"
set +e
wait "$runner"
status=$?
set -e
t1=$(date +%s.%N)
echo "== initd exited with $status after $(awk "BEGIN{printf \"%.1f\", $t1-$t0}")s (the app left on TERM with 0; sleep 1002 needed SIGKILL)"
left=$(pgrep -f '^sleep 100[12]$' || true)
echo "== processes left behind: ${left:-none}"
