package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cronFinished returns the exit codes of job's runs, read from initd's JSON
// log on stderr.
func cronFinished(stderr, job string) []int {
	var codes []int
	for _, line := range strings.Split(stderr, "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) != nil || e["job"] != job {
			continue
		}
		if msg, _ := e["message"].(string); !strings.Contains(msg, "run finished") {
			continue
		}
		if c, ok := e["code"].(float64); ok {
			codes = append(codes, int(c))
		}
	}
	return codes
}

func cronCount(s []int, v int) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// cronNoCrash fails when initd's output shows a Go panic or a lost exit.
func cronNoCrash(t *testing.T, r result) {
	t.Helper()
	for _, bad := range []string{"panic:", "goroutine ", "no child processes", "ECHILD"} {
		if strings.Contains(r.Stdout+r.Stderr, bad) {
			t.Errorf("output contains %q:\nstdout:\n%s\nstderr:\n%s", bad, r.Stdout, r.Stderr)
		}
	}
}

func cronContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Jobs that leave orphans behind while COMMAND runs: every orphan is reaped
// by the one reaper, every job status is right, and initd still exits with
// COMMAND's status.
func TestCronJobsLeaveOrphansWhileCommandRuns(t *testing.T) {
	needRoot(t)
	t.Parallel()
	r := runInitd(t, cronContext(t, 60*time.Second), []string{
		"--log-format", "json", "--grace", "2s",
		"--cron", "* * * * * * sleep 0.3 & sleep 0.2 & echo tick",
		"--cron", "* * * * * * (sleep 0.1 &); exit 3",
		"--", "sh", "-c", "sleep 4; exit 5",
	}, asPID1())
	if r.Code != 5 {
		t.Errorf("exit %d, want COMMAND's 5\nstderr:\n%s", r.Code, r.Stderr)
	}
	if n := strings.Count(r.Stdout, "[job1] tick\n"); n < 2 {
		t.Errorf("%d marked job lines on stdout, want at least 2:\n%s", n, r.Stdout)
	}
	if c := cronFinished(r.Stderr, "job1"); cronCount(c, 0) < 2 {
		t.Errorf("job1 statuses %v, want at least two 0s\n%s", c, r.Stderr)
	}
	if c := cronFinished(r.Stderr, "job2"); cronCount(c, 3) < 2 || cronCount(c, 3) != len(c) {
		t.Errorf("job2 statuses %v, want only 3s, at least two\n%s", c, r.Stderr)
	}
	if n := cronOrphansReaped(r.Stderr); n == 0 {
		t.Errorf("initd reports no orphans reaped; the jobs' background sleeps should have been\n%s", r.Stderr)
	}
	cronNoCrash(t, r)
}

// cronOrphansReaped returns orphans_reaped from initd's final log entry, or
// -1 when the entry has no such field.
func cronOrphansReaped(stderr string) int {
	n := -1
	for _, line := range strings.Split(stderr, "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) != nil {
			continue
		}
		if v, ok := e["orphans_reaped"].(float64); ok {
			n = int(v)
		}
	}
	return n
}

// Cron-only mode: a stop request in the middle of a run stops the run
// (SIGKILL at the end of the grace period if it ignores the stop signal),
// starts nothing new, and initd exits 0.
func TestCronOnlyStopInTheMiddleOfAJob(t *testing.T) {
	tests := []struct {
		name, job string
		pid1      bool
		code      int
	}{
		{"stop signal", "echo started; exec sleep 30", true, 143},
		{"killed after grace", "trap '' TERM; echo started; exec sleep 30", true, 137},
		{"not pid 1", "echo started; exec sleep 30", false, 143},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []runOpt
			if tt.pid1 {
				needRoot(t)
				opts = append(opts, asPID1())
			}
			t.Parallel()
			p := startInitd(t, cronContext(t, 60*time.Second), []string{
				"--log-format", "json", "--grace", "1s", "--cron", "* * * * * * " + tt.job,
			}, opts...)
			waitUntil(t, 10*time.Second, "job1 to start", func() bool { return strings.Contains(p.Stdout(), "[job1] started\n") })
			t0 := time.Now()
			p.Signal(syscall.SIGTERM)
			r := p.Wait(15 * time.Second)
			took := time.Since(t0)
			if r.Code != 0 {
				t.Errorf("exit %d, want 0 for cron-only mode stopped by a signal\nstderr:\n%s", r.Code, r.Stderr)
			}
			if took > 5*time.Second {
				t.Errorf("took %v to stop with a grace period of 1s", took)
			}
			if c := cronFinished(r.Stderr, "job1"); len(c) != 1 || c[0] != tt.code {
				t.Errorf("job1 statuses %v, want [%d]\n%s", c, tt.code, r.Stderr)
			}
			cronNoCrash(t, r)
		})
	}
}

