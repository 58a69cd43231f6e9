package integration

import (
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// runtimeLockAndExec blocks set on the calling thread and execs argv; the
// new program starts with that mask.
func runtimeLockAndExec(set unix.Sigset_t, argv []string) {
	runtime.LockOSThread()
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, nil); err != nil {
		fmt.Fprintln(os.Stderr, "sigmask:", err)
		return
	}
	_ = unix.CloseRange(3, ^uint(0), 0)
	err := syscall.Exec(argv[0], argv, os.Environ())
	fmt.Fprintln(os.Stderr, "exec:", err)
}
