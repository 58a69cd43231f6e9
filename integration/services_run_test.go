package integration

// The runtime of several processes and hooks, from the outside: services
// beside COMMAND and alone, restarts, signals, service directories, init
// hooks, pre-stop and finish hooks (the helpers are in services_test.go).

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A service runs beside COMMAND with its lines prefixed; when COMMAND
// exits, the service gets the stop signal and initd exits with COMMAND's
// status.
func TestServiceBesideCommand(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "events")
			r := runInitd(t, ctxFor(t, 30*time.Second), []string{"--grace", "5s",
				"--service", "tick=sh -c " + shq(`trap 'echo "bye from tick"; exit 0' TERM; echo "hello from tick"; echo "to stderr" >&2; echo $$ >> `+shq(out)+`; while :; do sleep 0.05; done`),
				"--", "sh", "-c", "until [ -s " + shq(out) + " ]; do sleep 0.05; done; echo from-command; exit 3",
			}, m.opts...)
			noCrash(t, r)
			if r.Code != 3 {
				t.Errorf("exit %d, want COMMAND's 3\nstderr:\n%s", r.Code, r.Stderr)
			}
			for _, want := range []string{"[tick] hello from tick\n", "[tick] bye from tick\n", "from-command\n"} {
				if !strings.Contains(r.Stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
				}
			}
			if !strings.Contains(r.Stderr, "[tick] to stderr\n") {
				t.Errorf("stderr lacks the service's prefixed line:\n%s", r.Stderr)
			}
			if !m.pid1 {
				for _, pid := range readPids(t, out) {
					if alive(pid) {
						t.Errorf("service pid %d outlived initd", pid)
					}
				}
			}
		})
	}
}

// COMMAND of a service is split into words as sh would, with nothing
// expanded and no shell; the words reach the program byte for byte.
func TestServiceWordSplitting(t *testing.T) {
	t.Parallel()
	r := runInitd(t, ctxFor(t, 20*time.Second), []string{
		"--service", `words=printf '<%s>\n' one "two  three" four\ five '$HOME' $HOME "a\"b" "c\d" '' *`,
	}, withEnv("HOME=/should/not/appear"))
	noCrash(t, r)
	if r.Code != 0 {
		t.Fatalf("services only, the service exiting 0: exit %d, want 0\nstderr:\n%s", r.Code, r.Stderr)
	}
	want := "[words] <one>\n[words] <two  three>\n[words] <four five>\n[words] <$HOME>\n[words] <$HOME>\n[words] <a\"b>\n[words] <c\\d>\n[words] <>\n[words] <*>\n"
	if r.Stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.Stdout, want)
	}
}

// A service that fails and is not restarted ends everything with its
// status: an exit status, or 128+S for a signal.
func TestServiceFailureEndsEverything(t *testing.T) {
	tests := []struct {
		name, script string
		want         int
	}{
		{"exit 7", "sleep 0.5; exit 7", 7},
		{"killed by SIGKILL", "sleep 0.5; kill -KILL $$", 128 + 9},
		{"killed by SIGUSR1", "sleep 0.5; kill -USR1 $$", 128 + 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "events")
			begin := time.Now()
			r := runInitd(t, ctxFor(t, 30*time.Second), []string{"--grace", "5s",
				"--service", "bad=sh -c " + shq(tt.script),
				"--service", "other=" + trapper("other", out),
				"--", "sh", "-c", "trap 'echo command TERM >> " + shq(out) + "; exit 0' TERM; while :; do sleep 0.05; done",
			}, asPID1())
			noCrash(t, r)
			if r.Code != tt.want {
				t.Errorf("exit %d, want the failed service's %d\nstderr:\n%s", r.Code, tt.want, r.Stderr)
			}
			if d := time.Since(begin); d > 4*time.Second {
				t.Errorf("initd took %v to end after the service failed; the others stop on TERM at once", d)
			}
			lines := fileLines(out)
			for _, want := range []string{"other TERM", "command TERM"} {
				if !slices.Contains(lines, want) {
					t.Errorf("%q missing: %q", want, lines)
				}
			}
		})
	}
}

