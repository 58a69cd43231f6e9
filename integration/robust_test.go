package integration

import (
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

// noRuntimeCrash fails the test when initd's output shows a Go panic, a fatal
// runtime error or a stack trace.
func noRuntimeCrash(t *testing.T, stderr string) {
	t.Helper()
	for _, bad := range []string{"panic:", "fatal error:", "goroutine ", "runtime: "} {
		if strings.Contains(stderr, bad) {
			t.Errorf("initd's stderr shows %q:\n%s", bad, lastLines(stderr, 20))
		}
	}
}

// A storm of signals from two senders at once, one of them sending a
// signal nobody in a Go program can catch (34, RTMIN; 32), leaves initd
// supervising, and it still exits with COMMAND's status.
//
// Storms and floods run alone (not in parallel): they measure how initd
// copes with signal traffic, not how the machine copes with the suite.
func TestSignalStormSurvived(t *testing.T) {
	for _, m := range modes {
		for _, other := range []syscall.Signal{34, 32, 40} {
			t.Run(fmt.Sprintf("%s/USR1+%d", m.name, other), func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "out")
				p := startInitd(t, ctxFor(t, 60*time.Second), append([]string{"--"}, helper(t, "exiton", out, "7")...),
					append(m.opts, withEnv(helperEnv))...)
				waitForLines(t, out, "ready")
				pid := p.Pid()
				var wg sync.WaitGroup
				deadline := time.Now().Add(2 * time.Second)
				for _, sig := range []syscall.Signal{unix.SIGUSR1, other} {
					wg.Go(func() {
						for time.Now().Before(deadline) {
							for range 100 {
								if unix.Kill(pid, sig) != nil {
									return
								}
							}
						}
					})
				}
				wg.Wait()
				p.Signal(unix.SIGTERM)
				r := p.Wait(20 * time.Second)
				if r.Code != 7 {
					t.Errorf("exit %d, want COMMAND's 7\n%s", r.Code, lastLines(r.Stderr, 10))
				}
				noRuntimeCrash(t, r.Stderr)
			})
		}
	}
}

// Signals that initd's parent blocked before exec'ing it are caught and
// forwarded like any other.
func TestInheritedBlockedSignalsForwarded(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "signals")
			args := append(helper(t, "blockexec", initdBinary(t), "--"), helper(t, "sigrecord", out, "SIGTERM")...)
			// initd runs under the helper's exec: signal it by its pid.
			p := startHelper(t, args, m.opts...)
			waitForLines(t, out, "ready")
			want := []string{"ready"}
			for _, sig := range []syscall.Signal{unix.SIGUSR1, unix.SIGUSR2, unix.SIGHUP} {
				p.Signal(sig)
				want = append(want, unix.SignalName(sig))
				waitForLines(t, out, want...)
			}
			p.Signal(unix.SIGTERM)
			if r := p.Wait(20 * time.Second); r.Code != 0 {
				t.Errorf("exit %d\n%s", r.Code, r.Stderr)
			}
		})
	}
}

// startHelper runs argv (a helper that execs initd) the way startInitd
// runs initd.
func startHelper(t *testing.T, argv []string, opts ...runOpt) *proc {
	t.Helper()
	return startInitdArgv(t, argv, append(opts, withEnv(helperEnv))...)
}

// A flood of queued real-time signals does not keep initd from stopping
// within seconds of a TERM.
func TestRealtimeFloodThenStop(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			p := startInitd(t, ctxFor(t, 90*time.Second), append([]string{"--"}, helper(t, "exiton", out, "9")...),
				append(m.opts, withEnv(helperEnv))...)
			waitForLines(t, out, "ready")
			pid := p.Pid()
			sent := 0
			for i := 0; i < 100000; i++ {
				if unix.Kill(pid, syscall.Signal(35+i%30)) == nil {
					sent++
				}
			}
			t0 := time.Now()
			p.Signal(unix.SIGTERM)
			r := p.Wait(60 * time.Second)
			if took := time.Since(t0); took > 20*time.Second {
				t.Errorf("initd took %v to exit after TERM", took)
			}
			if r.Code != 9 || sent < 100000 {
				t.Errorf("exit %d after %d signals, want 9 after 100000", r.Code, sent)
			}
			noRuntimeCrash(t, r.Stderr)
		})
	}
}

