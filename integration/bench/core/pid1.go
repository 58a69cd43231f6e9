package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// pid1 is an init running as PID 1 of a new PID namespace (and mount
// namespace with its own /proc), started with unshare, with COMMAND's
// stdin and stdout connected to the benchmark.
type pid1 struct {
	name   string
	cmd    *exec.Cmd     // unshare
	init   int           // the init's pid in our namespace
	stdin  *os.File      // COMMAND's stdin (through unshare and the init)
	lines  chan string   // COMMAND's stdout, line by line; closed at EOF
	stderr *lockedBuffer // unshare's and the init's stderr, for errors
}

// startPID1 runs `unshare --pid --fork --mount-proc --kill-child INIT
// COMMAND...` and finds the init's pid (unshare's only child). If unshare
// dies, the kernel kills the init and with it the namespace.
func startPID1(ctx context.Context, p peer, command ...string) (*pid1, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%s as PID 1: stdin pipe: %w", p.name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("%s as PID 1: stdout pipe: %w", p.name, err)
	}
	args := append([]string{"--pid", "--fork", "--mount-proc", "--kill-child"}, p.argv(command...)...)
	x := &pid1{
		name:   p.name,
		cmd:    exec.Command("unshare", args...),
		stdin:  inW,
		lines:  make(chan string, 16),
		stderr: &lockedBuffer{},
	}
	x.cmd.Stdin, x.cmd.Stdout, x.cmd.Stderr = inR, outW, x.stderr
	err = x.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("%s as PID 1: %w", p.name, err)
	}
	go func() {
		defer close(x.lines)
		defer outR.Close()
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			x.lines <- sc.Text()
		}
	}()
	x.init, err = waitOnlyChild(ctx, x.cmd.Process.Pid, 5*time.Second)
	if err != nil {
		x.kill()
		return nil, fmt.Errorf("%s as PID 1: finding the init under unshare: %w", p.name, err)
	}
	return x, nil
}

// expect waits for the next line of COMMAND's stdout and checks it.
func (x *pid1) expect(ctx context.Context, want string, limit time.Duration) error {
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case l, ok := <-x.lines:
		if !ok {
			return fmt.Errorf("%s: COMMAND's stdout closed before %q; stderr: %s", x.name, want, x.stderr.tail())
		}
		if l != want {
			return fmt.Errorf("%s: COMMAND printed %q, expected %q", x.name, l, want)
		}
		return nil
	case <-t.C:
		return fmt.Errorf("%s: no %q from COMMAND within %v; stderr: %s", x.name, want, limit, x.stderr.tail())
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send writes one line to COMMAND's stdin.
func (x *pid1) send(s string) error {
	if _, err := x.stdin.WriteString(s + "\n"); err != nil {
		return fmt.Errorf("%s: write %q to COMMAND: %w", x.name, s, err)
	}
	return nil
}

// wait waits for unshare to exit, killing the namespace after limit. A
// non-zero exit is an error unless anyStatus (an init stopped by a signal
// exits 128+N).
func (x *pid1) wait(limit time.Duration, anyStatus bool) error {
	done := make(chan error, 1)
	go func() { done <- x.cmd.Wait() }()
	select {
	case err := <-done:
		x.stdin.Close()
		var exit *exec.ExitError
		if anyStatus && errors.As(err, &exit) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s as PID 1: %w; stderr: %s", x.name, err, x.stderr.tail())
		}
		return nil
	case <-time.After(limit):
		x.kill()
		<-done
		return fmt.Errorf("%s as PID 1: still running %v after it was asked to stop; stderr: %s", x.name, limit, x.stderr.tail())
	}
}

// kill ends unshare, which takes the init and its namespace with it.
func (x *pid1) kill() {
	_ = x.cmd.Process.Signal(syscall.SIGKILL)
	x.stdin.Close()
}

// lockedBuffer is a bytes.Buffer safe for exec's copying goroutine and a
// reader at the same time.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything written so far.
func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tail is the last few hundred bytes, for error messages.
func (l *lockedBuffer) tail() string {
	s := strings.TrimSpace(l.String())
	if len(s) > 400 {
		s = "..." + s[len(s)-400:]
	}
	if s == "" {
		return "(empty)"
	}
	return s
}
