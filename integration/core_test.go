package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// modes runs a test body as PID 1 and as a subreaper (not PID 1).
var modes = []struct {
	name string
	opts []runOpt
	pid1 bool
}{
	{"pid1", []runOpt{asPID1()}, true},
	{"subreaper", nil, false},
}

func TestExitStatusEvery0To255(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			// One initd per status, four at a time.
			sem := make(chan struct{}, 4)
			var wg sync.WaitGroup
			for n := 0; n <= 255; n++ {
				wg.Add(1)
				sem <- struct{}{}
				go func(n int) {
					defer wg.Done()
					defer func() { <-sem }()
					r := runInitd(t, ctxFor(t, 60*time.Second), []string{"sh", "-c", "exit " + strconv.Itoa(n)}, m.opts...)
					if r.Code != n {
						t.Errorf("sh -c 'exit %d': initd exited %d\n%s", n, r.Code, r.Stderr)
					}
				}(n)
			}
			wg.Wait()
		})
	}
}

func TestExitStatusSignalDeath(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		for _, sig := range []string{"TERM", "HUP", "QUIT", "KILL", "USR1"} {
			t.Run(m.name+"/"+sig, func(t *testing.T) {
				t.Parallel()
				want := 128 + int(unix.SignalNum("SIG"+sig))
				r := runInitd(t, ctxFor(t, 30*time.Second), []string{"sh", "-c", "kill -" + sig + " $$"}, m.opts...)
				if r.Code != want {
					t.Errorf("killed by %s: initd exited %d, want %d\n%s", sig, r.Code, want, r.Stderr)
				}
			})
		}
	}
}

func TestExitStatusNotFoundAndNotExecutable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noX := filepath.Join(dir, "script")
	os.WriteFile(noX, []byte("#!/bin/sh\nexit 0\n"), 0o644)
	badInterp := filepath.Join(dir, "badinterp")
	os.WriteFile(badInterp, []byte("#!/nonexistent/interp\nexit 0\n"), 0o755)
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("\x7fELFnot really"), 0o755)
	tests := []struct {
		argv []string
		code int
		msg  string
	}{
		{[]string{"no-such-command-initd"}, 127, `"no-such-command-initd"`},
		{[]string{filepath.Join(dir, "missing")}, 127, "missing"},
		{[]string{dir}, 126, "is a directory"},
		{[]string{noX}, 126, "not executable"},
		{[]string{badInterp}, 126, "badinterp"},
		{[]string{garbage}, 126, "garbage"},
	}
	for _, m := range modes {
		for _, tt := range tests {
			t.Run(m.name+"/"+filepath.Base(tt.argv[0]), func(t *testing.T) {
				t.Parallel()
				r := runInitd(t, ctxFor(t, 30*time.Second), tt.argv, m.opts...)
				if r.Code != tt.code || !strings.Contains(r.Stderr, tt.msg) {
					t.Errorf("%v: exit %d, stderr %q; want %d naming %q", tt.argv, r.Code, r.Stderr, tt.code, tt.msg)
				}
			})
		}
	}
}

func TestNoShellInterpolation(t *testing.T) {
	t.Parallel()
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"--", "printf", `%s|%s\n`, "$(id)", "a b;c"})
	if r.Code != 0 || r.Stdout != "$(id)|a b;c\n" {
		t.Errorf("got %d %q", r.Code, r.Stdout)
	}
	// Option parsing stops at the first non-option word.
	r = runInitd(t, ctxFor(t, 30*time.Second), []string{"sh", "-c", "exit 3"})
	if r.Code != 3 {
		t.Errorf("initd sh -c 'exit 3' = %d", r.Code)
	}
	// A subcommand word after -- is a program.
	r = runInitd(t, ctxFor(t, 30*time.Second), []string{"--", "wait"})
	if r.Code != 127 {
		t.Errorf("initd -- wait = %d, want 127 (no program called wait)\n%s", r.Code, r.Stderr)
	}
}

// recorder runs the sigrecord helper under initd and returns the file it
// writes and the running initd, once the helper is ready.
func recorder(t *testing.T, args []string, opts ...runOpt) (string, *proc) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "signals")
	argv := append(args, "--")
	argv = append(argv, helper(t, "sigrecord", out, "SIGTERM")...)
	p := startInitd(t, ctxFor(t, 60*time.Second), argv, append(opts, withEnv(helperEnv))...)
	waitForLines(t, out, "ready")
	return out, p
}

func readLines(path string) []string {
	b, _ := os.ReadFile(path)
	return strings.Fields(string(b))
}

// waitForLines waits until the file's lines are exactly want.
func waitForLines(t *testing.T, path string, want ...string) {
	t.Helper()
	waitUntil(t, 10*time.Second, fmt.Sprintf("%s to read %v", path, want), func() bool {
		return strings.Join(readLines(path), " ") == strings.Join(want, " ")
	})
}

