//go:build amd64 || arm64

package reaper

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/initd-dev/initd/signals"
	"golang.org/x/sys/unix"
)

// This file holds the reaper's SIGCHLD handler, in assembly
// (handler_amd64.s, handler_arm64.s): it reaps orphans itself, inside the
// signal handler, the way a C init does, and wakes Run only for what needs
// Go: the exit of a process started through Start, or no children left.
// See the package documentation, "How exits are collected".

// chldState is everything the handler reads and writes. Its layout is
// read by the assembly: keep the offsets in step.
//
// Unlike the signals handler, it needs no guard against running in a child
// between fork and exec: syscall.ForkExec's child blocks every signal and
// puts SIGCHLD back to its default before unblocking them; and if it did
// run there, waitid would see only that child's own children (none).
type chldState struct {
	fd       int32 // offset 0: the wake-up pipe; -1: none
	gate     int32 // offset 4: non-zero while Go changes pids: the handler leaves everything to Run
	inflight int32 // offset 8: handlers past the gate
	_        int32
	orphans  uint64 // offset 16: orphans the handler reaped
	npids    int32  // offset 24: entries in pids; -1: too many to list
	_        int32
	pids     [maxWatched]int32 // offset 32: processes started through Start, not yet reaped
}

// chld is package-level state because the kernel calls the handler with
// nothing but the signal; the Reaper (one per process) owns it.
var chld = chldState{fd: -1}

// The assembly's offsets, checked at compile time.
var (
	_ = [1]struct{}{}[unsafe.Offsetof(chld.inflight)-8]
	_ = [1]struct{}{}[unsafe.Offsetof(chld.orphans)-16]
	_ = [1]struct{}{}[unsafe.Offsetof(chld.npids)-24]
	_ = [1]struct{}{}[unsafe.Offsetof(chld.pids)-32]
)

func onSIGCHLDPC() uintptr // assembly

// saNoCldStop: no SIGCHLD when a child stops or continues, only when it exits.
const saNoCldStop = 0x1

// listenSIGCHLD makes the handler SIGCHLD's, waking w.
func listenSIGCHLD() (*wakeup, error) {
	w, err := newWakeup()
	if err != nil {
		return nil, err
	}
	atomic.StoreInt32(&chld.fd, int32(w.w))
	if err := signals.SetHandler(unix.SIGCHLD, onSIGCHLDPC(), saNoCldStop); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// stopListening leaves SIGCHLD's handler in place, writing nowhere.
func stopListening() { atomic.StoreInt32(&chld.fd, -1) }

// handlerOrphans is the number of orphans the handler reaped.
func handlerOrphans() uint64 { return atomic.LoadUint64(&chld.orphans) }

// setWatched tells the handler which pids are not its to reap. It closes
// the gate first and waits for handlers already past it, so that no
// handler ever reads a half-written list.
func setWatched(procs map[int]*Process) {
	atomic.StoreInt32(&chld.gate, 1)
	for atomic.LoadInt32(&chld.inflight) != 0 {
		runtime.Gosched()
	}
	n := int32(0)
	for pid := range procs {
		if n == maxWatched {
			n = -1
			break
		}
		chld.pids[n] = int32(pid)
		n++
	}
	atomic.StoreInt32(&chld.npids, n)
	atomic.StoreInt32(&chld.gate, 0)
}

// closeGate makes handlers leave every child to Run until setWatched: for
// the fork in Start, whose child is not listed yet.
func closeGate() {
	atomic.StoreInt32(&chld.gate, 1)
	for atomic.LoadInt32(&chld.inflight) != 0 {
		runtime.Gosched()
	}
}
