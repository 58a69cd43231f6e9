package signals

import (
	"os"
	"os/signal"
	"slices"
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

// Catch starts relaying every catchable signal to c, in the background,
// and returns a channel that is closed once the Essential ones are caught.
// Wait for it before starting any process: until then a SIGTERM would
// still kill initd. A channel of 2048 slots, like runc's, absorbs bursts.
//
// # Cost
//
// Each signal that os/signal starts catching costs a round trip to the Go
// runtime's signal thread (two thread switches); catching all sixty costs
// more than the rest of initd's start-up together. So Catch does it beside
// start-up (option parsing, configuration, the environment), the Essential
// signals first; the others (USR1, USR2, WINCH, ALRM, CONT, the real-time
// signals...) are caught while COMMAND is already starting, and until then
// initd ignores them rather than forwarding them. They can never kill or
// stop it.
func Catch(c chan<- os.Signal) <-chan struct{} {
	essential := make(chan struct{})
	go func() {
		signal.Notify(c, Essential()...)
		close(essential)
		signal.Notify(c, Catchable()...)
	}()
	return essential
}

// Notify relays sigs to c as well, at once, skipping those that cannot be
// caught (the stop signal and --pdeathsig, when they are not Essential).
func Notify(c chan<- os.Signal, sigs ...syscall.Signal) {
	var more []os.Signal
	for _, s := range sigs {
		if Forwardable(s) && !slices.Contains(Essential(), os.Signal(s)) {
			more = append(more, s)
		}
	}
	if len(more) > 0 {
		signal.Notify(c, more...)
	}
}
