package integration

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/initd-dev/initd/internal/testutil"

	"golang.org/x/sys/unix"
)

// openPty returns a new pseudo-terminal's controlling side and the path of
// its terminal side.
func openPty(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		skipOrFail(t, "no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

// runOnTty runs initd with a terminal as stdin, stdout and stderr and as
// its controlling terminal; interact may type on it.
func runOnTty(t *testing.T, pid1 bool, args []string, interact func(m *os.File, out func() string)) (int, string) {
	t.Helper()
	return runOnTtyWith(t, pid1, args, nil, interact)
}

// runOnTtyWith is runOnTty with setup run on the terminal side first (to
// set terminal modes, say).
func runOnTtyWith(t *testing.T, pid1 bool, args []string, setup func(tty *os.File), interact func(m *os.File, out func() string)) (int, string) {
	t.Helper()
	argv := append([]string{initdBinary(t)}, args...)
	if pid1 {
		needPIDNamespace(t)
		argv = append([]string{"unshare", "--pid", "--fork", "--mount-proc", "--kill-child"}, argv...)
	}
	return runArgvOnTty(t, argv, setup, interact)
}

// runArgvOnTty runs argv as the session leader of a new terminal.
func runArgvOnTty(t *testing.T, argv []string, setup func(tty *os.File), interact func(m *os.File, out func() string)) (int, string) {
	t.Helper()
	m, name := openPty(t)
	s, err := os.OpenFile(name, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(s)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), helperEnv, "PS1=$ ", "ENV=")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var mu sync.Mutex
	var buf bytes.Buffer
	go io.Copy(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), m)
	out := func() string { mu.Lock(); defer mu.Unlock(); return buf.String() }
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if interact != nil {
		interact(m, out)
	}
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("initd on a terminal did not exit; output:\n%s", out())
	}
	time.Sleep(50 * time.Millisecond) // let the last output through
	return exitCode(cmd.ProcessState, err), out()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// With a terminal, COMMAND's process group is the terminal's foreground
// group, and Ctrl-C reaches it: sleep dies of SIGINT and initd exits 130.
func TestTerminalForegroundAndCtrlC(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			testTerminalForegroundAndCtrlC(t, m.pid1)
		})
	}
}

func testTerminalForegroundAndCtrlC(t *testing.T, pid1 bool) {
	code, out := runOnTty(t, pid1, helper(t, "procinfo"), nil)
	if code != 0 {
		t.Fatalf("procinfo: exit %d\n%s", code, out)
	}
	var pgrp, fg int
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "pgrp:") {
			fmt.Sscanf(line, "pgrp: %d fg: %d", &pgrp, &fg)
		}
	}
	if pgrp == 0 || pgrp != fg {
		t.Errorf("COMMAND's group %d is not the terminal's foreground group %d\n%s", pgrp, fg, out)
	}

	code, out = runOnTty(t, pid1, []string{"sh", "-c", "echo ready; exec sleep 100"}, func(m *os.File, out func() string) {
		waitUntil(t, 10*time.Second, "ready on the terminal", func() bool { return strings.Contains(out(), "ready") })
		m.Write([]byte{3}) // Ctrl-C
	})
	if code != 130 {
		t.Errorf("Ctrl-C: exit %d, want 130\n%s", code, out)
	}
}

// Job control in an interactive shell under initd: a background job can be
// brought to the foreground and interrupted, and the shell survives it.
func TestTerminalJobControl(t *testing.T) {
	t.Parallel()
	code, out := runOnTty(t, true, []string{"sh", "-i"}, func(m *os.File, out func() string) {
		type step struct{ send, want string }
		for _, s := range []step{
			{"sleep 100 &\n", "$ "},
			{"fg\n", "sleep 100"},
			{"\x03", "$ "},
			{"echo alive-$((40+2))\n", "alive-42"},
			{"exit 5\n", ""},
		} {
			before := len(out())
			m.Write([]byte(s.send))
			if s.want != "" {
				waitUntil(t, 10*time.Second, fmt.Sprintf("%q after %q", s.want, s.send), func() bool {
					return strings.Contains(out()[before:], s.want)
				})
			}
		}
	})
	if code != 5 {
		t.Errorf("exit %d, want 5\n%s", code, out)
	}
}

