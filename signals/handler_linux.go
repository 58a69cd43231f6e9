//go:build amd64 || arm64

package signals

import (
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This file holds initd's own signal handler: a few dozen instructions of
// assembly (handler_amd64.s, handler_arm64.s) that the kernel runs directly,
// the way a C init handles its signals, instead of the Go runtime's handler
// and os/signal. See the package documentation, "How signals are taken".

// nsig is one more than the highest signal number.
const nsig = rtMax + 1

// handlerAction is what the handler does with one signal. Its layout is
// read by the assembly: keep the offsets in step.
type handlerAction struct {
	// chain is the Go runtime's handler, run instead for a signal the
	// kernel raised itself (si_code > 0: a fault such as SIGSEGV in initd's
	// own code, which the runtime turns into a panic). 0: none.
	chain uintptr // offset 0
	// send is the signal to send the armed target at once; 0: none.
	send int32 // offset 8
	// fd is where an event is written for each delivery; -1: nowhere.
	fd int32 // offset 12
}

// handlerState is everything the handler reads. Its layout is read by the
// assembly: keep the offsets in step.
type handlerState struct {
	self     int32 // offset 0: initd's pid; in any other process the handler does nothing
	target   int32 // offset 4: pid, or -pgid, that send goes to; 0: disarmed
	inflight int32 // offset 8: handlers between reading target and their kill
	_        int32
	act      [nsig]handlerAction // offset 16
}

// state is the one piece of package-level mutable state in initd: signal
// dispositions belong to the process, not to a value, and the kernel calls
// the handler with nothing but the signal.
var state handlerState

// The assembly's offsets, checked at compile time.
var (
	_ = [1]struct{}{}[unsafe.Offsetof(state.act)-16]
	_ = [1]struct{}{}[unsafe.Sizeof(handlerAction{})-16]
)

// Implemented in assembly.
func handlerPC() uintptr
func restorerPC() uintptr

// Flags of struct sigaction (asm-generic; the same on amd64 and arm64).
const (
	saSiginfo  = 0x4
	saOnstack  = 0x08000000
	saRestart  = 0x10000000
	saRestorer = 0x04000000
)

// sigaction is the kernel's struct sigaction on linux/amd64 and arm64.
type sigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

func rtSigaction(sig syscall.Signal, act, old *sigaction) error {
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), 8, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// chains lists the signals whose kernel-raised deliveries go to the Go
// runtime: faults in initd's own code that it turns into panics or crash
// reports. The same signals sent with kill(2) are forwarded like any other.
func chains(sig syscall.Signal) bool {
	switch sig {
	case unix.SIGILL, unix.SIGTRAP, unix.SIGBUS, unix.SIGFPE, unix.SIGSEGV, unix.SIGSYS:
		return true
	}
	return false
}

// install makes the handler sig's handler, reporting to fd.
func install(sig syscall.Signal, fd int) error {
	a := &state.act[sig]
	atomic.StoreInt32(&a.fd, int32(fd))
	if chains(sig) {
		var old sigaction
		if err := rtSigaction(sig, nil, &old); err != nil {
			return err
		}
		if old.handler > 1 { // not SIG_DFL or SIG_IGN
			a.chain = old.handler
		}
	}
	act := sigaction{
		handler:  handlerPC(),
		flags:    saSiginfo | saOnstack | saRestart | saRestorer,
		mask:     ^uint64(0), // handlers never nest
		restorer: restorerPC(),
	}
	return rtSigaction(sig, &act, nil)
}

// init records initd's pid for the handler: a signal that reaches it in
// another process (a child between fork and exec, which shares initd's
// handlers until exec) is left alone.
func init() { state.self = int32(unix.Getpid()) }

// SetHandler makes the assembly function at pc sig's handler, for a
// package that needs its own (the reaper, for SIGCHLD). The function is
// called the way the kernel calls a C handler with SA_SIGINFO, on the
// thread's signal stack, with every signal blocked; it must preserve what
// the platform's C convention preserves and return normally. flags is
// added to SA_SIGINFO, SA_ONSTACK and SA_RESTART (SA_NOCLDSTOP, say).
func SetHandler(sig syscall.Signal, pc uintptr, flags uint64) error {
	act := sigaction{
		handler:  pc,
		flags:    saSiginfo | saOnstack | saRestart | saRestorer | flags,
		restorer: restorerPC(),
		mask:     ^uint64(0),
	}
	return rtSigaction(sig, &act, nil)
}
