package reaper

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The reaper owns wait4 for the whole process, so its tests share one.
func newRunning(t *testing.T) *Reaper {
	t.Helper()
	r := New()
	ctx, cancel := context.WithCancel(context.Background())
	go r.Run(ctx)
	t.Cleanup(cancel)
	return r
}

// needOrphans makes the test process the reaper of its orphans: it is
// already as PID 1 of a PID namespace, else it becomes a child subreaper.
func needOrphans(t *testing.T) {
	t.Helper()
	if os.Getpid() == 1 {
		return
	}
	if err := SetSubreaper(); err != nil {
		t.Skipf("no subreaper: %v", err)
	}
}

func startSh(t *testing.T, r *Reaper, script string) *Process {
	t.Helper()
	p, err := r.Start("/bin/sh", []string{"sh", "-c", script}, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func waitDone(t *testing.T, p *Process) Status {
	t.Helper()
	select {
	case <-p.Done():
		return p.Status()
	case <-time.After(20 * time.Second):
		t.Fatalf("pid %d: no exit delivered", p.Pid)
	}
	return Status{}
}

func TestReaper(t *testing.T) {
	r := newRunning(t)

	t.Run("exit codes and signals", func(t *testing.T) {
		tests := []struct {
			script string
			code   int
			str    string
		}{
			{"exit 0", 0, "exit status 0"},
			{"exit 7", 7, "exit status 7"},
			{"exit 255", 255, "exit status 255"},
			{"kill -TERM $$", 143, "killed by SIGTERM"},
			{"kill -KILL $$", 137, "killed by SIGKILL"},
		}
		for _, tt := range tests {
			st := waitDone(t, startSh(t, r, tt.script))
			if st.Code() != tt.code || st.String() != tt.str {
				t.Errorf("%q: code %d %q, want %d %q", tt.script, st.Code(), st.String(), tt.code, tt.str)
			}
		}
	})

	t.Run("a fast exit is never missed", func(t *testing.T) {
		for i := 0; i < 200; i++ {
			p, err := r.Start("/bin/true", []string{"true"}, &syscall.ProcAttr{})
			if err != nil {
				t.Fatal(err)
			}
			if st := waitDone(t, p); st.Code() != 0 {
				t.Fatalf("true: %v", st)
			}
		}
	})

	t.Run("orphans are reaped and counted, registered exits are not confused", func(t *testing.T) {
		needOrphans(t)
		before := r.Orphans()
		p := startSh(t, r, "for i in 1 2 3 4 5 6 7 8 9 10; do (sh -c 'exit 9' &); done; exit 4")
		if st := waitDone(t, p); st.Code() != 4 {
			t.Errorf("got %v, want exit 4", st)
		}
		deadline := time.Now().Add(10 * time.Second)
		for r.Orphans()-before < 10 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := r.Orphans() - before; n != 10 {
			t.Errorf("%d orphans reaped, want 10", n)
		}
	})

	t.Run("signal only while not reaped", func(t *testing.T) {
		p := startSh(t, r, "exec sleep 100")
		if err := p.Signal(unix.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if st := waitDone(t, p); st.Code() != 143 {
			t.Errorf("got %v", st)
		}
		if err := p.Signal(unix.SIGTERM); !errors.Is(err, ErrFinished) {
			t.Errorf("signal after reaping: %v, want ErrFinished", err)
		}
		if err := p.SignalGroup(unix.SIGTERM); !errors.Is(err, ErrFinished) {
			t.Errorf("group signal after the group is gone: %v, want ErrFinished", err)
		}
	})

	t.Run("no group signal once the leader was reaped", func(t *testing.T) {
		// The leader exits at once and leaves a member in its group: the
		// group still exists, but its id is a pid that was reaped, so it is
		// never signalled again.
		p := startSh(t, r, "sleep 100 & exit 0")
		waitDone(t, p)
		t.Cleanup(func() { _ = unix.Kill(-p.Pid, unix.SIGKILL) })
		if err := unix.Kill(-p.Pid, 0); err != nil {
			t.Fatalf("the member left in group %d: %v", p.Pid, err)
		}
		if err := p.SignalGroup(unix.SIGTERM); !errors.Is(err, ErrFinished) {
			t.Errorf("group signal after the leader was reaped: %v, want ErrFinished", err)
		}
		time.Sleep(50 * time.Millisecond)
		if err := unix.Kill(-p.Pid, 0); err != nil {
			t.Errorf("the member was signalled after its leader was reaped: %v", err)
		}
	})

	t.Run("no children", func(t *testing.T) {
		waitDone(t, startSh(t, r, "exit 0"))
		select {
		case <-r.NoChildren():
		case <-time.After(10 * time.Second):
			t.Fatal("NoChildren not closed after the last child exited")
		}
		p := startSh(t, r, "sleep 0.2")
		select {
		case <-r.NoChildren():
			t.Fatal("NoChildren closed while a child runs")
		default:
		}
		waitDone(t, p)
	})

	t.Run("exec errors", func(t *testing.T) {
		_, err := r.Start("/nonexistent", []string{"x"}, &syscall.ProcAttr{})
		if !errors.Is(err, syscall.ENOENT) {
			t.Errorf("got %v, want ENOENT", err)
		}
	})

	// Orphans churn while processes are started and exit: every started
	// exit arrives with its own status, every orphan is counted once.
	for _, alive := range []int{4, 70} {
		t.Run(fmt.Sprintf("orphan churn with %d started processes alive", alive), func(t *testing.T) {
			needOrphans(t)
			before := r.Orphans()
			const orphans = 300
			churn := startSh(t, r, fmt.Sprintf("i=0; while [ $i -lt %d ]; do (true &); i=$((i+1)); done", orphans))
			var sleepers []*Process
			for i := 0; i < alive; i++ {
				sleepers = append(sleepers, startSh(t, r, fmt.Sprintf("sleep 0.3; exit %d", i%200)))
			}
			for i := 0; i < 100; i++ {
				p := startSh(t, r, fmt.Sprintf("exit %d", i%100))
				if st := waitDone(t, p); st.Code() != i%100 {
					t.Fatalf("start %d: got %v, want exit %d", i, st, i%100)
				}
			}
			for i, p := range sleepers {
				if st := waitDone(t, p); st.Code() != i%200 {
					t.Errorf("sleeper %d: got %v, want exit %d", i, st, i%200)
				}
			}
			if st := waitDone(t, churn); st.Code() != 0 {
				t.Fatalf("churn: %v", st)
			}
			deadline := time.Now().Add(10 * time.Second)
			for r.Orphans()-before < orphans && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := r.Orphans() - before; n != orphans {
				t.Errorf("%d orphans reaped, want %d", n, orphans)
			}
		})
	}

	t.Run("child starts with an empty signal mask", func(t *testing.T) {
		var set, old unix.Sigset_t
		set.Val[0] = 1<<(unix.SIGUSR1-1) | 1<<(unix.SIGTERM-1)
		// Block on this thread and start from it; the child must not
		// inherit the mask.
		done := make(chan string, 1)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			_ = unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old)
			out, _ := os.CreateTemp(t.TempDir(), "status")
			p, err := r.Start("/bin/grep", []string{"grep", "SigBlk", "/proc/self/status"}, &syscall.ProcAttr{Files: []uintptr{0, out.Fd(), 2}})
			_ = unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
			if err != nil {
				done <- err.Error()
				return
			}
			<-p.Done()
			b, _ := os.ReadFile(out.Name())
			done <- string(b)
		}()
		if got := <-done; got != "SigBlk:\t0000000000000000\n" {
			t.Errorf("child mask %q", got)
		}
	})
}

func TestParseStat(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]stat{
		"12 (sh) S 7 12 12 0":            {7, "sh"},
		"13 (a) b) c) R 1 13 13":         {1, "a) b) c"},
		"14 (with space) S 99 1 1 0 0 0": {99, "with space"},
	} {
		if got, err := parseStat([]byte(in)); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "12 sh S 7", "12 (sh)", "12 (sh) S x", "12 )sh( S 7"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestDescendants(t *testing.T) {
	t.Parallel()
	stats := map[int]stat{2: {ppid: 1}, 3: {ppid: 2}, 4: {ppid: 2}, 5: {ppid: 3}, 6: {ppid: 1}, 7: {ppid: 99}}
	got := descendants(2, stats)
	want := map[int]bool{3: true, 4: true, 5: true}
	if len(got) != len(want) {
		t.Fatalf("descendants(2) = %v", got)
	}
	for _, p := range got {
		if !want[p] {
			t.Errorf("unexpected %d in %v", p, got)
		}
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("12 (sh) S 7 12 12 0"))
	f.Add([]byte("1 ((( ))) R 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStat(b) // must not panic
		if err == nil && len(st.comm) > len(b) {
			t.Errorf("comm %q longer than the input", st.comm)
		}
	})
}