// initd started in the background of a shell with job control does not take
// the terminal away from the shell.
func TestTerminalNotTakenFromTheForeground(t *testing.T) {
	t.Parallel()
	inner := strings.Join(append([]string{initdBinary(t), "--"}, helper(t, "procinfo")...), " ")
	m, name := openPty(t)
	s, err := os.OpenFile(name, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-m", "-c", inner+" & wait; echo shell-fg=$(ps -o tpgid= -p $$) shell-pgrp=$(ps -o pgid= -p $$)")
	cmd.Env = append(os.Environ(), helperEnv)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var buf testutil.SyncBuffer
	go io.Copy(&buf, m)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("no exit:\n%s", buf.String())
	}
	waitUntil(t, 5*time.Second, "the shell's report", func() bool {
		return strings.Contains(buf.String(), "shell-pgrp=") && strings.Count(buf.String()[strings.Index(buf.String(), "shell-pgrp="):], "\n") > 0
	})
	out := buf.String()
	var pgrp, fg, sfg, spgrp int
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "pgrp:") {
			fmt.Sscanf(line, "pgrp: %d fg: %d", &pgrp, &fg)
		}
		if strings.HasPrefix(line, "shell-fg=") {
			fmt.Sscanf(strings.Join(strings.Fields(strings.ReplaceAll(line, "=", " ")), " "), "shell-fg %d shell-pgrp %d", &sfg, &spgrp)
		}
	}
	if pgrp == 0 || pgrp == fg {
		t.Errorf("a background initd gave its COMMAND the terminal (pgrp %d, foreground %d)\n%s", pgrp, fg, out)
	}
	if sfg == 0 || sfg != spgrp {
		t.Errorf("the shell lost the terminal: foreground %d, shell's group %d\n%s", sfg, spgrp, out)
	}
}

// With TOSTOP set on the terminal (stty tostop), a process outside the
// foreground group that writes to it gets SIGTTOU. initd is such a process
// once it has handed the terminal to COMMAND, and it writes its own log
// there: the write must go through, initd must not stop or spin on it, and
// COMMAND, which wrote nothing, must not be sent that SIGTTOU.
func TestTerminalTOSTOP(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			code, out := runOnTtyWith(t, m.pid1, []string{"--", "sh", "-c", "sleep 0.5; exit 3"}, tostop(t), nil)
			if code != 3 {
				t.Errorf("exit %d, want 3\n%s", code, out)
			}
			for _, want := range []string{"started", "exited"} {
				if !strings.Contains(out, want) {
					t.Errorf("initd's %q line did not reach the terminal:\n%s", want, out)
				}
			}
		})
	}
}

// The same with initd started by an interactive shell: its process group
// is then not orphaned, so the kernel does send SIGTTOU for its writes
// instead of failing them, and a write that SIGTTOU interrupts is started
// again; initd must neither loop on that nor pass the SIGTTOU to COMMAND.
func TestTerminalTOSTOPUnderAShell(t *testing.T) {
	t.Parallel()
	script := fmt.Sprintf("set -m; %s -- sh -c 'sleep 0.5; exit 3'; echo initd-exit=$?", initdBinary(t))
	code, out := runArgvOnTty(t, []string{"sh", "-c", script}, tostop(t), nil)
	if code != 0 || !strings.Contains(out, "initd-exit=3") {
		t.Errorf("shell exit %d, want initd-exit=3 in:\n%s", code, out)
	}
	for _, want := range []string{"started", "exited"} {
		if !strings.Contains(out, want) {
			t.Errorf("initd's %q line did not reach the terminal:\n%s", want, out)
		}
	}
}

// tostop sets TOSTOP on a terminal, as stty tostop does.
func tostop(t *testing.T) func(tty *os.File) {
	return func(tty *os.File) {
		tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		tio.Lflag |= unix.TOSTOP
		if err := unix.IoctlSetTermios(int(tty.Fd()), unix.TCSETS, tio); err != nil {
			t.Fatal(err)
		}
	}
}