// A service that exits 0 and is not restarted is done; the rest go on.
// Without COMMAND, initd exits 0 once the last service is done.
func TestServiceExitZeroEndsNothing(t *testing.T) {
	t.Parallel()
	t.Run("beside COMMAND", func(t *testing.T) {
		t.Parallel()
		begin := time.Now()
		r := runInitd(t, ctxFor(t, 20*time.Second), []string{
			"--service", "quick=true", "--", "sh", "-c", "sleep 1.5; exit 4"})
		noCrash(t, r)
		if r.Code != 4 {
			t.Errorf("exit %d, want COMMAND's 4\nstderr:\n%s", r.Code, r.Stderr)
		}
		if d := time.Since(begin); d < 1500*time.Millisecond {
			t.Errorf("initd ended after %v, before COMMAND did", d)
		}
	})
	t.Run("services only", func(t *testing.T) {
		t.Parallel()
		begin := time.Now()
		r := runInitd(t, ctxFor(t, 20*time.Second), []string{
			"--service", "quick=true", "--service", "slow=sh -c 'sleep 1; echo slow done'"})
		noCrash(t, r)
		if r.Code != 0 || !strings.Contains(r.Stdout, "[slow] slow done\n") {
			t.Errorf("exit %d, stdout %q; want 0 after slow's line\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
		}
		if d := time.Since(begin); d < time.Second {
			t.Errorf("initd ended after %v, before the slow service did", d)
		}
	})
}

// runTimes reads the nanosecond timestamps a service appended to path.
func runTimes(t *testing.T, path string) []time.Time {
	t.Helper()
	var times []time.Time
	for _, l := range fileLines(path) {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			t.Fatalf("%s: %q is not a timestamp", path, l)
		}
		times = append(times, time.Unix(0, n))
	}
	return times
}

// --restart on-failure with a limit: the service runs 1 + limit times,
// backing off 1 s then 2 s, and then counts as failed with its status. A
// service that exits 0 is not started again.
func TestServiceRestartOnFailureWithLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	runs, okRuns := filepath.Join(dir, "runs"), filepath.Join(dir, "ok-runs")
	r := runInitd(t, ctxFor(t, 60*time.Second), []string{"--restart", "on-failure", "--restart-limit", "2",
		"--service", "flaky=sh -c " + shq("date +%s%N >> "+shq(runs)+"; exit 3"),
		"--service", "fine=sh -c " + shq("date +%s%N >> "+shq(okRuns)),
	})
	noCrash(t, r)
	if r.Code != 3 {
		t.Errorf("exit %d, want the last status of the service that gave up, 3\nstderr:\n%s", r.Code, r.Stderr)
	}
	times := runTimes(t, runs)
	if len(times) != 3 {
		t.Fatalf("flaky ran %d times, want 3 (1 + --restart-limit 2)\nstderr:\n%s", len(times), r.Stderr)
	}
	for i, want := range []time.Duration{time.Second, 2 * time.Second} {
		gap := times[i+1].Sub(times[i])
		if gap < want-100*time.Millisecond || gap > want+time.Second {
			t.Errorf("back-off before restart %d: %v, want about %v", i+1, gap, want)
		}
	}
	if n := len(fileLines(okRuns)); n != 1 {
		t.Errorf("the service that exited 0 ran %d times under on-failure, want 1", n)
	}
}

// --restart always starts a service that exits 0 again, until a stop; once
// the stop has begun nothing is restarted, and services only stopped by a
// signal exit 0.
func TestServiceRestartAlwaysUntilStop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	runs, events := filepath.Join(dir, "runs"), filepath.Join(dir, "events")
	p := startInitd(t, ctxFor(t, 60*time.Second), []string{"--restart", "always", "--restart-limit", "0", "--grace", "10s",
		"--service", "again=sh -c " + shq("date +%s%N >> "+shq(runs)),
		// slow takes 3 s to stop: long enough for the next restart of
		// "again" (2 s after its second run) if a stop did not prevent it.
		"--service", "slow=sh -c " + shq(`trap 'echo slow TERM >> `+shq(events)+`; sleep 3; exit 0' TERM; while :; do sleep 0.05; done`),
	})
	waitUntil(t, 10*time.Second, "two runs of the service", func() bool { return len(fileLines(runs)) >= 2 })
	p.Signal(syscall.SIGTERM)
	before := len(fileLines(runs))
	r := p.Wait(20 * time.Second)
	noCrash(t, r)
	if r.Code != 0 {
		t.Errorf("services only, stopped by TERM: exit %d, want 0\nstderr:\n%s", r.Code, r.Stderr)
	}
	if !slices.Contains(fileLines(events), "slow TERM") {
		t.Errorf("slow never got TERM: %q", fileLines(events))
	}
	if after := len(fileLines(runs)); after != before {
		t.Errorf("the service ran %d times after the stop began (%d before it)", after-before, before)
	}
}

