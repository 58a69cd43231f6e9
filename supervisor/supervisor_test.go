package supervisor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/initd-dev/initd/internal/testutil"

	"github.com/initd-dev/initd/reaper"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// The tests share one reaper (a process may have only one) and run one
// at a time: a supervisor signals every descendant of the test process
// when it ends.
var testReaper *reaper.Reaper

func TestMain(m *testing.M) {
	// A helper process: the test binary run with SUPERVISOR_HELPER set.
	if h := os.Getenv("SUPERVISOR_HELPER"); h != "" {
		os.Exit(runHelper(h, os.Args[1:]))
	}
	if os.Getpid() != 1 {
		if err := reaper.SetSubreaper(); err != nil {
			fmt.Fprintln(os.Stderr, "no subreaper:", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	testReaper = reaper.New()
	go testReaper.Run(ctx)
	code := m.Run()
	cancel()
	os.Exit(code)
}

// runHelper is a helper process's main. "record OUT": appends "start",
// then each signal's number, to OUT; exits 0 on TERM.
func runHelper(name string, args []string) int {
	switch name {
	case "record":
		c := make(chan os.Signal, 64)
		notifyAll(c)
		appendTo(args[0], "start")
		for s := range c {
			sig := s.(syscall.Signal)
			appendTo(args[0], strconv.Itoa(int(sig)))
			if sig == unix.SIGTERM {
				return 0
			}
		}
	}
	return 99
}

func appendTo(path, line string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

func lines(path string) []string {
	b, _ := os.ReadFile(path)
	return strings.Fields(string(b))
}

// harness runs one Supervisor with signals the test sends.
type harness struct {
	t    *testing.T
	sigs chan os.Signal
	log  *testutil.SyncBuffer
	cfg  Config
	done chan int
	took time.Duration
}

func newHarness(t *testing.T, cfg Config) *harness {
	h := &harness{t: t, sigs: make(chan os.Signal, 16), log: &testutil.SyncBuffer{}, done: make(chan int, 1)}
	cfg.Reaper, cfg.Signals = testReaper, h.sigs
	cfg.Log = zerolog.New(h.log)
	h.cfg = cfg
	return h
}

// run starts Run with startup in the background.
func (h *harness) run(startup func(context.Context) (*Launch, error)) *Supervisor {
	s := New(h.cfg)
	h.start(s, startup)
	return s
}

func (h *harness) start(s *Supervisor, startup func(context.Context) (*Launch, error)) {
	go func() {
		t0 := time.Now()
		code := s.Run(context.Background(), startup)
		h.took = time.Since(t0)
		h.done <- code
	}()
}

func (h *harness) wait(d time.Duration) int {
	h.t.Helper()
	select {
	case code := <-h.done:
		return code
	case <-time.After(d):
		h.t.Fatalf("Run did not return within %v\nlog:\n%s", d, h.log)
	}
	return 0
}

func launch(l *Launch) func(context.Context) (*Launch, error) {
	return func(context.Context) (*Launch, error) { return l, nil }
}

func sh(script string) *Spec {
	return &Spec{Path: "/bin/sh", Argv: []string{"sh", "-c", script}}
}

func recorder(t *testing.T, name string) (*Spec, string) {
	out := filepath.Join(t.TempDir(), name)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &Spec{Name: name, Path: exe, Argv: []string{exe, out}, Attr: func() (*syscall.ProcAttr, func(bool), error) {
		return &syscall.ProcAttr{Env: append(os.Environ(), "SUPERVISOR_HELPER=record"), Files: []uintptr{0, 1, 2}}, nil, nil
	}}, out
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestExitStatus(t *testing.T) {
	for _, tt := range []struct {
		script string
		remap  map[int]int
		want   int
	}{
		{"exit 0", nil, 0},
		{"exit 3", nil, 3},
		{"kill -USR1 $$", nil, 128 + int(unix.SIGUSR1)},
		{"exit 3", map[int]int{3: 0}, 0},
	} {
		h := newHarness(t, Config{RemapExit: tt.remap})
		h.run(launch(&Launch{Command: sh(tt.script)}))
		if got := h.wait(10 * time.Second); got != tt.want {
			t.Errorf("%q: status %d, want %d", tt.script, got, tt.want)
		}
	}
}

// Signals reach COMMAND and every service, rewritten; a dropped one does
// not; a stop request sends the stop signal to each.
func TestForwardingAndStop(t *testing.T) {
	h := newHarness(t, Config{Rewrites: map[syscall.Signal]syscall.Signal{unix.SIGHUP: 0, unix.SIGUSR2: unix.SIGWINCH}})
	cmd, cmdOut := recorder(t, "cmd")
	svc, svcOut := recorder(t, "svc")
	h.run(launch(&Launch{Command: cmd, Services: []Spec{*svc}}))
	for _, out := range []string{cmdOut, svcOut} {
		waitFor(t, 10*time.Second, out+" to start", func() bool { return len(lines(out)) > 0 })
	}
	// One at a time: a Go program reads pending signals in numeric order.
	h.sigs <- unix.SIGHUP
	for i, sig := range []syscall.Signal{unix.SIGUSR1, unix.SIGUSR2} {
		h.sigs <- sig
		for _, out := range []string{cmdOut, svcOut} {
			waitFor(t, 10*time.Second, fmt.Sprintf("%s to record %v", out, sig), func() bool { return len(lines(out)) >= 2+i })
		}
	}
	h.sigs <- unix.SIGTERM
	if got := h.wait(10 * time.Second); got != 0 {
		t.Errorf("status %d, want COMMAND's 0\n%s", got, h.log)
	}
	want := fmt.Sprintf("start %d %d %d", unix.SIGUSR1, unix.SIGWINCH, unix.SIGTERM)
	for _, out := range []string{cmdOut, svcOut} {
		if got := strings.Join(lines(out), " "); got != want {
			t.Errorf("%s saw %q, want %q", filepath.Base(out), got, want)
		}
	}
}

// The stop sequence: pre-stop hooks, then the delay, then the stop signal;
// what ignores it is killed when the grace period ends; finish hooks see
// the exit status.
func TestStopSequence(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace")
	h := newHarness(t, Config{StopDelay: 300 * time.Millisecond, Grace: 400 * time.Millisecond})
	h.run(launch(&Launch{
		Command: sh(fmt.Sprintf(`trap 'echo term >> %s' TERM; echo ready >> %[1]s; while :; do sleep 0.02; done`, trace)),
		PreStop: []Spec{*sh(fmt.Sprintf(`sleep 0.1; echo pre-stop >> %s`, trace))},
		Finish: []Spec{{Path: "/bin/sh", Argv: []string{"sh", "-c", fmt.Sprintf(`echo "finish $INITD_EXIT_STATUS" >> %s`, trace)},
			Attr: func() (*syscall.ProcAttr, func(bool), error) {
				return &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}}, nil, nil
			}}},
	}))
	waitFor(t, 10*time.Second, "COMMAND ready", func() bool { return len(lines(trace)) > 0 })
	t0 := time.Now()
	h.sigs <- unix.SIGTERM
	got := h.wait(10 * time.Second)
	took := time.Since(t0)
	if got != 137 {
		t.Errorf("status %d, want 137 (killed after the grace period)\n%s", got, h.log)
	}
	if want := "ready pre-stop term finish 137"; strings.Join(lines(trace), " ") != want {
		t.Errorf("trace %q, want %q", strings.Join(lines(trace), " "), want)
	}
	if took < 800*time.Millisecond || took > 5*time.Second {
		t.Errorf("stop took %v, want about pre-stop + delay + grace = 0.8s", took)
	}
	if !strings.Contains(h.log.String(), "killed (SIGKILL)") {
		t.Errorf("the kill is not logged:\n%s", h.log)
	}
}

// A stop request during start-up ends Run at once with 128+signal,
// whatever start-up is doing, and COMMAND never starts.
func TestStopDuringStartup(t *testing.T) {
	h := newHarness(t, Config{})
	started := make(chan struct{})
	h.run(func(ctx context.Context) (*Launch, error) {
		close(started)
		select {} // a start-up step that never returns
	})
	<-started
	h.sigs <- unix.SIGINT
	if got := h.wait(5 * time.Second); got != 128+int(unix.SIGINT) {
		t.Errorf("status %d, want %d", got, 128+int(unix.SIGINT))
	}
}

// A hook run by start-up is stopped with everything else.
func TestStopStopsTheInitHook(t *testing.T) {
	h := newHarness(t, Config{Grace: 5 * time.Second})
	s := New(h.cfg)
	hookDone := make(chan reaper.Status, 1)
	h.start(s, func(ctx context.Context) (*Launch, error) {
		st, err := s.RunHook(*sh("sleep 30"))
		if err != nil {
			t.Error(err)
		}
		hookDone <- st
		return nil, ctx.Err()
	})
	time.Sleep(200 * time.Millisecond)
	h.sigs <- unix.SIGTERM
	if got := h.wait(5 * time.Second); got != 143 {
		t.Errorf("status %d, want 143", got)
	}
	if st := <-hookDone; st.Code() != 143 {
		t.Errorf("hook %v, want killed by SIGTERM", st)
	}
}

// A failing service ends everything with its status once its restarts
// are used up; the back-off doubles from 1 s.
func TestServiceRestartsThenFails(t *testing.T) {
	runs := filepath.Join(t.TempDir(), "runs")
	h := newHarness(t, Config{Grace: time.Second})
	svc := sh(fmt.Sprintf(`date +%%s.%%N >> %s; exit 5`, runs))
	svc.Name, svc.Restart, svc.RestartLimit = "flaky", RestartOnFailure, 2
	h.run(launch(&Launch{Command: sh("sleep 30"), Services: []Spec{*svc}}))
	if got := h.wait(20 * time.Second); got != 5 {
		t.Errorf("status %d, want the service's 5\n%s", got, h.log)
	}
	var at []float64
	for _, l := range lines(runs) {
		f, _ := strconv.ParseFloat(l, 64)
		at = append(at, f)
	}
	if len(at) != 3 {
		t.Fatalf("%d runs, want 3 (one and two restarts)", len(at))
	}
	if d1, d2 := at[1]-at[0], at[2]-at[1]; d1 < 0.9 || d1 > 1.8 || d2 < 1.9 || d2 > 2.8 {
		t.Errorf("restarts after %.2fs and %.2fs, want about 1s and 2s", d1, d2)
	}
}

// A service that exits 0 under --restart no is done; without COMMAND,
// initd ends with 0 when the last one is done; "always" restarts until a
// stop, and never after it.
func TestServicesOnly(t *testing.T) {
	t.Run("last one done", func(t *testing.T) {
		h := newHarness(t, Config{})
		a, b := sh("exit 0"), sh("sleep 0.2")
		a.Name, b.Name = "a", "b"
		h.run(launch(&Launch{Services: []Spec{*a, *b}}))
		if got := h.wait(10 * time.Second); got != 0 {
			t.Errorf("status %d, want 0", got)
		}
	})
	t.Run("always until stopped", func(t *testing.T) {
		runs := filepath.Join(t.TempDir(), "runs")
		h := newHarness(t, Config{})
		a := sh(fmt.Sprintf(`echo run >> %s; exit 0`, runs))
		a.Name, a.Restart = "a", RestartAlways
		h.run(launch(&Launch{Services: []Spec{*a}}))
		waitFor(t, 10*time.Second, "a restart", func() bool { return len(lines(runs)) >= 2 })
		h.sigs <- unix.SIGTERM
		if got := h.wait(10 * time.Second); got != 0 {
			t.Errorf("status %d, want 0 for a stop without COMMAND", got)
		}
		n := len(lines(runs))
		time.Sleep(1500 * time.Millisecond)
		if m := len(lines(runs)); m != n {
			t.Errorf("restarted after the stop: %d runs, then %d", n, m)
		}
	})
}

// Stop of one job run: the stop signal to its group, SIGKILL after the
// grace period; other processes are left alone.
func TestStopOneJob(t *testing.T) {
	h := newHarness(t, Config{Grace: 300 * time.Millisecond})
	s := h.run(launch(&Launch{Command: sh("sleep 30")}))
	var p *reaper.Process
	waitFor(t, 5*time.Second, "the job to start", func() bool {
		var err error
		p, err = s.Jobs().Start("/bin/sh", []string{"sh", "-c", "trap '' TERM; sleep 30"}, &syscall.ProcAttr{})
		return err == nil
	})
	time.Sleep(100 * time.Millisecond)
	s.Jobs().Stop(p)
	select {
	case <-p.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the job was not killed after the grace period")
	}
	if st := p.Status(); st.Code() != 137 {
		t.Errorf("job %v, want killed by SIGKILL", st)
	}
	h.sigs <- unix.SIGTERM
	if got := h.wait(5 * time.Second); got != 143 {
		t.Errorf("status %d, want COMMAND's 143", got)
	}
	if _, err := s.Jobs().Start("/bin/true", []string{"true"}, &syscall.ProcAttr{}); err == nil {
		t.Error("a job started after the end")
	}
}

// Start errors carry the contract's statuses.
func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "script")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		want int
	}{
		{"/nonexistent/x", ExitNotFound},
		{"no-such-command-anywhere", ExitNotFound},
		{dir, ExitCantExec},
		{notExec, ExitCantExec},
	} {
		_, err := LookPath(tt.name, []string{"PATH=/usr/bin:/bin"})
		if got := ExitCode(err); got != tt.want {
			t.Errorf("LookPath(%q): %v: status %d, want %d", tt.name, err, got, tt.want)
		}
	}
	h := newHarness(t, Config{})
	h.run(launch(&Launch{Command: &Spec{Path: "/bin/true", Argv: []string{"true"}, Attr: func() (*syscall.ProcAttr, func(bool), error) {
		return &syscall.ProcAttr{Env: []string{"BIG=" + strings.Repeat("x", 200*1024)}}, nil, nil
	}}}))
	if got := h.wait(5 * time.Second); got != ExitStartup || !strings.Contains(h.log.String(), "BIG") {
		t.Errorf("status %d, want 1 and BIG named\n%s", got, h.log)
	}
}

