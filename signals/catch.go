package signals

import (
	"os"
	"os/signal"
	"syscall"
)

// bufferSize is how many signals a Catcher holds while its reader is busy.
// os/signal already folds repeats of one signal number that arrive before
// they are read into one; the buffer only has to hold distinct ones, and a
// burst of distinct real-time signals at worst, as runc's does.
const bufferSize = 2048

// Catcher takes every signal initd forwards, through os/signal, and hands
// them over in the order they were read. Make it first thing in main: from
// then on no signal initd forwards can kill or stop it, and none is lost
// before there is somebody to forward it to.
type Catcher struct {
	c chan os.Signal
}

// Catch starts catching every [Forwardable] signal, and SIGPIPE, and
// ignores those nobody can catch ([IgnoreUnhandled]).
//
// Signals that initd's parent blocked before starting it are caught too:
// os/signal unblocks the signals it is asked for on a thread of its own.
func Catch() *Catcher {
	_, _ = IgnoreUnhandled() // fails only for a bad signal number
	c := &Catcher{c: make(chan os.Signal, bufferSize)}
	all := make([]os.Signal, 0, rtMax)
	for s := syscall.Signal(1); s <= rtMax; s++ {
		if caught(s) {
			all = append(all, s)
		}
	}
	signal.Notify(c.c, all...)
	return c
}

// C delivers the caught signals; each value is a syscall.Signal.
func (c *Catcher) C() <-chan os.Signal { return c.c }

// Inject hands sig to the reader of C as if it had been received: for a
// signal the kernel promised and can no longer send (--pdeathsig when the
// parent was already gone). It never blocks; with the buffer full the
// signal is dropped, as one sent by another process would be.
func (c *Catcher) Inject(sig syscall.Signal) {
	select {
	case c.c <- sig:
	default:
	}
}

// Stop stops catching; signals then have their default effect again.
func (c *Catcher) Stop() { signal.Stop(c.c) }