func TestSignalsForwardedEachInTurn(t *testing.T) {
	t.Parallel()
	sigs := []syscall.Signal{unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGALRM, unix.SIGWINCH,
		unix.SIGCONT, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGXCPU, unix.SIGIO, unix.SIGPWR, unix.SIGABRT, unix.SIGSEGV, 35, 50, 64}
	for _, m := range modes {
		for _, single := range []bool{false, true} {
			name := m.name + "/group"
			var args []string
			if single {
				name, args = m.name+"/single-child", []string{"--single-child"}
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				out, p := recorder(t, args, m.opts...)
				want := []string{"ready"}
				for _, s := range sigs {
					p.Signal(s)
					name := unix.SignalName(s)
					if name == "" {
						name = strconv.Itoa(int(s))
					}
					want = append(want, name)
					waitForLines(t, out, want...)
				}
				p.Signal(unix.SIGTERM)
				if r := p.Wait(20 * time.Second); r.Code != 0 {
					t.Errorf("exit %d\n%s", r.Code, r.Stderr)
				}
				waitForLines(t, out, append(want, "SIGTERM")...)
			})
		}
	}
}

func TestRewriteAndDrop(t *testing.T) {
	t.Parallel()
	out, p := recorder(t, []string{"--rewrite", "USR1:USR2", "--rewrite", "HUP:0", "--rewrite", "INT:TERM"})
	p.Signal(unix.SIGHUP) // dropped
	p.Signal(unix.SIGUSR1)
	waitForLines(t, out, "ready", "SIGUSR2")
	p.Signal(unix.SIGINT) // rewritten to TERM, a stop request
	r := p.Wait(20 * time.Second)
	waitForLines(t, out, "ready", "SIGUSR2", "SIGTERM")
	if r.Code != 0 {
		t.Errorf("exit %d\n%s", r.Code, r.Stderr)
	}
}

func TestRewriteFromEnvironment(t *testing.T) {
	t.Parallel()
	out, p := recorder(t, nil, withEnv("INITD_REWRITE=USR1:USR2,HUP:0"))
	p.Signal(unix.SIGHUP)
	p.Signal(unix.SIGUSR1)
	waitForLines(t, out, "ready", "SIGUSR2")
	p.Signal(unix.SIGTERM)
	p.Wait(20 * time.Second)
}

func TestStopSignal(t *testing.T) {
	t.Parallel()
	for _, trigger := range []syscall.Signal{unix.SIGTERM, unix.SIGINT, unix.SIGUSR2} {
		t.Run(unix.SignalName(trigger), func(t *testing.T) {
			t.Parallel()
			out, p := recorder(t, []string{"--stop-signal", "usr2", "--grace", "1s"})
			p.Signal(trigger)
			// The helper ignores USR2 (it exits on TERM only), so the grace
			// period ends in SIGKILL: 137.
			r := p.Wait(20 * time.Second)
			if got := readLines(out); strings.Join(got, " ") != "ready SIGUSR2" {
				t.Errorf("child saw %v, want [ready SIGUSR2]", got)
			}
			if r.Code != 137 {
				t.Errorf("exit %d, want 137\n%s", r.Code, r.Stderr)
			}
		})
	}
}

func TestStopDelayThenGraceThenKill(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			mark := filepath.Join(dir, "term")
			script := fmt.Sprintf(`trap 'date +%%s.%%N > %s' TERM; echo ready > %s/ready; while :; do sleep 0.05; done`, mark, dir)
			p := startInitd(t, ctxFor(t, 60*time.Second), []string{"--stop-delay", "700ms", "--grace", "1s", "--", "sh", "-c", script}, m.opts...)
			waitUntil(t, 10*time.Second, "child ready", func() bool { _, err := os.Stat(dir + "/ready"); return err == nil })
			t0 := time.Now()
			p.Signal(unix.SIGTERM)
			r := p.Wait(20 * time.Second)
			took := time.Since(t0)
			b, err := os.ReadFile(mark)
			if err != nil {
				t.Fatalf("the child never got TERM: %v\n%s", err, r.Stderr)
			}
			sec, _ := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
			if got := time.Unix(0, int64(sec*1e9)).Sub(t0); got < 650*time.Millisecond {
				t.Errorf("TERM reached the child after %v, before the 700ms stop delay", got)
			}
			if r.Code != 137 {
				t.Errorf("exit %d, want 137 (SIGKILL after grace)\n%s", r.Code, r.Stderr)
			}
			if took < 1650*time.Millisecond || took > 10*time.Second {
				t.Errorf("stop took %v, want about delay+grace = 1.7s", took)
			}
		})
	}
}

func TestStopBeforeCommandStarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Waiting on a file that never appears keeps initd in start-up.
	p := startInitd(t, ctxFor(t, 30*time.Second), []string{"--wait", "file://" + dir + "/never", "--", "touch", dir + "/ran"})
	time.Sleep(300 * time.Millisecond)
	p.Signal(unix.SIGINT)
	r := p.Wait(10 * time.Second)
	if r.Code != 130 {
		t.Errorf("exit %d, want 130\n%s", r.Code, r.Stderr)
	}
	if _, err := os.Stat(dir + "/ran"); err == nil {
		t.Error("COMMAND ran")
	}
}

