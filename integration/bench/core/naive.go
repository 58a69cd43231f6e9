package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// naiveInitArg runs this program as the reference "naive Go init".
const naiveInitArg = "naive-init"

// naiveInit is the straightforward Go init the figures refer to
// ("a naive Go init measures about 2x on start-up, 8x on reaping CPU and
// 1.8x on signal round trip"): one goroutine receives every signal through
// os/signal, forwards it to the child, and on SIGCHLD reaps with
// wait4(-1, WNOHANG) until nothing is left. It is measured beside the
// real inits so a reader can see whether this run reproduces that
// calibration. It is a yardstick, not an init anyone should use.
func naiveInit(argv []string) int {
	if len(argv) > 0 && argv[0] == "--" {
		argv = argv[1:]
	}
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "naive-init: no command")
		return 2
	}
	if os.Getpid() != 1 {
		_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}
	sigs := make(chan os.Signal, 128)
	signal.Notify(sigs)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "naive-init:", err)
		return 127
	}
	child := cmd.Process.Pid
	for s := range sigs {
		switch s {
		case syscall.SIGCHLD:
			for {
				var ws syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
				if err != nil || pid <= 0 {
					break
				}
				if pid == child {
					if ws.Signaled() {
						return 128 + int(ws.Signal())
					}
					return ws.ExitStatus()
				}
			}
		case syscall.SIGURG:
		default:
			_ = syscall.Kill(child, s.(syscall.Signal))
		}
	}
	return 0
}
