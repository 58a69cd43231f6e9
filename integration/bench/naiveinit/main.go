// Command naiveinit is the yardstick of initd's core benchmark
// (integration/bench/core): the smallest honest Go init, as issue 11
// describes it. It catches every signal with signal.Notify before anything
// starts, finds COMMAND with exec.LookPath, forks and execs it, forwards
// every signal but SIGCHLD and SIGURG to it from a goroutine, and reaps
// with a blocking wait4(-1) in main until COMMAND is among the dead; then
// it exits with COMMAND's status (128+N for a signal).
//
//	naiveinit [--] COMMAND [ARG...]
//
// It is built as initd is (static, -trimpath, -ldflags '-s -w') by
// integration/bench/run.sh, so that the two differ only in what their code
// does. It is a measuring stick, not an init anyone should use: it forwards
// to a pid that may already have been reaped, has no grace period, and
// leaves behind whatever COMMAND leaves when it is not PID 1.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

func main() { os.Exit(run(os.Args[1:])) }

// run supervises the command in args and returns the exit status.
func run(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: naiveinit [--] COMMAND [ARG...]")
		return 2
	}
	sigs := make(chan os.Signal, 128)
	signal.Notify(sigs) // every signal, from the start
	if os.Getpid() != 1 {
		// Not PID 1: reap the orphans as a subreaper, as tini -s does.
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			fmt.Fprintln(os.Stderr, "naiveinit: become a subreaper:", err)
			return 1
		}
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "naiveinit: %s: %v\n", args[0], err)
		return 127
	}
	p, err := os.StartProcess(path, args, &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "naiveinit: start %s: %v\n", path, err)
		return 126
	}
	child := p.Pid
	go forward(sigs, child)
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "naiveinit: wait4(-1) while %s runs: %v\n", path, err)
			return 1
		}
		if pid != child {
			continue // an orphan, reaped
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}

// forward sends every signal that arrives on sigs to pid, except SIGCHLD
// (the init's own business) and SIGURG (the Go runtime's preemption).
func forward(sigs <-chan os.Signal, pid int) {
	for s := range sigs {
		sig, ok := s.(syscall.Signal)
		if !ok || sig == syscall.SIGCHLD || sig == syscall.SIGURG {
			continue
		}
		_ = syscall.Kill(pid, sig)
	}
}
