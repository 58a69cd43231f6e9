package signals

import "syscall"

// Event is one signal initd received, in the order the handler ran.
type Event struct {
	Signal syscall.Signal
	// Forwarded is the signal already sent on to the armed target when
	// Signal arrived (see [Action]); 0 when nothing was sent.
	Forwarded syscall.Signal
	// Self is true for a signal initd raised at itself: the SIGPIPE of a
	// write to a closed stdout or stderr. It is never forwarded.
	Self bool
}

// Action is what a [Trap] does with one signal the moment it arrives.
type Action struct {
	// Send, when not 0, is sent at once to the target given to
	// [Trap.Arm], from the signal handler, before any goroutine runs.
	Send syscall.Signal
	// Report delivers an [Event] on [Trap.Events].
	Report bool
}

// Deliver hands ev to [Trap.Events] as if the signal had arrived: for a
// signal the kernel promised but cannot send any more (--pdeathsig when the
// parent was already gone).
func (t *Trap) Deliver(ev Event) { t.events <- ev }