// Services only: a stop request reaches every service, and initd exits 0.
func TestServicesOnlyStop(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "events")
			p := startInitd(t, ctxFor(t, 30*time.Second), []string{
				"--service", "a=" + trapper("a", out), "--service", "b=" + trapper("b", out),
			}, m.opts...)
			waitForLine(t, out, "a ready", 10*time.Second)
			waitForLine(t, out, "b ready", 10*time.Second)
			p.Signal(syscall.SIGTERM)
			r := p.Wait(10 * time.Second)
			noCrash(t, r)
			if r.Code != 0 {
				t.Errorf("exit %d, want 0\nstderr:\n%s", r.Code, r.Stderr)
			}
			for _, want := range []string{"a TERM", "b TERM"} {
				if !slices.Contains(fileLines(out), want) {
					t.Errorf("%q missing: %q", want, fileLines(out))
				}
			}
		})
	}
}

// A forwarded signal reaches COMMAND and every service.
func TestForwardedSignalsReachEveryService(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := map[string]string{}
			args := []string{}
			for _, name := range []string{"one", "two"} {
				files[name] = filepath.Join(dir, name)
				args = append(args, "--service", name+"="+shq(selfBinary(t))+" sigrecord "+shq(files[name])+" SIGTERM")
			}
			files["command"] = filepath.Join(dir, "command")
			args = append(append(args, "--"), helper(t, "sigrecord", files["command"], "SIGTERM")...)
			p := startInitd(t, ctxFor(t, 30*time.Second), args, append(slices.Clone(m.opts), withEnv(helperEnv))...)
			for _, f := range files {
				waitForLine(t, f, "ready", 10*time.Second)
			}
			p.Signal(syscall.SIGUSR1)
			p.Signal(syscall.SIGHUP)
			for _, f := range files {
				waitForLine(t, f, "SIGUSR1", 10*time.Second)
				waitForLine(t, f, "SIGHUP", 10*time.Second)
			}
			p.Signal(syscall.SIGTERM)
			r := p.Wait(10 * time.Second)
			noCrash(t, r)
			if r.Code != 0 {
				t.Errorf("exit %d, want COMMAND's 0\nstderr:\n%s", r.Code, r.Stderr)
			}
		})
	}
}

// --service-dir in the runit layout: DIR/NAME/run scripts are services
// (prefixed [NAME]); a run without an execute bit is skipped with a
// warning naming it.
func TestServiceDirRunitLayout(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "service")
	writeTestFile(t, filepath.Join(dir, "web/run"), "#!/bin/sh\necho \"web up as $0\"\nexec sleep 0.5\n", 0o755)
	writeTestFile(t, filepath.Join(dir, "log/run"), "#!/bin/sh\necho log up\n", 0o755)
	writeTestFile(t, filepath.Join(dir, "off/run"), "#!/bin/sh\necho should not run\n", 0o644)
	r := runInitd(t, ctxFor(t, 20*time.Second), []string{"--service-dir", dir})
	noCrash(t, r)
	if r.Code != 0 {
		t.Errorf("exit %d, want 0 once both services are done\nstderr:\n%s", r.Code, r.Stderr)
	}
	for _, want := range []string{"[web] web up as " + filepath.Join(dir, "web/run") + "\n", "[log] log up\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "should not run") {
		t.Errorf("the non-executable run ran:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stderr, filepath.Join(dir, "off/run")) || !strings.Contains(r.Stderr, "not executable") {
		t.Errorf("no warning naming %s:\n%s", filepath.Join(dir, "off/run"), r.Stderr)
	}
}

