//go:build amd64 || arm64

package signals

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Trap catches every forwardable signal with initd's own handler. There
// is one per process (signal dispositions are the process's).
type Trap struct {
	r      *os.File // read end of the event pipe
	w      int      // write end, written by the handler
	events chan Event
}

// NewTrap catches every [Forwardable] signal, reporting each as an Event
// and forwarding none until told to with [Trap.Set] and [Trap.Arm]. The
// dispositions are in place when it returns: from then on no signal can
// kill or stop initd, and none is lost.
func NewTrap() (*Trap, error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("signals: pipe: %w", err)
	}
	t := &Trap{r: os.NewFile(uintptr(fds[0]), "signal events"), w: fds[1], events: make(chan Event, 2048)}
	for s := syscall.Signal(1); s <= rtMax; s++ {
		if !Forwardable(s) {
			continue
		}
		if err := install(s, t.w); err != nil {
			return nil, fmt.Errorf("signals: catching %s: %w", Name(s), err)
		}
	}
	go t.relay()
	return t, nil
}

// Events delivers the signals whose Action says Report, in order. Its
// buffer holds 2048; beyond that the handler's pipe holds 16384 more.
func (t *Trap) Events() <-chan Event { return t.events }

// relay turns the handler's 4-byte records into Events.
func (t *Trap) relay() {
	buf := make([]byte, 4*256)
	var part []byte
	for {
		n, err := t.r.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			continue
		}
		part = append(part, buf[:n]...)
		for len(part) >= 4 {
			t.events <- Event{
				Signal:    syscall.Signal(part[0]),
				Forwarded: syscall.Signal(part[1]),
				Self:      part[2] != 0,
			}
			part = part[4:]
		}
	}
}

// Set changes what the handler does with sig from now on.
func (t *Trap) Set(sig syscall.Signal, a Action) {
	if !Forwardable(sig) {
		return
	}
	act := &state.act[sig]
	fd := int32(-1)
	if a.Report {
		fd = int32(t.w)
	}
	atomic.StoreInt32(&act.fd, fd)
	atomic.StoreInt32(&act.send, int32(a.Send))
}

// Arm sets where Action.Send goes: pid's process group (group) or pid
// alone. With group, a signal that finds the group empty (the process
// moved to another group) goes to pid alone.
//
// pid must name the process until [Trap.Disarm] returns: arm it before
// the process can be reaped, and disarm it before it is.
func (t *Trap) Arm(pid int, group bool) {
	if group {
		pid = -pid
	}
	atomic.StoreInt32(&state.target, int32(pid))
}

// Disarm stops forwarding and returns once no handler is still about to
// send: after it, reaping the armed process cannot let a handler signal a
// process that reused its pid.
func (t *Trap) Disarm() {
	atomic.StoreInt32(&state.target, 0)
	for atomic.LoadInt32(&state.inflight) != 0 {
		runtime.Gosched()
	}
}
