// Package integration tests initd from the outside: the real static binary,
// run as a plain child, as a child subreaper, and as PID 1 of a new PID
// namespace (unshare --pid --fork --mount-proc).
//
// Tests that need root or a PID namespace skip when they cannot run, except
// under CI=true, where they fail instead: CI must exercise them.
//
// The test binary doubles as a helper program (see helpers_test.go): with
// INITD_TEST_HELPER=1 it runs the helper named by its first argument instead
// of the tests,
// so the tests need no fixture programs of their own.
package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/initd-dev/initd/internal/testutil"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	if os.Getenv("INITD_TEST_HELPER") == "1" && len(os.Args) > 1 {
		os.Exit(runHelper(os.Args[1], os.Args[2:]))
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// repoRoot is the module root (the directory above integration/).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// initdBinary builds the static initd once per test run and returns its
// path. INITD_BINARY overrides it with a binary built elsewhere.
func initdBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("INITD_BINARY"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "initd-it-")
		if buildErr != nil {
			return
		}
		buildPath = filepath.Join(buildDir, "initd")
		cmd := exec.Command("go", "build", "-trimpath", "-o", buildPath, "./cmd/initd")
		cmd.Dir = repoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/initd: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// selfBinary is the test binary, runnable as a helper (helpers_test.go).
func selfBinary(t testing.TB) string {
	t.Helper()
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// helperEnv must be in initd's environment for helper commands to work.
const helperEnv = "INITD_TEST_HELPER=1"

// helper returns argv that runs the named helper of this test binary; run
// initd withEnv(helperEnv).
func helper(t testing.TB, name string, args ...string) []string {
	return append([]string{selfBinary(t), name}, args...)
}

// inCI reports whether tests must not skip (CI=true).
func inCI() bool { return os.Getenv("CI") == "true" }

// skipOrFail skips the test, or fails it under CI=true.
func skipOrFail(t *testing.T, format string, a ...any) {
	t.Helper()
	if inCI() {
		t.Fatalf("CI=true: cannot skip: "+format, a...)
	}
	t.Skipf(format, a...)
}

// needRoot skips (or fails under CI) unless the test runs as root.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "needs root")
	}
}

var (
	unshareOnce sync.Once
	unshareErr  error
)

// needPIDNamespace skips (or fails under CI) unless a new PID namespace can
// be made with unshare.
func needPIDNamespace(t *testing.T) {
	t.Helper()
	needRoot(t)
	unshareOnce.Do(func() {
		out, err := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "true").CombinedOutput()
		if err != nil {
			unshareErr = fmt.Errorf("unshare --pid --fork --mount-proc true: %v: %s", err, out)
		}
	})
	if unshareErr != nil {
		skipOrFail(t, "%v", unshareErr)
	}
}

// result is how a run of initd ended.
type result struct {
	Code           int // exit status; 128+S if initd itself was killed by S
	Stdout, Stderr string
}

type runConfig struct {
	clean bool
	env   []string
	pid1  bool
}

type runOpt func(*runConfig)

// withEnv adds NAME=VALUE pairs to initd's environment.
func withEnv(kv ...string) runOpt { return func(c *runConfig) { c.env = append(c.env, kv...) } }

// withCleanEnv starts initd with only PATH and what withEnv adds, not the
// test's whole environment.
func withCleanEnv() runOpt { return func(c *runConfig) { c.clean = true } }

// asPID1 runs initd as PID 1 of a new PID namespace with its own /proc.
func asPID1() runOpt { return func(c *runConfig) { c.pid1 = true } }

// proc is a running initd.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	pid1   bool
	stdout *testutil.SyncBuffer
	stderr *testutil.SyncBuffer
	done   chan struct{}
	res    result
}

// startInitd starts initd with args and returns at once. The process is
// killed when ctx is done or the test ends.
func startInitd(t *testing.T, ctx context.Context, args []string, opt ...runOpt) *proc {
	t.Helper()
	return startArgv(t, ctx, append([]string{initdBinary(t)}, args...), opt...)
}

