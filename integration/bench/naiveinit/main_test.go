package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain runs the yardstick itself when the test binary is started with
// NAIVEINIT_HELPER set, so that the tests can run it as a real process.
func TestMain(m *testing.M) {
	if os.Getenv("NAIVEINIT_HELPER") != "" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// naive returns a command that runs the yardstick with args.
func naive(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "NAIVEINIT_HELPER=1")
	return cmd
}

// exitCode runs cmd to its end and returns its exit status.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return 0
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"success", []string{"--", "true"}, 0},
		{"without --", []string{"sh", "-c", "exit 3"}, 3},
		{"killed by a signal", []string{"--", "sh", "-c", "kill -TERM $$"}, 128 + int(syscall.SIGTERM)},
		{"not found", []string{"--", "no-such-command-here"}, 127},
		{"no command", []string{"--"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := exitCode(t, naive(t, tt.args...)); got != tt.want {
				t.Fatalf("naiveinit %s: exit %d, want %d", strings.Join(tt.args, " "), got, tt.want)
			}
		})
	}
}

// TestForwards checks that a signal sent to the yardstick reaches COMMAND:
// COMMAND exits 7 on USR1 only.
func TestForwards(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := naive(t, "--", "sh", "-c", `trap "exit 7" USR1; echo ready; while :; do sleep 0.05; done`)
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	ready := make([]byte, 6)
	if _, err := r.Read(ready); err != nil {
		t.Fatalf("waiting for COMMAND to be ready: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 7 {
			t.Fatalf("naiveinit after USR1: %v, want exit 7", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("naiveinit still running 10s after USR1")
	}
}
