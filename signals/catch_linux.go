package signals

import (
	"os"
	"os/signal"
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

// Essential lists the signals that must be caught before anything starts:
// those the Go runtime would otherwise let kill initd (HUP, INT, TERM),
// crash it (QUIT, ABRT and the fault signals) or stop it (TSTP, TTIN,
// TTOU). Catching a fault signal costs nothing: the runtime handles those
// anyway.
func Essential() []os.Signal {
	return []os.Signal{
		unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGABRT, unix.SIGTERM,
		unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU,
		unix.SIGILL, unix.SIGTRAP, unix.SIGBUS, unix.SIGFPE, unix.SIGSEGV,
		unix.SIGSTKFLT, unix.SIGSYS,
	}
}

// Notify relays the Essential signals and the extra ones (the stop signal,
// say) to c. A channel of 2048 slots, like runc's, absorbs bursts.
//
// # Cost
//
// Each signal that os/signal starts catching costs a round trip to the Go
// runtime's signal thread (tens of microseconds); catching all sixty costs
// more than the rest of initd's start-up together. So Notify catches only
// what must be caught before COMMAND starts, and [NotifyRest] catches the
// others while COMMAND is already starting. Until NotifyRest returns, those
// others (USR1, USR2, WINCH, ALRM, the real-time signals...) are ignored by
// initd rather than forwarded; they can never kill or stop it.
func Notify(c chan<- os.Signal, extra ...syscall.Signal) {
	sigs := Essential()
	for _, s := range extra {
		if Forwardable(s) {
			sigs = append(sigs, s)
		}
	}
	signal.Notify(c, sigs...)
}

// NotifyRest relays every other catchable signal to c (see [Notify]).
func NotifyRest(c chan<- os.Signal) { signal.Notify(c, Catchable()...) }
