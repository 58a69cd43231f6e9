package reaper

import (
	"runtime"

	"golang.org/x/sys/unix"
)

func lockAndBlock(set, old *unix.Sigset_t) {
	runtime.LockOSThread()
	_ = unix.PthreadSigmask(unix.SIG_BLOCK, set, old)
}

func unblock(old *unix.Sigset_t) {
	_ = unix.PthreadSigmask(unix.SIG_SETMASK, old, nil)
	runtime.UnlockOSThread()
}