// A crontab's environment lines reach its jobs; the process environment is
// the base.
func TestCronCrontabEnvironment(t *testing.T) {
	t.Parallel()
	tab := filepath.Join(t.TempDir(), "crontab")
	content := "# jobs\nA=from-crontab\n\n*\t*\t*\t*\t*\t*\techo \"$A $B\"\n"
	if err := os.WriteFile(tab, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startInitd(t, cronContext(t, 60*time.Second), []string{"--log-format", "json", "--crontab", tab},
		withEnv("B=from-env", "A=overridden"))
	waitUntil(t, 10*time.Second, "a run of job1", func() bool { return strings.Contains(p.Stderr(), "run finished") })
	p.Signal(syscall.SIGTERM)
	r := p.Wait(10 * time.Second)
	if r.Code != 0 || !strings.Contains(r.Stdout, "[job1] from-crontab from-env\n") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	cronNoCrash(t, r)
}

// Every malformed schedule or zone is a usage error, exit 2, naming the
// problem and where it is; never a panic.
func TestCronUsageErrors(t *testing.T) {
	t.Parallel()
	tab := filepath.Join(t.TempDir(), "crontab")
	if err := os.WriteFile(tab, []byte("# ok\n@daily true\n61 * * * * x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"empty TZ", []string{"--cron", "TZ= * * * * * x"}, "empty time zone"},
		{"bare TZ", []string{"--cron", "TZ="}, "empty time zone"},
		{"empty CRON_TZ", []string{"--cron", "CRON_TZ= @daily x"}, "empty time zone"},
		{"unknown zone", []string{"--cron", "CRON_TZ=Mars/Base @daily x"}, "unknown time zone"},
		{"minute", []string{"--cron", "61 * * * * x"}, "minute"},
		{"no command", []string{"--cron", "@hourly"}, "no command"},
		{"descriptor junk", []string{"--cron", "@every 1x y"}, "@every"},
		{"never fires", []string{"--cron", "0 0 30 2 * x"}, "never fires"},
		{"crontab line", []string{"--crontab", tab}, tab + ":3"},
		{"missing crontab", []string{"--crontab", tab + ".missing"}, "crontab"},
		{"overlap", []string{"--cron-overlap", "queue", "--cron", "@daily x"}, "queue"},
		{"timeout", []string{"--cron-timeout", "soon", "--cron", "@daily x"}, "soon"},
		{"with command", []string{"--cron", "* * * * 8 x", "--", "true"}, "day-of-week"},
		{"validate", []string{"validate", "--cron", "TZ= @daily x"}, "empty time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runInitd(t, cronContext(t, 30*time.Second), tt.args)
			if r.Code != 2 || !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.Code, r.Stderr, tt.want)
			}
			cronNoCrash(t, r)
		})
	}
}

// validate prints each job's next runs and starts nothing.
func TestCronValidatePrintsNextRuns(t *testing.T) {
	t.Parallel()
	r := runInitd(t, cronContext(t, 30*time.Second), []string{
		"validate", "--cron", "CRON_TZ=UTC 0 9 * * 1-5 touch /nonexistent/ran", "--cron", "*/10 * * * * * true",
	})
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	out := r.Stdout + r.Stderr
	for _, want := range []string{"job1", "job2", "09:00:00 UTC", "6 fields, seconds first"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "next:"); n < 4 {
		t.Errorf("%d next runs listed, want several per job:\n%s", n, out)
	}
}

// --cron-timeout stops a run that overruns (SIGKILL after --grace when it
// ignores the stop signal), and runs due meanwhile are skipped, one warning
// each.
func TestCronTimeoutAndOverlapSkip(t *testing.T) {
	t.Parallel()
	r := runInitd(t, cronContext(t, 60*time.Second), []string{
		"--log-format", "json", "--grace", "500ms", "--cron-timeout", "1200ms",
		"--cron", "* * * * * * trap '' TERM; sleep 30",
		"--", "sleep", "4",
	})
	if r.Code != 0 {
		t.Errorf("exit %d, want COMMAND's 0\n%s", r.Code, r.Stderr)
	}
	if c := cronFinished(r.Stderr, "job1"); cronCount(c, 137) < 1 {
		t.Errorf("job1 statuses %v, want a 137 (killed after the timeout and the grace period)\n%s", c, r.Stderr)
	}
	for _, want := range []string{"timed out", "run skipped"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("no %q in the log:\n%s", want, r.Stderr)
		}
	}
	cronNoCrash(t, r)
}
