package signals

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// unhandled are signals that neither os/signal nor the Go runtime of a
// static binary takes: 32 (glibc's thread cancellation) and 34 (musl's
// SIGSYNCCALL, Go issue 39343). Left at their default action, one `kill
// -s RTMIN` from outside would end initd. 33 is not here: the Go runtime
// handles it (it uses it itself, for set*id on every thread).
var unhandled = [...]syscall.Signal{32, 34}

// kernelSigaction is the kernel's struct sigaction. Only the handler is
// read or set (to SIG_IGN, with no flags and an empty mask), so the
// layouts with and without sa_restorer agree on every field used.
type kernelSigaction struct {
	handler  uintptr
	flags    uintptr
	restorer uintptr
	mask     uint64
}

const (
	sigDFL = 0
	sigIGN = 1
)

// IgnoreUnhandled sets the signals that nothing in initd can catch (32
// and 34) to be ignored, where they are still at their default action, so
// that they cannot end initd. It returns those it changed.
//
// The ignored disposition is inherited by the processes initd starts: a
// program that relies on 34 (SIGRTMIN to the C library) terminating it by
// default will not be terminated by it. Programs that handle, block or
// wait for these signals are not affected.
func IgnoreUnhandled() ([]syscall.Signal, error) {
	var changed []syscall.Signal
	for _, sig := range unhandled {
		var old kernelSigaction
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
			return changed, e
		}
		if old.handler != sigDFL {
			continue // somebody handles or ignores it already
		}
		ign := kernelSigaction{handler: sigIGN}
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&ign)), 0, 8, 0, 0); e != 0 {
			return changed, e
		}
		changed = append(changed, sig)
	}
	return changed, nil
}
