package signals

import (
	"os"
	"os/signal"
	"syscall"
)

// rawBuffer is how many signals os/signal may hand over while the relay
// is busy; the relay only notes them, so it rarely holds more than a few.
const rawBuffer = 2048

// Catcher takes every signal initd forwards, through os/signal, and hands
// them over in the order they first arrived. Make it first thing in main:
// from then on no signal initd forwards can kill or stop it, and none is
// lost before there is somebody to forward it to.
//
// os/signal drops a signal when the channel it sends to is full, so a
// flood of one signal could crowd out a stop request. A Catcher never
// drops one: like the kernel with standard signals, it keeps at most one
// of each signal number pending until it is read, so however many
// arrive, every signal number that arrived is read once after its last
// arrival.
type Catcher struct {
	raw  chan os.Signal
	out  chan os.Signal
	done chan struct{}
}

// Catch starts catching every [Forwardable] signal, and SIGPIPE, and
// ignores those nobody can catch ([IgnoreUnhandled]).
//
// Signals that initd's parent blocked before starting it are caught too:
// os/signal unblocks the signals it is asked for on a thread of its own.
func Catch() *Catcher {
	_, _ = IgnoreUnhandled() // fails only for a bad signal number
	c := &Catcher{raw: make(chan os.Signal, rawBuffer), out: make(chan os.Signal), done: make(chan struct{})}
	all := make([]os.Signal, 0, rtMax)
	for s := syscall.Signal(1); s <= rtMax; s++ {
		if caught(s) {
			all = append(all, s)
		}
	}
	signal.Notify(c.raw, all...)
	go c.relay()
	return c
}

// relay folds the signals from os/signal into one pending entry per
// number, and hands them over in order.
func (c *Catcher) relay() {
	var queue []syscall.Signal
	var pending [rtMax + 1]bool
	for {
		var out chan<- os.Signal
		var head syscall.Signal
		if len(queue) > 0 {
			out, head = c.out, queue[0]
		}
		select {
		case s := <-c.raw:
			sig, ok := s.(syscall.Signal)
			if ok && sig > 0 && sig <= rtMax && !pending[sig] {
				pending[sig] = true
				queue = append(queue, sig)
			}
		case out <- head:
			pending[head] = false
			queue = queue[1:]
		case <-c.done:
			return
		}
	}
}

// C delivers the caught signals; each value is a syscall.Signal.
func (c *Catcher) C() <-chan os.Signal { return c.out }

// Inject hands sig to the reader of C as if it had been received: for a
// signal the kernel promised and can no longer send (--pdeathsig when the
// parent was already gone).
func (c *Catcher) Inject(sig syscall.Signal) {
	select {
	case c.raw <- sig:
	case <-c.done:
	}
}

// Stop stops catching; signals then have their default effect again.
func (c *Catcher) Stop() {
	signal.Stop(c.raw)
	close(c.done)
}