// startInitdArgv starts argv, a program that execs initd (a shell that
// sets a limit, a helper that blocks signals), the way startInitd starts
// initd; its pid is initd's.
func startInitdArgv(t *testing.T, argv []string, opt ...runOpt) *proc {
	t.Helper()
	return startArgv(t, ctxFor(t, 90*time.Second), argv, opt...)
}

// runInitdArgv runs argv (see startInitdArgv) to the end, at most 60 s.
func runInitdArgv(t *testing.T, argv []string, opt ...runOpt) result {
	t.Helper()
	p := startArgv(t, ctxFor(t, 60*time.Second), argv, opt...)
	return p.Wait(70 * time.Second)
}

func startArgv(t *testing.T, ctx context.Context, argv []string, opt ...runOpt) *proc {
	t.Helper()
	var c runConfig
	for _, o := range opt {
		o(&c)
	}
	if c.pid1 {
		needPIDNamespace(t)
	}
	if c.pid1 {
		argv = append([]string{"unshare", "--pid", "--fork", "--mount-proc", "--kill-child"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	base := os.Environ()
	if c.clean {
		base = []string{"PATH=" + os.Getenv("PATH")}
	}
	cmd.Env = append(base, c.env...)
	p := &proc{t: t, cmd: cmd, pid1: c.pid1, stdout: &testutil.SyncBuffer{}, stderr: &testutil.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A process that outlives initd and holds its stdout must not hang the
	// test: Wait gives up on the pipes soon after initd itself exits.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", argv, err)
	}
	go func() {
		err := cmd.Wait()
		p.res = result{Code: exitCode(cmd.ProcessState, err), Stdout: p.stdout.String(), Stderr: p.stderr.String()}
		close(p.done)
	}()
	// Stopping asks initd first, so that it stops what it started (which
	// runs in process groups of its own), then kills what is left of
	// initd's group.
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-p.done:
		}
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			stop()
			<-p.done
		}
	})
	return p
}

// runInitd runs initd with args to the end. ctx bounds the run: when it is
// done first, initd is killed and the test fails.
func runInitd(t *testing.T, ctx context.Context, args []string, opt ...runOpt) result {
	t.Helper()
	p := startInitd(t, ctx, args, opt...)
	select {
	case <-p.done:
	case <-ctx.Done():
		<-p.done
		t.Fatalf("initd %q did not finish in time\nstdout:\n%s\nstderr:\n%s", args, p.res.Stdout, p.res.Stderr)
	}
	return p.res
}

// Wait waits for initd to exit, at most d.
func (p *proc) Wait(d time.Duration) result {
	p.t.Helper()
	select {
	case <-p.done:
		return p.res
	case <-time.After(d):
		p.t.Fatalf("initd did not exit within %v\nstdout:\n%s\nstderr:\n%s", d, p.stdout.String(), p.stderr.String())
	}
	return result{}
}

// Pid is initd's pid as seen from the test (not 1 for asPID1).
func (p *proc) Pid() int {
	p.t.Helper()
	if !p.pid1 {
		return p.cmd.Process.Pid
	}
	// initd is unshare's only child.
	var pid int
	waitUntil(p.t, 10*time.Second, "initd to start under unshare", func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", p.cmd.Process.Pid, p.cmd.Process.Pid))
		if err != nil {
			return false
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return false
		}
		pid, _ = strconv.Atoi(f[0])
		return pid > 0
	})
	return pid
}

// Signal sends sig to initd.
func (p *proc) Signal(sig syscall.Signal) {
	p.t.Helper()
	if err := syscall.Kill(p.Pid(), sig); err != nil {
		p.t.Fatalf("kill %d %v: %v", p.Pid(), sig, err)
	}
}

// Stdout and Stderr are what initd wrote so far.
func (p *proc) Stdout() string { return p.stdout.String() }
func (p *proc) Stderr() string { return p.stderr.String() }

func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return -1
	}
	return ps.ExitCode()
}

// waitUntil polls cond until it holds, failing the test after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for delay := time.Millisecond; ; delay = min(delay*2, 50*time.Millisecond) {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(delay)
	}
}
