//go:build amd64 || arm64

package signals

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// Only initd's own handler sees who sent a SIGPIPE; os/signal cannot, so
// the portable Trap drops SIGPIPE altogether.
func TestTrapSelfRaisedSIGPIPE(t *testing.T) {
	tr := testTrap(t)
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	unix.Close(fds[0])
	defer unix.Close(fds[1])
	if _, err := unix.Write(fds[1], []byte("x")); !errors.Is(err, unix.EPIPE) {
		t.Fatalf("write: %v, want EPIPE", err)
	}
	if ev := nextEvent(t, tr); ev != (Event{Signal: unix.SIGPIPE, Self: true}) {
		t.Fatalf("got %+v", ev)
	}
	sendFromOutside(t, unix.SIGPIPE)
	if ev := nextEvent(t, tr); ev != (Event{Signal: unix.SIGPIPE}) {
		t.Fatalf("SIGPIPE from another process: got %+v", ev)
	}
}
