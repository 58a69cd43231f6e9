package reaper

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// sigaction is the kernel's struct sigaction on linux/amd64 and arm64.
type sigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// sigchld switches SIGCHLD between the Go runtime's handler and the default
// disposition.
//
// The Go runtime installs a handler for every signal at start-up, SIGCHLD
// included, and runs it for each child that exits even when nobody asked
// for SIGCHLD: a signal delivered to some thread of initd, often one that
// was asleep, for nothing. With the default disposition (which, unlike
// SIG_IGN, still leaves zombies to be reaped) the kernel drops SIGCHLD where
// it is raised. The reaper does not need it while it sleeps in waitid, so it
// keeps the default then, and puts the runtime's handler back only while it
// listens for SIGCHLD (see Reaper.park).
type sigchld struct {
	goAct sigaction // the runtime's handler, as found
	saved bool
}

func rtSigaction(sig int, act, old *sigaction) error {
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), 8, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// quiet sets the default disposition, remembering the runtime's handler.
func (c *sigchld) quiet() {
	if !c.saved {
		if rtSigaction(int(unix.SIGCHLD), nil, &c.goAct) != nil {
			return
		}
		c.saved = true
	}
	dfl := sigaction{} // SIG_DFL
	_ = rtSigaction(int(unix.SIGCHLD), &dfl, nil)
}

// listen puts the runtime's handler back, so os/signal can deliver SIGCHLD.
func (c *sigchld) listen() {
	if c.saved {
		_ = rtSigaction(int(unix.SIGCHLD), &c.goAct, nil)
	}
}
