#!/usr/bin/env bash
# Benchmark: follow a file while a writer appends 100,000 lines of ~90 bytes,
# without and with a rename rotation in the middle, side by side with
# `tail -n0 -F` on the same file in the same run.
#
#   INITD=/path/to/initd integration/bench/logs.sh
#
# Prints a markdown table: lines lost (and duplicated / out of order), CPU
# time of each follower (summed over its threads from /proc/PID/task/*/schedstat) and its ratio
# to tail -F, and the time from the writer's last write until the last line
# is out. Without INITD, or with an initd that has no --tail yet, the
# follower is logbench's library harness (package logredirect alone).
# Takes well under two minutes.
set -euo pipefail

LINES=${LINES:-100000}
SIZE=${SIZE:-90}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && CGO_ENABLED=0 go build -o "$work/logbench" ./integration/bench/logbench)
lb=$work/logbench

follower=initd
if [[ -z ${INITD:-} ]] || ! "$INITD" validate --tail /dev/null -- true >/dev/null 2>&1; then
	follower="logredirect (logbench follow; INITD unset or without --tail)"
fi

start_follower() { # $1 file, $2 output
	if [[ $follower == initd ]]; then
		"$INITD" --tail "$1" -- sleep 1000 >"$2" 2>"$2.err" &
	else
		"$lb" follow -path "$1" >"$2" 2>"$2.err" &
	fi
	echo $!
}

cpu_ms() { # CPU time of all threads of pid $1 in ms (schedstat: ns, not 10 ms ticks)
	cat /proc/"$1"/task/*/schedstat | awk '{ ns += $1 } END { printf "%.1f", ns / 1e6 }'
}

wait_ready() { # $1 log, $2.. outputs: append marker lines until all outputs show one
	local deadline=$((SECONDS + 10)) ok
	while ((SECONDS < deadline)); do
		echo "ready $RANDOM" >>"$1"
		ok=1
		for o in "${@:2}"; do grep -q '^.*ready' "$o" 2>/dev/null || ok=0; done
		((ok)) && return 0
		sleep 0.05
	done
	echo "followers did not start" >&2
	exit 1
}

echo "follower under test: $follower; $LINES lines of $SIZE bytes; $(nproc) CPUs"
echo
echo "| scenario | follower | lines lost | dup / reordered | CPU ms | CPU vs tail -F | last line out after |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for rotate in none rename; do
	d=$work/$rotate
	mkdir -p "$d"
	: >"$d/app.log"
	ipid=$(start_follower "$d/app.log" "$d/initd.out")
	tail -n0 -F "$d/app.log" >"$d/tail.out" 2>/dev/null &
	tpid=$!
	pids+=("$ipid" "$tpid")
	wait_ready "$d/app.log" "$d/initd.out" "$d/tail.out"
	i0=$(cpu_ms "$ipid")
	t0=$(cpu_ms "$tpid")
	"$lb" write -path "$d/app.log" -lines "$LINES" -size "$SIZE" -rotate "$rotate"
	last=$((LINES - 1))
	"$lb" waitfor -file "$d/initd.out" -line "$last" >"$d/initd.ms" &
	w1=$!
	"$lb" waitfor -file "$d/tail.out" -line "$last" >"$d/tail.ms" &
	w2=$!
	wait "$w1" "$w2"
	sleep 0.3 # let both settle before reading CPU time
	i1=$(cpu_ms "$ipid")
	t1=$(cpu_ms "$tpid")
	kill "$ipid" "$tpid"
	wait "$ipid" "$tpid" 2>/dev/null || true
	icpu=$(awk -v a="$i0" -v b="$i1" 'BEGIN { print b - a }')
	tcpu=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	ratio=$(awk -v i="$icpu" -v t="$tcpu" 'BEGIN { if (t > 0) printf "%.2fx", i / t; else print "n/a" }')
	read -r ilost idup iord < <("$lb" count -file "$d/initd.out" -lines "$LINES")
	read -r tlost tdup tord < <("$lb" count -file "$d/tail.out" -lines "$LINES")
	name="${rotate/none/appends only}"
	name="${name/rename/rename rotation at line $((LINES / 2))}"
	echo "| $name | initd | $ilost | $idup / $iord | $icpu | $ratio | $(cat "$d/initd.ms") ms |"
	echo "| $name | tail -n0 -F | $tlost | $tdup / $tord | $tcpu | 1.00x | $(cat "$d/tail.ms") ms |"
done
