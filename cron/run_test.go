package cron

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/initd-dev/initd/reaper"
)

func TestRunOutputStatusAndEnv(t *testing.T) {
	t.Parallel()
	jobs, err := ParseCrontab(strings.NewReader(
		"A=job\n* * * * * * cat; echo \"out $A $B\"; echo err >&2; printf partial; exit 3\n"), "tab")
	if err != nil {
		t.Fatal(err)
	}
	var out, errs lines
	var log logs
	stop := started(t, jobs, Options{
		Starter: &starter{grace: time.Second}, Stdout: &out, Stderr: &errs, Log: log.logger(),
		Env: []string{"A=base", "B=b", "PATH=/usr/bin:/bin"},
	})
	waitFor(t, 5*time.Second, "a finished run", func() bool { return len(log.entries("run finished")) > 0 })
	if _, err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	for _, want := range []string{"[job1] out job b", "[job1] partial"} {
		if !out.has(want) {
			t.Errorf("stdout lacks %q: %q", want, out.snapshot())
		}
	}
	if !errs.has("[job1] err") {
		t.Errorf("stderr lacks the error line: %q", errs.snapshot())
	}
	fin := log.entries("run finished")
	if c := codes(fin); c[0] != 3 || fin[0]["status"] != "exit status 3" || fin[0]["duration"] == nil {
		t.Errorf("finished entry %v, want code 3", fin[0])
	}
	st := log.entries("run started")
	if st[0]["pid"] == nil || st[0]["scheduled"] == nil || st[0]["delay"] == nil || st[0]["job"] != "job1" {
		t.Errorf("started entry %v lacks fields", st[0])
	}
}

