#!/usr/bin/env bash
# Every benchmark of initd in one run, written to docs/BENCHMARKS.md:
#
#   integration/bench/run.sh                 # as root, on Debian; about 7 minutes
#   OUT=/tmp/bench.md integration/bench/run.sh
#   INITD_REV=HEAD integration/bench/run.sh  # initd as committed, not the working tree
#
# Installs what it compares against when missing (tini, dumb-init,
# catatonit, hyperfine, with apt), builds bin/initd the way
# integration/test.sh does and the naive Go init yardstick
# (integration/bench/naiveinit) the same way, then runs, one after the other:
#   - integration/bench/core: issue 11's targets (start-up against the
#     yardstick, reaping CPU as PID 1 against tini, signal round trip,
#     anonymous memory and wake-ups while idle) side by side with the
#     yardstick, tini-static, dumb-init and catatonit, interleaved, with
#     ratios;
#   - a hyperfine cross-check of the start-up figures (not interleaved);
#   - integration/bench/wait.sh, logs.sh and cron.sh (each INITD=bin/initd).
# A section that fails is written down as failed, with the end of its
# error output, and the run goes on; the exit status is then 1.
# Progress goes to stderr; the document is written at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export PATH="/usr/local/go/bin:$PATH:/usr/sbin:/sbin"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
out=${OUT:-$root/docs/BENCHMARKS.md}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log() { printf '\n== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)" >&2; }

if [[ $(id -u) != 0 ]]; then
	echo "run.sh: run as root (the inits run as PID 1 of new PID namespaces)" >&2
	exit 1
fi

log "packages"
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have tini-static || missing+=(tini)
have dumb-init || missing+=(dumb-init)
have catatonit || missing+=(catatonit)
have hyperfine || missing+=(hyperfine)
have unshare || missing+=(util-linux)
if ((${#missing[@]})); then
	echo "installing: ${missing[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

log "build"
mkdir -p bin
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n ${INITD_REV:-} ]]; then
	# A clean copy of that revision, so that work in progress in this
	# checkout does not end up in the figures.
	commit=$(git rev-parse --short "$INITD_REV")
	mkdir "$work/src"
	git archive "$INITD_REV" | tar -x -C "$work/src"
	(cd "$work/src" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$root/bin/initd" ./cmd/initd)
else
	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/initd ./cmd/initd
	if ! git diff --quiet HEAD -- . ':!integration' ':!docs' ':!*.md' 2>/dev/null; then
		commit="$commit plus uncommitted changes in the working tree"
	fi
fi
# The yardstick is a separate static binary built exactly as initd is, so
# that the two differ only in what their code does.
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$work/naiveinit" ./integration/bench/naiveinit
CGO_ENABLED=0 go build -trimpath -o "$work/core" ./integration/bench/core
initd=$root/bin/initd
naive=$work/naiveinit

status=0
body=$work/body.md
: >"$body"
# section TITLE COMMAND...: runs COMMAND, appends its markdown (or its
# failure) under "## TITLE", and shows its progress on stderr.
section() {
	local title=$1 t0=$SECONDS rc=0
	shift
	log "$title"
	"$@" >"$work/section.md" 2> >(tee "$work/section.err" >&2) || rc=$?
	{
		printf '## %s\n\n' "$title"
		if ((rc == 0)); then
			cat "$work/section.md"
		else
			printf '**This section failed (exit %d).** The end of its error output:\n\n```\n' "$rc"
			tail -n 15 "$work/section.err"
			printf '```\n'
			status=1
		fi
		printf '\n_Took %d s._\n\n' $((SECONDS - t0))
	} >>"$body"
}

hyperfine_startup() {
	echo "hyperfine runs each command's rounds back to back (not interleaved), so on a shared machine this"
	echo "is a cross-check of the core table's start-up ratios, not the measurement of record."
	echo
	hyperfine -N --warmup 20 --runs 300 --style none --export-markdown "$work/hf.md" \
		-n 'naive Go init -- /bin/true' "$naive -- /bin/true" \
		-n 'initd -- /bin/true' "$initd -- /bin/true" \
		-n 'tini-static -s -- /bin/true' 'tini-static -s -- /bin/true' \
		-n 'dumb-init /bin/true' 'dumb-init /bin/true' \
		-n 'catatonit -- /bin/true' 'catatonit -- /bin/true' >&2
	cat "$work/hf.md"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
t_all=$SECONDS
section "Core: start-up, reaping, signals, idle (integration/bench/core, issue 11)" "$work/core" -initd "$initd" -naive "$naive"
section "Start-up, cross-checked with hyperfine" hyperfine_startup
section "Waiting for dependencies (integration/bench/wait.sh)" env INITD="$initd" integration/bench/wait.sh
section "Following log files (integration/bench/logs.sh)" env INITD="$initd" integration/bench/logs.sh
section "Cron (integration/bench/cron.sh)" env INITD="$initd" integration/bench/cron.sh

ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
{
	cat <<EOF
# Benchmarks

Generated by \`integration/bench/run.sh\` (do not edit by hand; run it again). Started $started,
took $(((SECONDS - t_all) / 60)) min $(((SECONDS - t_all) % 60)) s.

| | |
| --- | --- |
| machine | $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM |
| kernel | $(uname -sr) |
| load average at start | $load_start |
| initd | commit $commit, \`bin/initd\` $(stat -c %s bin/initd) bytes, $(go version | cut -d' ' -f3) |
| naive Go init (yardstick) | \`integration/bench/naiveinit\`, built the same way, $(stat -c %s "$naive") bytes |
| peers (Debian packages) | tini $(ver tini) (\`tini-static\`), dumb-init $(ver dumb-init), catatonit $(ver catatonit), hyperfine $(ver hyperfine) |

## How to read this

- The machine is shared and small, so absolute times move from run to run. The targets are ratios to
  peers measured **in the same run**: every benchmark interleaves its contenders round by round (in
  a random order each round), and quotes medians, so a burst of outside load falls on all of them
  alike. Compare ratios, not milliseconds, across runs.
- *p10* and *p90* show the spread; a wide spread with a steady median is the machine, not the init.
- Times from /proc are on-CPU nanoseconds (\`schedstat\`), not 10 ms clock ticks.
- PASS / MISS is given only for initd's rows; peers are there to be compared with. The
  "naive Go init" is a yardstick, not a contender: the smallest honest Go init (\`signal.Notify\`
  for every signal, \`exec.LookPath\`, fork and exec, forward from a goroutine, reap with a
  blocking \`wait4(-1)\`), the floor a clean Go design is measured against. The start-up target
  is a ratio to it; every target prints its figure beside initd's.
- The memory target is anonymous memory (\`RssAnon\`: heap, stacks, runtime), not \`VmRSS\`,
  which also counts the init's binary pages (file-backed, shared through the page cache).

EOF
	cat "$body"
} >"$work/BENCHMARKS.md"
mkdir -p "$(dirname "$out")"
mv "$work/BENCHMARKS.md" "$out"
log "wrote $out"
exit "$status"