// As PID 1, the orphans a service leaves are reaped: no zombie is left
// while COMMAND still runs.
func TestServiceOrphansReapedAsPID1(t *testing.T) {
	t.Parallel()
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{
		"--service", "forker=sh -c " + shq(`for i in 1 2 3 4 5 6 7 8 9 10; do (sleep 0.1 &); done; echo forked; exec sleep 100`),
		"--", "sh", "-c", `sleep 1.5; z=$(cat /proc/[0-9]*/stat 2>/dev/null | grep -c ') Z '); echo "zombies=$z"`,
	}, asPID1())
	noCrash(t, r)
	if r.Code != 0 {
		t.Errorf("exit %d, want 0\nstderr:\n%s", r.Code, r.Stderr)
	}
	if !strings.Contains(r.Stdout, "[forker] forked\n") || !strings.Contains(r.Stdout, "zombies=0\n") {
		t.Errorf("stdout %q: want the service's line and zombies=0", r.Stdout)
	}
}

// Init hooks run in byte order of their names before COMMAND; what one
// writes to $INITD_HOOK_ENV is seen by later hooks, by COMMAND and by the
// services, and wins over the variable's earlier value; a file without an
// execute bit is skipped with a warning naming it.
func TestInitHooksOrderAndHookEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hooks, order := filepath.Join(dir, "init.d"), filepath.Join(dir, "order")
	writeTestFile(t, filepath.Join(hooks, "20-second"), "#!/bin/sh\necho \"second $GREETING\" >> "+shq(order)+"\necho \"hook output\"\n", 0o755)
	writeTestFile(t, filepath.Join(hooks, "10-first"), "#!/bin/sh\necho first >> "+shq(order)+"\necho GREETING=hello >> \"$INITD_HOOK_ENV\"\n", 0o755)
	writeTestFile(t, filepath.Join(hooks, "10-Z"), "#!/bin/sh\necho Z >> "+shq(order)+"\n", 0o755) // 'Z' sorts before 'f'
	writeTestFile(t, filepath.Join(hooks, "15-notes"), "#!/bin/sh\necho notes >> "+shq(order)+"\n", 0o644)
	r := runInitd(t, ctxFor(t, 20*time.Second), []string{"--init-dir", hooks,
		"--service", `svc=sh -c 'echo "service sees $GREETING"'`,
		"--", "sh", "-c", `sleep 0.5; echo "command sees $GREETING"`,
	}, withEnv("GREETING=old"))
	noCrash(t, r)
	if r.Code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.Code, r.Stderr)
	}
	if got, want := fileLines(order), []string{"Z", "first", "second hello"}; !slices.Equal(got, want) {
		t.Errorf("hooks ran as %q, want %q", got, want)
	}
	for _, want := range []string{"command sees hello\n", "[svc] service sees hello\n", "hook output\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
		}
	}
	if !strings.Contains(r.Stderr, filepath.Join(hooks, "15-notes")) {
		t.Errorf("no warning naming the skipped 15-notes:\n%s", r.Stderr)
	}
}

// A hook that exits non-zero stops start-up: exit 1, a message naming the
// hook and its status, and no later hook, service or COMMAND runs.
func TestInitHookFailureStopsStartup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hooks, marker := filepath.Join(dir, "init.d"), filepath.Join(dir, "ran")
	writeTestFile(t, filepath.Join(hooks, "10-ok"), "#!/bin/sh\nexit 0\n", 0o755)
	writeTestFile(t, filepath.Join(hooks, "20-fail"), "#!/bin/sh\nexit 4\n", 0o755)
	writeTestFile(t, filepath.Join(hooks, "30-never"), "#!/bin/sh\necho hook >> "+shq(marker)+"\n", 0o755)
	r := runInitd(t, ctxFor(t, 20*time.Second), []string{"--init-dir", hooks,
		"--service", "svc=sh -c " + shq("echo service >> "+shq(marker)),
		"--", "sh", "-c", "echo command >> " + shq(marker)})
	noCrash(t, r)
	if r.Code != 1 {
		t.Errorf("exit %d, want 1\nstderr:\n%s", r.Code, r.Stderr)
	}
	if !strings.Contains(r.Stderr, filepath.Join(hooks, "20-fail")) || !strings.Contains(r.Stderr, "4") {
		t.Errorf("stderr does not name the hook and its status 4:\n%s", r.Stderr)
	}
	if got := fileLines(marker); len(got) > 0 {
		t.Errorf("ran after the failing hook: %q", got)
	}
}

