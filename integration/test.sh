#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine as root:
#   integration/test.sh [--fresh] [--run REGEXP]
# installs what the tests need (apt packages, and Go tools at pinned module
# versions into a directory of its own), then checks formatting, go.mod,
# vet (also for arm64 and riscv64), staticcheck, the static build and its
# size, runs the unit tests with -race and the integration tests (the real
# binary as PID 1 in PID namespaces, and in podman containers). With
# CI=true, tests that need root, a PID namespace or podman fail instead of
# skipping.
#
#   --fresh        build as a machine that never built Go would: GOPATH,
#                  GOMODCACHE and GOCACHE are new empty directories (removed
#                  at the end) and nothing of ~/go/bin or GOPATH/bin is on
#                  PATH, so every module and tool is fetched and built anew.
#   --run REGEXP   run only the unit and integration tests matching REGEXP
#                  (go test -run); every other step runs in full. For a
#                  quick check of --fresh:
#                    CI=true integration/test.sh --fresh --run 'TestParseSpec|TestTemplateRenderThenRun'
set -euo pipefail
cd "$(dirname "$0")/.."

fresh=false
run=()
while (($#)); do
	case $1 in
	--fresh) fresh=true ;;
	--run)
		[ $# -ge 2 ] || { echo "test.sh: --run needs a REGEXP" >&2; exit 2; }
		run=(-run "$2"); shift ;;
	--run=*) run=(-run "${1#--run=}") ;;
	*) echo "usage: integration/test.sh [--fresh] [--run REGEXP]" >&2; exit 2 ;;
	esac
	shift
done

# Go tools the suite runs, at pinned module versions (the module proxy
# serves honnef.co/go/tools by module version, not by its year-based
# release names). They are installed into $tools, never taken from PATH.
staticcheck_pkg=honnef.co/go/tools/cmd/staticcheck@v0.8.2

# PATH: Go itself and the system; not ~/go/bin, whose tools may be stale.
export PATH="/usr/local/go/bin:$PATH:/usr/sbin:/sbin"
home_bin=$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF -e "$home_bin" -e "$HOME/go/bin" | paste -sd: -)
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
tools="$PWD/bin/tools"
if $fresh; then
	scratch=$(mktemp -d /tmp/initd-fresh.XXXXXX)
	# The module cache is read-only; make it removable first.
	trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
	export GOPATH="$scratch/gopath" GOMODCACHE="$scratch/gomodcache" GOCACHE="$scratch/gocache"
	mkdir -p "$GOPATH" "$GOMODCACHE" "$GOCACHE"
	tools="$scratch/tools"
	echo "fresh: GOPATH=$GOPATH GOMODCACHE=$GOMODCACHE GOCACHE=$GOCACHE"
fi

step() { printf '\n== %s\n' "$*"; }

step "packages"
# One line per probe: a command on PATH (or an absolute path that must be
# executable) that shows a package is there, and the Debian package that
# provides it. Docker's own client is /usr/bin/docker, not another one
# earlier on PATH.
packages='
unshare              util-linux
pgrep                procps
logger               bsdutils
podman               podman
runc                 runc
dockerd              docker.io
/usr/bin/docker      docker.io
docker-compose       docker-compose
/bin/busybox         busybox-static
tini-static          tini
dumb-init            dumb-init
catatonit            catatonit
'
missing=()
while read -r probe pkg; do
	[ -n "$probe" ] || continue
	if [[ $probe == /* ]]; then
		[ -x "$probe" ] && continue
	else
		command -v "$probe" >/dev/null 2>&1 && continue
	fi
	[[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
done <<<"$packages"
if ((${#missing[@]})); then
	echo "installing: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "go tools"
mkdir -p "$tools"
echo "$staticcheck_pkg -> $tools"
GOBIN="$tools" go install "$staticcheck_pkg"
"$tools/staticcheck" -version

step "gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "not gofmt-ed:"; echo "$unformatted"; exit 1
fi

step "go.mod tidy"
go mod tidy -diff

step "go vet"
go vet ./...
# The core is plain Go: every package must build and vet on other
# architectures too (arm64, and riscv64 for the rest).
for arch in arm64 riscv64; do
	echo "$arch"
	GOARCH=$arch go vet ./...
	GOARCH=$arch CGO_ENABLED=0 go build ./...
done

step "staticcheck"
"$tools/staticcheck" ./...

step "static build"
mkdir -p bin
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/initd ./cmd/initd
if ldd bin/initd >/dev/null 2>&1; then
	echo "bin/initd is dynamically linked"; ldd bin/initd; exit 1
fi
budget=8388608
size=$(stat -c %s bin/initd)
echo "bin/initd: $size bytes, statically linked (budget $budget)"
if [ "$size" -gt "$budget" ]; then
	echo "bin/initd is over its 8 MiB budget"; exit 1
fi

step "unit tests (-race)"
go test -race -count=1 "${run[@]}" $(go list ./... | grep -v /integration)

step "integration tests"
INITD_BINARY="$PWD/bin/initd" go test -count=1 -timeout 40m "${run[@]}" ./integration/...