func TestParseRestart(t *testing.T) {
	for in, want := range map[string]Restart{"no": RestartNo, "on-failure": RestartOnFailure, "ALWAYS": RestartAlways} {
		if got, err := ParseRestart(in); err != nil || got != want {
			t.Errorf("ParseRestart(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseRestart("sometimes"); err == nil {
		t.Error("ParseRestart(sometimes): no error")
	}
}

// A finish hook has a grace period of its own: the one that started with
// the stop signal does not cut it short.
func TestFinishHookKeepsItsOwnGrace(t *testing.T) {
	trace := filepath.Join(t.TempDir(), "trace")
	h := newHarness(t, Config{Grace: 600 * time.Millisecond})
	svc := sh(`trap 'sleep 0.4; exit 0' TERM; while :; do sleep 0.02; done`)
	svc.Name = "slow-stop"
	h.run(launch(&Launch{
		Command:  sh("sleep 0.2"),
		Services: []Spec{*svc},
		Finish:   []Spec{*sh(fmt.Sprintf(`sleep 0.5; echo done >> %s`, trace))},
	}))
	if got := h.wait(10 * time.Second); got != 0 {
		t.Errorf("status %d, want COMMAND's 0\n%s", got, h.log)
	}
	if got := strings.Join(lines(trace), " "); got != "done" {
		t.Errorf("the finish hook was cut short (trace %q)\n%s", got, h.log)
	}
}