// One stop request gives every process the grace period, every time: a
// helper that takes a second to finish on TERM is never killed early.
func TestOneStopRequestAlwaysGivesGrace(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			for i := 0; i < 8; i++ {
				dir := t.TempDir()
				done := filepath.Join(dir, "done")
				script := fmt.Sprintf(`(trap "sleep 1; echo done > %s; exit 0" TERM; while :; do sleep 0.05; done) & echo ready > %s/ready; exec sleep 100`, done, dir)
				p := startInitd(t, ctxFor(t, 60*time.Second), []string{"--grace", "5s", "--", "sh", "-c", script}, m.opts...)
				waitUntil(t, 10*time.Second, "COMMAND ready", func() bool { _, err := os.Stat(dir + "/ready"); return err == nil })
				time.Sleep(50 * time.Millisecond) // the subshell sets its trap
				p.Signal(unix.SIGTERM)
				r := p.Wait(20 * time.Second)
				if b, err := os.ReadFile(done); err != nil || strings.TrimSpace(string(b)) != "done" {
					t.Fatalf("run %d: the helper did not get its grace period (%v)\n%s", i, err, r.Stderr)
				}
				if r.Code != 143 || strings.Contains(r.Stderr, "SIGKILL") {
					t.Fatalf("run %d: exit %d, want 143 with nothing killed\n%s", i, r.Code, r.Stderr)
				}
			}
		})
	}
}

// Too few file descriptors or processes: a clear message and 1 (a
// start-up failure), never a runtime crash and never 126.
func TestFewDescriptors(t *testing.T) {
	t.Parallel()
	for n := 4; n <= 20; n += 2 {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			r := runInitdArgv(t, []string{"sh", "-c", fmt.Sprintf(`ulimit -n %d && exec "$0" -- true`, n), initdBinary(t)})
			noRuntimeCrash(t, r.Stderr)
			switch {
			case r.Code == 0:
			case r.Code == 1 && (strings.Contains(r.Stderr, "file descriptors") || strings.Contains(r.Stderr, "ulimit -n")):
			default:
				t.Errorf("ulimit -n %d: exit %d, want 0, or 1 and a message about descriptors\n%s", n, r.Code, r.Stderr)
			}
		})
	}
}

func TestFewProcesses(t *testing.T) {
	needRoot(t)
	t.Parallel()
	// Below about 5 the Go runtime cannot make the threads it needs before
	// initd's first line runs; it ends with its own message about ulimit -u.
	for _, n := range []int{5, 6, 7, 8, 12} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			// As nobody: root is not held to RLIMIT_NPROC.
			r := runInitdArgv(t, []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
				"prlimit", fmt.Sprintf("--nproc=%d:%d", n, n), initdBinary(t), "--", "/bin/true"})
			noRuntimeCrash(t, r.Stderr)
			if r.Code != 0 && !(r.Code == 1 && strings.Contains(r.Stderr, "ulimit -u")) {
				t.Errorf("ulimit -u %d: exit %d, want 0, or 1 and a message about processes\n%s", n, r.Code, r.Stderr)
			}
		})
	}
}

// An environment too large for exec names the variable, with status 1.
func TestOversizedEnvironmentNamesTheVariable(t *testing.T) {
	t.Parallel()
	env := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(env, []byte("HUGE_VALUE="+strings.Repeat("x", 200*1024)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"--env-file", env, "--", "true"})
	if r.Code != 1 || !strings.Contains(r.Stderr, "HUGE_VALUE") {
		t.Errorf("exit %d, want 1 and a message naming HUGE_VALUE\n%s", r.Code, r.Stderr)
	}
}

// As a subreaper without /proc, initd falls back to the process groups it
// started, warns once, and kills what ignores SIGTERM when the grace
// period ends instead of waiting for it forever.
func TestNoProcFallsBackToGroups(t *testing.T) {
	needRoot(t)
	t.Parallel()
	script := `trap "" TERM; sleep 300 & exec sleep 0.2`
	r := runInitdArgv(t, []string{"unshare", "--mount", "sh", "-c",
		`mount -t tmpfs none /proc && exec "$0" --grace 1s -- sh -c "$1"`, initdBinary(t), script})
	if r.Code != 0 {
		t.Errorf("exit %d, want 0\n%s", r.Code, r.Stderr)
	}
	if n := strings.Count(r.Stderr, "falling back to the process groups"); n != 1 {
		t.Errorf("%d warnings about the fallback, want 1\n%s", n, r.Stderr)
	}
}

// initd's log lines give durations as durations, and the line of the kill
// at the end of the grace period names what it killed and how many.
func TestLogDurationsAndKillLine(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"console", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			script := `trap "" TERM; sleep 30 & echo ready > ` + dir + `/ready; wait`
			p := startInitd(t, ctxFor(t, 30*time.Second), []string{"--log-format", format, "--stop-delay", "100ms", "--grace", "500ms", "--", "sh", "-c", script})
			waitUntil(t, 10*time.Second, "COMMAND ready", func() bool { _, err := os.Stat(dir + "/ready"); return err == nil })
			p.Signal(unix.SIGTERM)
			r := p.Wait(20 * time.Second)
			if r.Code != 137 {
				t.Errorf("exit %d, want 137\n%s", r.Code, r.Stderr)
			}
			want := []string{"grace=500ms", "delay=100ms", "count=2", "(sleep)", "(sh)"}
			if format == "json" {
				want = []string{`"grace":"500ms"`, `"delay":"100ms"`, `"count":2`, "(sleep)", "(sh)"}
			}
			for _, w := range want {
				if !strings.Contains(r.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.Stderr)
				}
			}
		})
	}
}