func TestOverlap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		overlap Overlap
		check   func(t *testing.T, log *logs)
	}{
		{OverlapSkip, func(t *testing.T, log *logs) {
			waitFor(t, 5*time.Second, "two skips", func() bool { return len(log.entries("run skipped")) >= 2 })
			if n := len(log.entries("run started")); n != 1 {
				t.Errorf("%d runs started while the first was going, want 1", n)
			}
		}},
		{OverlapAllow, func(t *testing.T, log *logs) {
			waitFor(t, 5*time.Second, "three overlapping runs", func() bool { return len(log.entries("run started")) >= 3 })
			if n := len(log.entries("run skipped")); n != 0 {
				t.Errorf("%d skips with overlap allowed", n)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.overlap.String(), func(t *testing.T) {
			t.Parallel()
			var log logs
			stop := started(t, []Job{mustParse(t, "* * * * * * exec sleep 30")}, Options{
				Starter: &starter{grace: 5 * time.Second}, Overlap: tt.overlap, Log: log.logger(),
			})
			tt.check(t, &log)
			if took, err := stop(); err != nil || took > 4*time.Second {
				t.Fatalf("Run = %v after %v", err, took)
			}
			for _, c := range codes(log.entries("run finished")) {
				if c != 128+int(syscall.SIGTERM) {
					t.Errorf("a stopped run ended with %d, want 143 (SIGTERM)", c)
				}
			}
			if len(log.entries("run finished")) != len(log.entries("run started")) {
				t.Errorf("not every started run finished:\n%s", log.String())
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cmd string
		grace     time.Duration
		code      int
	}{
		{"stop signal", "sleep 30", time.Minute, 128 + int(syscall.SIGUSR1)},
		{"sigkill after grace", "trap '' USR1; sleep 30; exit 0", 300 * time.Millisecond, 128 + int(syscall.SIGKILL)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var log logs
			started(t, []Job{mustParse(t, "* * * * * * "+tt.cmd)}, Options{
				Starter: &starter{sig: syscall.SIGUSR1, grace: tt.grace}, Log: log.logger(), Timeout: 300 * time.Millisecond,
			})
			waitFor(t, 5*time.Second, "a timed-out run to finish", func() bool { return len(log.entries("run finished")) > 0 })
			if c := codes(log.entries("run finished")); c[0] != tt.code {
				t.Errorf("code %d, want %d\n%s", c[0], tt.code, log.String())
			}
			if len(log.entries("timed out")) == 0 {
				t.Errorf("no timeout entry:\n%s", log.String())
			}
		})
	}
}

// A failing or crashing job does not stop the others, nor later runs of
// itself; a job that cannot even start is logged and retried.
func TestFailuresAreContained(t *testing.T) {
	t.Parallel()
	var log logs
	jobs := []Job{
		mustParse(t, "* * * * * * exit 1"),
		mustParse(t, "* * * * * * kill -SEGV $$"),
		mustParse(t, "* * * * * * true"),
	}
	stop := started(t, jobs, Options{Starter: &starter{grace: time.Second}, Log: log.logger()})
	waitFor(t, 8*time.Second, "two runs of every job", func() bool {
		c := codes(log.entries("run finished"))
		return count(c, 1) >= 2 && count(c, 128+int(syscall.SIGSEGV)) >= 2 && count(c, 0) >= 2
	})
	if _, err := stop(); err != nil {
		t.Fatal(err)
	}
}

func count(s []int, v int) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

type failingStarter struct{}

func (failingStarter) Start(string, []string, *syscall.ProcAttr) (*reaper.Process, error) {
	return nil, syscall.EAGAIN
}

func (failingStarter) Stop(*reaper.Process) {}

func TestStartFailureIsLogged(t *testing.T) {
	t.Parallel()
	var log logs
	var out lines
	stop := started(t, []Job{mustParse(t, "* * * * * * true")}, Options{Starter: failingStarter{}, Log: log.logger(), Stdout: &out})
	waitFor(t, 5*time.Second, "two failed starts", func() bool { return len(log.entries("run not started")) >= 2 })
	if _, err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "resource temporarily unavailable") {
		t.Errorf("the start error is not logged:\n%s", log.String())
	}
}

// A job that leaves a process holding its output open must not keep Run
// from returning: the drain is bounded.
func TestDrainIsBounded(t *testing.T) {
	t.Parallel()
	var log logs
	var out lines
	stop := started(t, []Job{mustParse(t, "* * * * * * echo first; (exec sleep 30) & echo started")}, Options{
		Starter: &starter{grace: time.Second}, Log: log.logger(), Stdout: &out, Drain: 200 * time.Millisecond,
	})
	waitFor(t, 5*time.Second, "a finished run", func() bool { return len(log.entries("run finished")) > 0 })
	pgid := int(log.entries("run started")[0]["pid"].(float64))
	t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
	if took, err := stop(); err != nil || took > 3*time.Second {
		t.Fatalf("Run = %v after %v", err, took)
	}
	if !out.has("[job1] first") {
		t.Errorf("output lost: %q", out.snapshot())
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	t.Parallel()
	if err := Run(context.Background(), nil, Options{}); err == nil {
		t.Error("Run without a Starter did not fail")
	}
	if err := Run(context.Background(), []Job{{Command: "x"}}, Options{Starter: &starter{grace: time.Second}}); err == nil {
		t.Error("Run with a zero Job did not fail")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, nil, Options{Starter: &starter{grace: time.Second}}); err != nil {
		t.Errorf("Run with no jobs = %v", err)
	}
}

// robfig/cron v3.0.1 panics on "TZ=" given to it directly; our wrapper must
// turn that into an error (the second line of defence after validation).
func TestRobfigPanicIsRecovered(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"TZ=", "CRON_TZ=", "TZ=UTC"} {
		if _, err := robfigParse(spec); err == nil {
			t.Errorf("robfigParse(%q) did not fail", spec)
		}
	}
	if _, err := robfigParse("TZ="); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("robfigParse(TZ=) = %v, want the recovered panic", err)
	}
}

func TestSetEnv(t *testing.T) {
	t.Parallel()
	base := []string{"A=1", "B=2"}
	got := setEnv(base, "A=3")
	if !slices.Equal(got, []string{"B=2", "A=3"}) || !slices.Equal(base, []string{"A=1", "B=2"}) {
		t.Errorf("setEnv = %q, base now %q", got, base)
	}
}
