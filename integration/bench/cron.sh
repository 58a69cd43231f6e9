#!/usr/bin/env bash
# Benchmark: cron start delay and CPU time per run for a once-a-second job
# over $DUR seconds (default 60), and resident memory with 100 jobs
# scheduled; initd side by side with supercronic when supercronic can be
# built from the Go module proxy (into a temporary directory, never kept).
#
#   INITD=/path/to/initd integration/bench/cron.sh     # or let it build one
#
# Start delay is measured the same way for both: the job is
# `date +%s.%N >>FILE`, both schedules fire on whole seconds, so the delay of
# a run is the fraction of a second its timestamp shows (it includes the
# fork/exec of sh and date). initd also logs its own delay (schedule to
# fork), reported separately. CPU is the on-CPU time of the scheduler's
# threads only (not of the jobs), from /proc/PID/task/*/schedstat, divided
# by the runs.
# Takes about 2*DUR + 20 seconds.
set -euo pipefail

DUR=${DUR:-60}
JOBS=${JOBS:-100}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

if [[ -z ${INITD:-} ]]; then
	(cd "$root" && CGO_ENABLED=0 go build -o "$work/initd" ./cmd/initd)
	INITD=$work/initd
fi
if ! "$INITD" validate --cron '@every 1s true' >/dev/null 2>&1; then
	echo "$INITD does not accept --cron (cron not wired into cmd/initd yet?)" >&2
	exit 1
fi

sc=
if (cd "$work" && GOBIN=$work/bin GOFLAGS=-mod=mod go install github.com/aptible/supercronic@latest) >"$work/sc.build" 2>&1; then
	sc=$work/bin/supercronic
else
	echo "supercronic could not be built; absolute figures for initd only:" >&2
	tail -3 "$work/sc.build" >&2
fi

cpu_ms() { # on-CPU time of pid $1's threads in ms (schedstat: ns, not 10 ms ticks)
	cat /proc/"$1"/task/*/schedstat | awk '{ ns += $1 } END { printf "%.3f\n", ns / 1e6 }'
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# stats reads one number a line (ms) and prints "median p95 max count".
stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a n/a n/a 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p = int(NR * 0.95 + 0.999); if (p > NR) p = NR
		printf "%.2f %.2f %.2f %d\n", m, v[p], v[NR], NR }'
}

# frac_ms turns epoch timestamps into the delay after their whole second.
frac_ms() { awk '{ printf "%.3f\n", ($1 - int($1)) * 1000 }'; }

# delay_run NAME CMD... : runs the scheduler for DUR seconds after its first
# run and prints "runs cpu_ms" for that window.
delay_run() {
	local name=$1 out=$work/$1.starts
	shift
	: >"$out"
	"$@" >"$work/$name.stdout" 2>"$work/$name.stderr" &
	local pid=$!
	pids+=("$pid")
	local deadline=$((SECONDS + 10))
	until [[ -s $out ]]; do
		((SECONDS < deadline)) || { echo "$name: no run within 10s" >&2; cat "$work/$name.stderr" >&2; exit 1; }
		sleep 0.05
	done
	local n0 c0 c1 n1
	n0=$(wc -l <"$out")
	c0=$(cpu_ms "$pid")
	sleep "$DUR"
	c1=$(cpu_ms "$pid")
	n1=$(wc -l <"$out")
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	echo "$((n1 - n0)) $(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')"
}

# mem_run NAME CMD... : RSS in KiB two seconds after start.
mem_run() {
	local name=$1
	shift
	"$@" >/dev/null 2>"$work/$name.mem.stderr" &
	local pid=$!
	pids+=("$pid")
	sleep 2
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "$name exited early:" >&2
		cat "$work/$name.mem.stderr" >&2
		exit 1
	fi
	rss_kb "$pid"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
}

job="date +%s.%N >>$work/NAME.starts"
cat >"$work/one.crontab" <<EOF
* * * * * * * ${job/NAME/supercronic}
EOF
for ((i = 0; i < JOBS; i++)); do
	echo "$((i % 60)) $((i % 24)) $((i % 28 + 1)) * * true"
done >"$work/many.crontab"
head -1 "$work/many.crontab" >"$work/single.crontab"

echo "cron benchmark: a once-a-second job for ${DUR}s; $(nproc) CPUs; $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| scheduler | runs | start delay median | p95 | max | CPU per run | RSS, 1 job | RSS, $JOBS jobs |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"

read -r runs cpu < <(delay_run initd "$INITD" --log-format json --cron "@every 1s ${job/NAME/initd}")
read -r med p95 max _ < <(frac_ms <"$work/initd.starts" | stats)
read -r lmed lp95 lmax _ < <(grep -o '"delay":[0-9.e+-]*' "$work/initd.stderr" | cut -d: -f2 | stats)
cpr=$(awk -v c="$cpu" -v n="$runs" 'BEGIN { printf "%.2f ms", c / n }')
m1=$(mem_run initd1 "$INITD" --crontab "$work/single.crontab")
mn=$(mem_run initdN "$INITD" --crontab "$work/many.crontab")
echo "| initd (\`@every 1s\`) | $runs | $med ms | $p95 ms | $max ms | $cpr | $m1 KiB | $mn KiB |"
echo "| initd, own log (schedule to fork) | | $lmed ms | $lp95 ms | $lmax ms | | | |"

if [[ -n $sc ]]; then
	read -r runs cpu < <(delay_run supercronic "$sc" "$work/one.crontab")
	read -r med p95 max _ < <(frac_ms <"$work/supercronic.starts" | stats)
	cpr=$(awk -v c="$cpu" -v n="$runs" 'BEGIN { printf "%.2f ms", c / n }')
	m1=$(mem_run sc1 "$sc" "$work/single.crontab")
	mn=$(mem_run scN "$sc" "$work/many.crontab")
	v=$(go version -m "$sc" | awk '$1 == "mod" { print $3 }')
	echo "| supercronic $v (\`* * * * * * *\`) | $runs | $med ms | $p95 ms | $max ms | $cpr | $m1 KiB | $mn KiB |"
fi
