package signals

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Forwardable reports whether initd catches sig and passes it on: every
// signal but SIGKILL and SIGSTOP (uncatchable), SIGCHLD (the reaper's),
// SIGURG (the Go runtime's preemption) and 32 to 34 (kept by the C
// libraries and the Go runtime for themselves; no program can be sent them
// meaningfully).
func Forwardable(sig syscall.Signal) bool {
	switch sig {
	case unix.SIGKILL, unix.SIGSTOP, unix.SIGCHLD, unix.SIGURG, 32, 33, 34:
		return false
	}
	return sig >= 1 && sig <= rtMax
}
