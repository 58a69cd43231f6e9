package supervisor

import (
	"os"
	"os/signal"
	"syscall"
)

func notifyAll(c chan os.Signal) {
	for s := syscall.Signal(1); s <= 64; s++ {
		switch s {
		case syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGCHLD, syscall.SIGURG, syscall.SIGPROF, 32, 33, 34:
			continue
		}
		signal.Notify(c, s)
	}
}
