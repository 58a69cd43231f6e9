package signals

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// Forwardable reports whether initd catches sig and passes it on: every
// signal but SIGKILL and SIGSTOP (uncatchable), SIGCHLD (the reaper's) and
// SIGURG (the Go runtime's).
func Forwardable(sig syscall.Signal) bool {
	switch sig {
	case unix.SIGKILL, unix.SIGSTOP, unix.SIGCHLD, unix.SIGURG:
		return false
	}
	return sig >= 1 && sig <= rtMax
}

// Catchable lists the signals initd catches: every Forwardable signal.
func Catchable() []os.Signal {
	var out []os.Signal
	for s := syscall.Signal(1); s <= rtMax; s++ {
		if Forwardable(s) {
			out = append(out, s)
		}
	}
	return out
}

// Notify relays every catchable signal to c. Call it before starting any
// process, so no signal between start and Notify is lost. A channel of
// 2048 slots, like runc's, absorbs bursts.
func Notify(c chan<- os.Signal) { signal.Notify(c, Catchable()...) }
