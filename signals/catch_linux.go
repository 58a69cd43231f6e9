package signals

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Forwardable reports whether initd catches sig and passes it on: every
// signal from 1 to 64 but
//
//   - SIGKILL and SIGSTOP, which cannot be caught;
//   - SIGCHLD, the reaper's business;
//   - SIGURG and SIGPROF, which the Go runtime keeps for itself (goroutine
//     preemption and CPU profiling: os/signal may report SIGURGs nobody
//     sent, and never reports SIGPROF);
//   - 32, 33 and 34, which the C libraries keep for themselves (thread
//     cancellation, set*id, musl's SIGSYNCCALL): the Go runtime uses 33
//     and takes neither 32 nor 34, which os/signal cannot catch (see
//     [IgnoreUnhandled]);
//   - SIGPIPE, which is caught (a write to a closed stdout never kills
//     initd) but not forwarded: os/signal cannot tell the SIGPIPE of
//     initd's own write from one another process sent.
//
// Real-time signals from 35 (SIGRTMIN+1) to 64 are forwarded.
func Forwardable(sig syscall.Signal) bool {
	switch sig {
	case unix.SIGKILL, unix.SIGSTOP, unix.SIGCHLD, unix.SIGURG, unix.SIGPROF, unix.SIGPIPE, 32, 33, 34:
		return false
	}
	return sig >= 1 && sig <= rtMax
}

// caught is every signal a [Catcher] takes: the forwardable ones, and
// SIGPIPE.
func caught(sig syscall.Signal) bool {
	return Forwardable(sig) || sig == unix.SIGPIPE
}
