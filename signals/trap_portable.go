//go:build !amd64 && !arm64

package signals

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Trap catches every forwardable signal. On this architecture initd has
// no handler of its own (see handler_linux.go for amd64 and arm64): it
// catches signals with os/signal and forwards them from a goroutine,
// which is slower but behaves the same, except that SIGPIPE is never
// forwarded (os/signal cannot tell one initd raised at itself).
type Trap struct {
	mu     sync.Mutex
	act    [rtMax + 1]Action
	target int
	c      chan os.Signal
	events chan Event
}

// NewTrap catches every [Forwardable] signal, reporting each as an Event
// and forwarding none until told to with [Trap.Set] and [Trap.Arm].
func NewTrap() (*Trap, error) {
	t := &Trap{c: make(chan os.Signal, 2048), events: make(chan Event, 2048)}
	for i := range t.act {
		t.act[i].Report = true
	}
	var all []os.Signal
	for s := syscall.Signal(1); s <= rtMax; s++ {
		if Forwardable(s) {
			all = append(all, s)
		}
	}
	signal.Notify(t.c, all...)
	go t.relay()
	return t, nil
}

// Events delivers the signals whose Action says Report, in order.
func (t *Trap) Events() <-chan Event { return t.events }

func (t *Trap) relay() {
	for s := range t.c {
		sig := s.(syscall.Signal)
		if sig == unix.SIGPIPE {
			continue
		}
		t.mu.Lock()
		a, ev := t.act[sig], Event{Signal: sig}
		if a.Send != 0 && t.target != 0 {
			ev.Forwarded = a.Send
			err := unix.Kill(t.target, a.Send)
			if errors.Is(err, unix.ESRCH) && t.target < 0 {
				_ = unix.Kill(-t.target, a.Send)
			}
		}
		t.mu.Unlock()
		if a.Report {
			t.events <- ev
		}
	}
}

// Set changes what is done with sig from now on.
func (t *Trap) Set(sig syscall.Signal, a Action) {
	if !Forwardable(sig) {
		return
	}
	t.mu.Lock()
	t.act[sig] = a
	t.mu.Unlock()
}

// Arm sets where Action.Send goes: pid's process group (group) or pid
// alone. pid must name the process until [Trap.Disarm] returns.
func (t *Trap) Arm(pid int, group bool) {
	if group {
		pid = -pid
	}
	t.mu.Lock()
	t.target = pid
	t.mu.Unlock()
}

// Disarm stops forwarding; once it returns nothing more is sent.
func (t *Trap) Disarm() {
	t.mu.Lock()
	t.target = 0
	t.mu.Unlock()
}

// WakeOn makes every delivery of sig write a byte to fd (a non-blocking
// pipe); with fd -1 it stops.
func WakeOn(sig syscall.Signal, fd int) error {
	if sig < 1 || sig > rtMax {
		return fmt.Errorf("signals: %d: %w", sig, ErrUnknown)
	}
	wakeMu.Lock()
	defer wakeMu.Unlock()
	if w := wakers[sig]; w != nil {
		signal.Stop(w)
		close(w)
		delete(wakers, sig)
	}
	if fd < 0 {
		return nil
	}
	c := make(chan os.Signal, 1)
	wakers[sig] = c
	signal.Notify(c, sig)
	go func() {
		for range c {
			_, _ = unix.Write(fd, []byte{1})
		}
	}()
	return nil
}

var (
	wakeMu sync.Mutex
	wakers = map[syscall.Signal]chan os.Signal{}
)