// Hooks run as initd's own user (root) while --user applies to COMMAND.
func TestInitHooksRunAsRootBeforeUser(t *testing.T) {
	needRoot(t)
	t.Parallel()
	dir := t.TempDir()
	hooks, ids := filepath.Join(dir, "init.d"), filepath.Join(dir, "ids")
	writeTestFile(t, filepath.Join(hooks, "10-whoami"), "#!/bin/sh\necho \"hook $(id -u)\" >> "+shq(ids)+"\n", 0o755)
	r := runInitd(t, ctxFor(t, 20*time.Second), []string{"--init-dir", hooks, "--user", "65534:65534",
		"--", "sh", "-c", "echo \"command $(id -u)\""})
	noCrash(t, r)
	if r.Code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.Code, r.Stderr)
	}
	if got := fileLines(ids); !slices.Equal(got, []string{"hook 0"}) {
		t.Errorf("the hook ran as %q, want root (hook 0)", got)
	}
	if !strings.Contains(r.Stdout, "command 65534\n") {
		t.Errorf("COMMAND did not run as 65534:\n%s", r.Stdout)
	}
}

// --pre-stop runs to its end before the stop signal is sent.
func TestPreStopBeforeStopSignal(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "events")
			p := startInitd(t, ctxFor(t, 30*time.Second), []string{
				"--pre-stop", "sh -c " + shq("sleep 1; echo pre-stop done >> "+shq(out)),
				"--service", "svc=" + trapper("svc", out),
				"--", "sh", "-c", "trap 'echo command TERM >> " + shq(out) + "; exit 0' TERM; echo command ready >> " + shq(out) + "; while :; do sleep 0.05; done",
			}, m.opts...)
			waitForLine(t, out, "command ready", 10*time.Second)
			waitForLine(t, out, "svc ready", 10*time.Second)
			p.Signal(syscall.SIGTERM)
			r := p.Wait(15 * time.Second)
			noCrash(t, r)
			if r.Code != 0 {
				t.Errorf("exit %d, want COMMAND's 0\nstderr:\n%s", r.Code, r.Stderr)
			}
			lines := fileLines(out)
			hook := slices.Index(lines, "pre-stop done")
			for _, term := range []string{"command TERM", "svc TERM"} {
				if i := slices.Index(lines, term); hook < 0 || i < hook {
					t.Errorf("events %q: want %q after the pre-stop hook's line", lines, term)
				}
			}
		})
	}
}

// --finish runs once everything has ended, with INITD_EXIT_STATUS set to
// the status initd exits with; its own status changes nothing.
func TestFinishSeesExitStatus(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "finish")
	r := runInitd(t, ctxFor(t, 20*time.Second), []string{
		"--service", "svc=sleep 100",
		"--finish", "sh -c " + shq(`echo "status=$INITD_EXIT_STATUS" >> `+shq(out)+"; exit 9"),
		"--remap-exit", "5:6",
		"--", "sh", "-c", "exit 5"})
	noCrash(t, r)
	if r.Code != 6 {
		t.Errorf("exit %d, want 6 (COMMAND's 5 remapped; the finish hook's 9 changes nothing)\nstderr:\n%s", r.Code, r.Stderr)
	}
	if got := fileLines(out); !slices.Equal(got, []string{"status=6"}) {
		t.Errorf("the finish hook saw %q, want status=6", got)
	}
}

// A run that lasted 10 s resets the back-off and the count of
// --restart-limit: with a limit of 1, a service that fails at once, then
// after 10.5 s, then at once again runs three times, and the restart after
// the long run waits 1 s again, not 2.
func TestServiceRestartCountResetsAfterLongRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	script := `date +%s%N >> ` + shq(runs) + `; n=$(wc -l < ` + shq(runs) + `); if [ "$n" -eq 2 ]; then sleep 10.5; fi; exit 3`
	r := runInitd(t, ctxFor(t, 60*time.Second), []string{"--restart", "on-failure", "--restart-limit", "1",
		"--service", "flaky=sh -c " + shq(script)})
	noCrash(t, r)
	if r.Code != 3 {
		t.Errorf("exit %d, want 3\nstderr:\n%s", r.Code, r.Stderr)
	}
	times := runTimes(t, runs)
	if len(times) != 3 {
		t.Fatalf("the service ran %d times, want 3 (the long run resets the count)\nstderr:\n%s", len(times), r.Stderr)
	}
	if gap := times[2].Sub(times[1]) - 10500*time.Millisecond; gap < 900*time.Millisecond || gap > 1900*time.Millisecond {
		t.Errorf("back-off after the long run: %v, want about 1s (reset)", gap)
	}
}
