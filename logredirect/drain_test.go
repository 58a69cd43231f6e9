package logredirect

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A stuck destination costs one Drain for the whole write-out: the
// sources' Stop and the outputs' Close share its deadline.
func TestDrainOneDeadlineForSourcesAndOutputs(t *testing.T) {
	t.Parallel()
	const d = 400 * time.Millisecond
	path := filepath.Join(t.TempDir(), "app.log")
	gate := make(chan struct{})
	defer close(gate)
	stdout := NewOutput(&recorder{gate: gate}, WithQueueLimit(1024))
	stderr := NewOutput(&recorder{gate: gate}, WithQueueLimit(1024))
	drain := NewDrain(d)
	defer drain.Release()
	g := &Group{Drain: drain}
	if err := g.Start(NewFollower(stdout, FollowerConfig{Path: path})); err != nil {
		t.Fatal(err)
	}
	appendLines(t, path, 0, 1000)
	stderr.WriteLine("", []byte("initd's own last line"))
	time.Sleep(50 * time.Millisecond) // let the writer goroutines get stuck
	start := time.Now()
	if err := g.Stop(context.Background()); err == nil {
		t.Error("Stop with a stuck output returned nil")
	}
	_ = stdout.Close(drain.Context())
	_ = stderr.Close(drain.Context())
	took := time.Since(start)
	if took < d-50*time.Millisecond || took > d+time.Second/2 {
		t.Fatalf("write-out took %v, want about %v in all", took, d)
	}
}

func TestDrainClockStartsAtFirstUse(t *testing.T) {
	t.Parallel()
	drain := NewDrain(200 * time.Millisecond)
	defer drain.Release()
	time.Sleep(300 * time.Millisecond)
	if err := drain.Context().Err(); err != nil {
		t.Fatalf("drain ended before its first use: %v", err)
	}
	if dl, ok := drain.Context().Deadline(); !ok || time.Until(dl) > 200*time.Millisecond {
		t.Fatalf("deadline %v, %v", dl, ok)
	}
	if NewDrain(0).Duration() != DefaultDrain {
		t.Error("NewDrain(0) is not DefaultDrain")
	}
}
