package integration

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// helpers are small programs the tests run as COMMAND: the test binary
// re-executed with INITD_TEST_HELPER set (see TestMain). Each returns its
// exit status.
var helpers = map[string]func(args []string) int{
	// sigrecord OUT [EXIT_SIGNAL]: appends the name of every signal it
	// receives to OUT, one a line, after writing "ready". Exits 0 when it
	// receives EXIT_SIGNAL (default: never).
	"sigrecord": func(args []string) int {
		c := make(chan os.Signal, 128)
		var sigs []os.Signal
		for s := syscall.Signal(1); s <= 64; s++ {
			switch s {
			case unix.SIGKILL, unix.SIGSTOP, unix.SIGURG, unix.SIGCHLD, unix.SIGPROF, 32, 33:
				continue
			}
			sigs = append(sigs, s)
		}
		signal.Notify(c, sigs...)
		exitOn := ""
		if len(args) > 1 {
			exitOn = args[1]
		}
		appendLine(args[0], "ready")
		for s := range c {
			name := unix.SignalName(s.(syscall.Signal))
			if name == "" {
				name = strconv.Itoa(int(s.(syscall.Signal)))
			}
			appendLine(args[0], name)
			if name == exitOn {
				return 0
			}
		}
		return 0
	},
	// procinfo: prints its blocked and ignored signal masks, its open
	// file descriptors, and its process group against the terminal's
	// foreground group.
	"procinfo": func(args []string) int {
		status, _ := os.ReadFile("/proc/self/status")
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "SigBlk:") || strings.HasPrefix(line, "SigIgn:") {
				fmt.Println(strings.Join(strings.Fields(line), " "))
			}
		}
		d, err := os.Open("/proc/self/fd")
		if err != nil {
			fmt.Println("fds: error", err)
			return 1
		}
		names, _ := d.Readdirnames(-1)
		var fds []string
		for _, n := range names {
			if n != strconv.Itoa(int(d.Fd())) {
				fds = append(fds, n)
			}
		}
		d.Close()
		fmt.Println("fds:", strings.Join(fds, " "))
		fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
		fmt.Printf("pgrp: %d fg: %d err: %v\n", syscall.Getpgrp(), fg, err)
		return 0
	},
	// orphans N: starts N short-lived processes and exits without waiting
	// for them, so that they are re-parented to initd.
	"orphans": func(args []string) int {
		n, _ := strconv.Atoi(args[0])
		for i := 0; i < n; i++ {
			if _, err := syscall.ForkExec("/bin/true", []string{"true"}, &syscall.ProcAttr{}); err != nil {
				fmt.Fprintln(os.Stderr, "orphans:", err)
				return 1
			}
		}
		return 0
	},
	// withmask CMD...: blocks USR1 and TERM, ignores INT, QUIT and USR2,
	// then execs CMD, as a careless parent would. Descriptors above 2 are
	// closed first, so CMD starts with none but the standard three.
	"withmask": func(args []string) int {
		var set unix.Sigset_t
		for _, s := range []syscall.Signal{unix.SIGUSR1, unix.SIGTERM} {
			set.Val[(s-1)/64] |= 1 << ((uint(s) - 1) % 64)
		}
		for _, s := range []syscall.Signal{unix.SIGINT, unix.SIGQUIT, unix.SIGUSR2} {
			signal.Ignore(s)
		}
		// The mask survives exec; the calling thread is the one that execs.
		runtimeLockAndExec(set, args)
		return 127
	},
	// blockexec ARGV...: blocks SIGUSR1, SIGUSR2 and SIGHUP, then execs
	// ARGV with them blocked, as a parent that blocked them would.
	"blockexec": func(args []string) int {
		var set unix.Sigset_t
		for _, s := range []syscall.Signal{unix.SIGUSR1, unix.SIGUSR2, unix.SIGHUP} {
			set.Val[(s-1)/64] |= 1 << ((uint(s) - 1) % 64)
		}
		runtimeLockAndExec(set, args)
		return 127
	},
	// exiton OUT CODE: catches every signal it can, writes "ready" to OUT,
	// and exits CODE on SIGTERM; every other signal is counted and
	// otherwise ignored.
	"exiton": func(args []string) int {
		// TERM on a channel of its own: a flood of others cannot crowd it out.
		term, others := make(chan os.Signal, 1), make(chan os.Signal, 1024)
		signal.Notify(others)
		signal.Notify(term, unix.SIGTERM)
		code, _ := strconv.Atoi(args[1])
		appendLine(args[0], "ready")
		go func() {
			for range others {
			}
		}()
		<-term
		return code
	},
	// sleep D: sleeps for D (a Go duration).
	"sleep": func(args []string) int {
		d, _ := time.ParseDuration(args[0])
		time.Sleep(d)
		return 0
	},
}

func runHelper(name string, args []string) int {
	h := helpers[name]
	if h == nil {
		fmt.Fprintf(os.Stderr, "no helper %q\n", name)
		return 2
	}
	return h(args)
}

func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	f.WriteString(line + "\n")
	f.Close()
}
