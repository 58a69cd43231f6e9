#!/usr/bin/env bash
# Benchmark: follow a file while a writer appends 100,000 lines of ~90 bytes,
# without and with a rename rotation in the middle, then while a writer
# renames its file every 10 lines or truncates it every 100, all as fast as
# it can, then while one appends at a steady STEADY_RATE lines a second
# (default 10,000) for 2 s, without and with a truncation every 1,000 lines
# (what a file being truncated costs; see docs/logs.md), side by side with
# `tail -n0 -F` on the same file in the same run.
#
#   INITD=/path/to/initd integration/bench/logs.sh
#
# Prints a markdown table (ROUNDS runs per scenario, default 3, summed):
# lines lost (and duplicated / out of order), CPU
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
: >"$work/probe.log"
if [[ -z ${INITD:-} ]] ||
	! "$INITD" --tail "$work/probe.log" -- sh -c 'echo probe >>"$1"' sh "$work/probe.log" 2>/dev/null | grep -q probe; then
	follower="logredirect (logbench follow; INITD unset or its --tail not wired yet)"
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

ROUNDS=${ROUNDS:-3}
STEADY_RATE=${STEADY_RATE:-10000}
echo "follower under test: $follower; $LINES lines of $SIZE bytes, written as fast as possible,"
echo "one write(2) each; $ROUNDS rounds per scenario, summed; $(nproc) CPUs; tail: $(tail --version | head -1)"
echo
echo "| scenario | follower | lines lost | duplicated / out of order | CPU ms (sum) | CPU vs tail -F | last line out after (worst) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
# Scenarios: appends only and one rename rotation (LINES lines each), then
# the fast ones of issue 15: a writer that appends 10 lines and renames the
# file, 300 times (3,000 lines), and one that truncates its file every 100
# lines with no pause (5,000 lines), both as fast as they can.
for scenario in none rename renames truncate steady steady-truncate; do
	rotate=$scenario n=$LINES every=0 rate=0
	case $scenario in
	renames) n=3000 every=10 ;;
	truncate) n=5000 every=100 ;;
	steady) rotate=none n=$((STEADY_RATE * 2)) rate=$STEADY_RATE ;;
	steady-truncate) rotate=truncate n=$((STEADY_RATE * 2)) every=1000 rate=$STEADY_RATE ;;
	esac
	declare -A sum=([ilost]=0 [idup]=0 [iord]=0 [tlost]=0 [tdup]=0 [tord]=0)
	icpu=0 tcpu=0 ims=0 tms=0 wms=0
	for round in $(seq "$ROUNDS"); do
		d=$work/$scenario-$round
		mkdir -p "$d"
		: >"$d/app.log"
		ipid=$(start_follower "$d/app.log" "$d/initd.out")
		tail -n0 -F "$d/app.log" >"$d/tail.out" 2>/dev/null &
		tpid=$!
		pids+=("$ipid" "$tpid")
		wait_ready "$d/app.log" "$d/initd.out" "$d/tail.out"
		i0=$(cpu_ms "$ipid")
		t0=$(cpu_ms "$tpid")
		w0=$(date +%s%N)
		"$lb" write -path "$d/app.log" -lines "$n" -size "$SIZE" -rotate "$rotate" -every "$every" -rate "$rate"
		wms=$(((wms + ($(date +%s%N) - w0) / 1000000)))
		last=$((n - 1))
		"$lb" waitfor -file "$d/initd.out" -line "$last" -timeout 10s >"$d/initd.ms" &
		w1=$!
		"$lb" waitfor -file "$d/tail.out" -line "$last" -timeout 10s >"$d/tail.ms" &
		w2=$!
		wait "$w1" "$w2"
		sleep 0.3 # let both settle before reading CPU time
		i1=$(cpu_ms "$ipid")
		t1=$(cpu_ms "$tpid")
		kill "$ipid" "$tpid"
		wait "$ipid" "$tpid" 2>/dev/null || true
		icpu=$(awk -v s="$icpu" -v a="$i0" -v b="$i1" 'BEGIN { print s + b - a }')
		tcpu=$(awk -v s="$tcpu" -v a="$t0" -v b="$t1" 'BEGIN { print s + b - a }')
		ims=$(awk -v s="$ims" -v v="$(cat "$d/initd.ms")" 'BEGIN { print (v == "timeout" || s == "timeout") ? "timeout" : (v > s ? v : s) }')
		tms=$(awk -v s="$tms" -v v="$(cat "$d/tail.ms")" 'BEGIN { print (v == "timeout" || s == "timeout") ? "timeout" : (v > s ? v : s) }')
		read -r l1 d1 o1 < <("$lb" count -file "$d/initd.out" -lines "$n")
		read -r l2 d2 o2 < <("$lb" count -file "$d/tail.out" -lines "$n")
		sum[ilost]=$((sum[ilost] + l1)) sum[idup]=$((sum[idup] + d1)) sum[iord]=$((sum[iord] + o1))
		sum[tlost]=$((sum[tlost] + l2)) sum[tdup]=$((sum[tdup] + d2)) sum[tord]=$((sum[tord] + o2))
	done
	ratio=$(awk -v i="$icpu" -v t="$tcpu" 'BEGIN { if (t > 0) printf "%.2fx", i / t; else print "n/a" }')
	case $scenario in
	none) name="appends only" ;;
	rename) name="rename rotation at line $((LINES / 2))" ;;
	renames) name="10 lines then rename, 300 times" ;;
	truncate) name="truncate every 100 lines, 5,000 lines" ;;
	steady) name="steady $STEADY_RATE lines/s for 2 s" ;;
	steady-truncate) name="steady $STEADY_RATE lines/s for 2 s, truncated every 1,000 lines" ;;
	esac
	name="$name (writer: $((wms / ROUNDS)) ms)"
	echo "| $name | initd | ${sum[ilost]} | ${sum[idup]} / ${sum[iord]} | $icpu | $ratio | $ims ms |"
	echo "| $name | tail -n0 -F | ${sum[tlost]} | ${sum[tdup]} / ${sum[tord]} | $tcpu | 1.00x | $tms ms |"
done
