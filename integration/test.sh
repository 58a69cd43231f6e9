#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine as root:
#   integration/test.sh
# installs what the tests need (apt packages, staticcheck), then checks
# formatting, vet, staticcheck, the static build and its size, runs the unit
# tests with -race and the integration tests (the real binary as PID 1 in
# PID namespaces, and in podman containers). With CI=true, tests that need
# root, a PID namespace or podman fail instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$PATH:/usr/sbin:/sbin"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

step() { printf '\n== %s\n' "$*"; }

step "packages"
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have unshare || missing+=(util-linux)
have pgrep || missing+=(procps)
have logger || missing+=(bsdutils)
have podman || missing+=(podman)
have runc || missing+=(runc)
# Docker's own client (/usr/bin/docker), not another one earlier on PATH.
{ have dockerd && [ -x /usr/bin/docker ]; } || missing+=(docker.io)
have docker-compose || missing+=(docker-compose)
[ -x /bin/busybox ] || missing+=(busybox-static)
have tini-static || missing+=(tini)
have dumb-init || missing+=(dumb-init)
have catatonit || missing+=(catatonit)
have qemu-aarch64-static || missing+=(qemu-user-static)
if ((${#missing[@]})); then
	echo "installing: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! have staticcheck; then
	echo "installing staticcheck"
	go install honnef.co/go/tools/cmd/staticcheck@2026.2.2
fi

step "gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "not gofmt-ed:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...
# The signal handlers are assembly for amd64 and arm64; other
# architectures take the os/signal path. Each must build and vet.
for arch in arm64 riscv64; do
	GOARCH=$arch go vet ./cmd/... ./reaper ./signals
done

step "staticcheck"
staticcheck ./...

step "static build"
mkdir -p bin
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/initd ./cmd/initd
if ldd bin/initd >/dev/null 2>&1; then
	echo "bin/initd is dynamically linked"; ldd bin/initd; exit 1
fi
size=$(stat -c %s bin/initd)
echo "bin/initd: $size bytes, statically linked (budget 6291456)"
if [ "$size" -gt 6291456 ]; then
	echo "bin/initd is over its 6 MiB budget"; exit 1
fi

step "unit tests (-race)"
go test -race -count=1 $(go list ./... | grep -v /integration)

step "signal handlers of other architectures, under qemu-user"
# The arm64 assembly runs nowhere else, nor does the os/signal path that
# architectures without a handler of their own take (riscv64 stands for
# them): their unit tests run emulated, the reaper's as PID 1 of a PID
# namespace so that orphans reach it (qemu-user has no
# PR_SET_CHILD_SUBREAPER). INITD_QEMU tells the tests that qemu renumbers
# real-time signals.
emu=$(mktemp -d)
trap 'rm -rf "$emu"' EXIT
for arch in arm64:aarch64 riscv64:riscv64; do
	goarch=${arch%:*} qemu=qemu-${arch#*:}-static
	echo "$goarch"
	GOARCH=$goarch go test -c -o "$emu/signals.test" ./signals
	GOARCH=$goarch go test -c -o "$emu/reaper.test" ./reaper
	INITD_QEMU=1 "$qemu" "$emu/signals.test" -test.count=1
	unshare --pid --fork --mount-proc "$qemu" "$emu/reaper.test" -test.count=1 -test.timeout 5m
done

step "integration tests"
INITD_BINARY="$PWD/bin/initd" go test -count=1 -timeout 40m ./integration/...