func TestRemapExit(t *testing.T) {
	t.Parallel()
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"--remap-exit", "143:0", "--remap-exit", "3:4", "sh", "-c", "exit 3"})
	if r.Code != 4 {
		t.Errorf("exit %d, want 4", r.Code)
	}
	r = runInitd(t, ctxFor(t, 30*time.Second), []string{"sh", "-c", "kill $$"}, withEnv("INITD_REMAP_EXIT=143:0"))
	if r.Code != 0 {
		t.Errorf("exit %d, want 0 (143 remapped)", r.Code)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		env  []string
		msg  string
	}{
		{args: []string{"--bogus", "true"}, msg: `unknown option "--bogus"`},
		{args: []string{"--stop-signal", "NOPE", "true"}, msg: "--stop-signal"},
		{args: []string{"--stop-signal", "KILL", "true"}, msg: "stop signal"},
		{args: []string{"--grace", "ten", "true"}, msg: "--grace"},
		{args: []string{"--grace", "-1s", "true"}, msg: "negative"},
		{args: []string{"--rewrite", "USR1", "true"}, msg: "FROM:TO"},
		{args: []string{"--remap-exit", "1:256", "true"}, msg: "256"},
		{args: []string{"--pdeathsig", "KILL", "true"}, msg: "--pdeathsig"},
		{args: []string{"--log-level", "loud", "true"}, msg: "--log-level"},
		{args: []string{"--grace"}, msg: "needs a value"},
		{args: []string{}, msg: "no COMMAND"},
		{args: []string{"true"}, env: []string{"INITD_STOP_SIGNAL=bogus"}, msg: "INITD_STOP_SIGNAL"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "_"), func(t *testing.T) {
			t.Parallel()
			r := runInitd(t, ctxFor(t, 30*time.Second), tt.args, withEnv(tt.env...))
			if r.Code != 2 || !strings.Contains(r.Stderr, tt.msg) {
				t.Errorf("exit %d stderr %q; want 2 and %q", r.Code, r.Stderr, tt.msg)
			}
			if strings.Contains(r.Stderr, "goroutine") || strings.Contains(r.Stderr, "panic") {
				t.Errorf("stack trace: %s", r.Stderr)
			}
		})
	}
	// A flag wins over the environment.
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"--stop-signal", "TERM", "true"}, withEnv("INITD_STOP_SIGNAL=bogus"))
	if r.Code != 0 {
		t.Errorf("flag did not win over INITD_STOP_SIGNAL: %d %s", r.Code, r.Stderr)
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	for _, a := range [][]string{{"help"}, {"--help"}, {"-h"}, {"version"}, {"--version"}} {
		r := runInitd(t, ctxFor(t, 30*time.Second), a)
		if r.Code != 0 || r.Stdout == "" || r.Stderr != "" {
			t.Errorf("%v: exit %d stdout %d bytes stderr %q", a, r.Code, len(r.Stdout), r.Stderr)
		}
	}
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"help"})
	for _, opt := range []string{"--single-child", "INITD_STOP_SIGNAL", "--grace", "--pdeathsig", "--wait", "--tail", "--cron", "--template", "--user"} {
		if !strings.Contains(r.Stdout, opt) {
			t.Errorf("help does not mention %s", opt)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "app.conf.tmpl")
	os.WriteFile(tmpl, []byte("port={{ .Env.PORT }}\n"), 0o644)
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"validate", "--stop-signal", "usr1", "--wait", "tcp://db:5432",
		"--template", tmpl + ":" + dir + "/app.conf", "--cron", "@every 1m echo hi", "--", "sleep", "1"},
		withEnv("PORT=80")) // validate renders templates against the environment
	for _, want := range []string{"command: ", "stop: signal SIGUSR1", "wait: tcp://db:5432", "template: " + tmpl + " -> " + dir + "/app.conf", "job1", "next: ", "configuration is valid"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("validate output lacks %q:\n%s", want, r.Stdout)
		}
	}
	if r.Code != 0 {
		t.Errorf("exit %d\n%s", r.Code, r.Stderr)
	}
	if _, err := os.Stat(dir + "/app.conf"); err == nil {
		t.Error("validate rendered the template")
	}
	for _, bad := range [][]string{
		{"validate", "--wait", "tcp://nohost", "true"},
		{"validate", "--cron", "61 * * * * x"},
		{"validate", "--template", dir + "/missing:" + dir + "/out", "true"},
		{"validate", "--", "no-such-command-initd"},
		{"validate"},
	} {
		if r := runInitd(t, ctxFor(t, 30*time.Second), bad); r.Code != 2 || r.Stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 with a message", bad, r.Code, r.Stderr)
		}
	}
}
