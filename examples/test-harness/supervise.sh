#!/bin/sh
# supervise.sh - a test that starts a process tree under initd and leaves
# nothing behind, whether it ends normally, fails, or is killed.
#
# The system under test is a small server with helpers: a web server, a
# worker in the background and a "daemon" that called setsid (it left the
# process group, so killing the group would miss it). initd supervises the
# tree as a child subreaper:
#   - the test stops it with one signal to initd, and initd stops the whole
#     tree (TERM, then SIGKILL after --grace) and exits;
#   - --pdeathsig TERM: if this script dies first (a CI timeout sends it
#     SIGKILL, a developer presses Ctrl-C), initd sees its parent die and
#     does the same on its own. Nothing outlives the test.
#
# Environment (all optional):
#   INITD    the initd binary (default: initd on PATH)
#   BUSYBOX  a busybox binary for httpd, setsid, sleep, wget (default: busybox)
#   PORT     the loopback port of the server (default 18080)
#   PIDFILE  every process of the tree appends its pid here
#   HOLD     if set, wait forever once the tree is up (to try killing this script)
set -eu

INITD=${INITD:-initd}
BUSYBOX=${BUSYBOX:-busybox}
PORT=${PORT:-18080}
PIDFILE=${PIDFILE:-/dev/null}
export BUSYBOX PORT PIDFILE

www=$(mktemp -d)
trap 'rm -rf "$www"' EXIT
echo "hello from the system under test" >"$www/index.html"

# Start the tree. The shell is COMMAND; initd reaps and stops all of it.
"$INITD" --pdeathsig TERM --grace 2s -- /bin/sh -c '
	echo $$ >>"$PIDFILE"
	"$BUSYBOX" httpd -f -p "127.0.0.1:$PORT" -h "$0" &
	echo $! >>"$PIDFILE"
	"$BUSYBOX" sh -c "echo \$\$ >>\"\$PIDFILE\"; exec \"\$BUSYBOX\" sleep 100000" &
	"$BUSYBOX" setsid "$BUSYBOX" sh -c "echo \$\$ >>\"\$PIDFILE\"; exec \"\$BUSYBOX\" sleep 100000" &
	wait
' "$www" &
initd_pid=$!

# The test proper: wait for the server (initd wait, no curl or sleep loops),
# then use it.
"$INITD" wait --wait-timeout 10s "tcp://127.0.0.1:$PORT"
body=$("$BUSYBOX" wget -q -O- "http://127.0.0.1:$PORT/")
echo "test: got: $body"

if [ -n "${HOLD:-}" ]; then
	echo "test: holding; kill me (kill -KILL $$) and the tree goes too"
	while :; do "$BUSYBOX" sleep 1; done
fi

# Done: one signal to initd stops the whole tree, the setsid daemon included.
kill -TERM "$initd_pid"
status=0
wait "$initd_pid" || status=$?
echo "test: initd exited with $status"
[ "$body" = "hello from the system under test" ]
