package logredirect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a destination that keeps every write call separately and can
// be made to block.
type recorder struct {
	mu     sync.Mutex
	writes [][]byte
	gate   chan struct{} // when not nil, each Write waits for it to be closed
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	gate := r.gate
	r.mu.Unlock()
	if gate != nil {
		<-gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(bytes.Join(r.writes, nil))
}

func (r *recorder) calls() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.writes...)
}

// waitFor polls cond until it holds or d has passed.
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

func closeOutput(t *testing.T, o *Output) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestOutputWholeLinesInOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sources int
		lines   int
		size    int
	}{
		{"one source short lines", 1, 10000, 90},
		{"two sources short lines", 2, 10000, 90},
		{"four sources lines near PIPE_BUF", 4, 500, 4000},
		{"two sources 1 MiB lines", 2, 4, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			o := NewOutput(rec)
			var wg sync.WaitGroup
			for s := range tt.sources {
				wg.Add(1)
				go func() {
					defer wg.Done()
					prefix := fmt.Sprintf("[s%d] ", s)
					for i := range tt.lines {
						line := numberedLine(i, tt.size)
						if err := o.WriteLineWait(context.Background(), prefix, line); err != nil {
							t.Errorf("WriteLineWait: %v", err)
							return
						}
					}
				}()
			}
			wg.Wait()
			closeOutput(t, o)
			for _, w := range rec.calls() {
				if len(w) == 0 || w[len(w)-1] != '\n' {
					t.Fatalf("a write does not end with a whole line: %.60q", w)
				}
				if len(w) > pipeBuf && bytes.Count(w, []byte("\n")) > 1 {
					t.Fatalf("a batch of %d bytes is longer than PIPE_BUF", len(w))
				}
			}
			next := make(map[string]int)
			for _, line := range strings.Split(strings.TrimSuffix(rec.text(), "\n"), "\n") {
				prefix, rest, _ := strings.Cut(line, " ")
				want := string(numberedLine(next[prefix], tt.size))
				if rest != want {
					t.Fatalf("source %s: line %d is %.60q..., want %.60q...", prefix, next[prefix], rest, want)
				}
				next[prefix]++
			}
			for s := range tt.sources {
				if got := next[fmt.Sprintf("[s%d]", s)]; got != tt.lines {
					t.Errorf("source %d: %d lines, want %d", s, got, tt.lines)
				}
			}
			if o.Dropped() != 0 {
				t.Errorf("Dropped() = %d, want 0", o.Dropped())
			}
		})
	}
}

// numberedLine returns a line of size bytes starting with its number.
func numberedLine(i, size int) []byte {
	line := fmt.Appendf(nil, "%07d ", i)
	for len(line) < size {
		line = append(line, byte('a'+len(line)%26))
	}
	return line
}

func TestOutputStuckDestination(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	rec := &recorder{gate: gate}
	o := NewOutput(rec, WithQueueLimit(1000))

	// The first line is taken by the writer goroutine, which then blocks.
	o.WriteLine("", []byte("first"))
	waitFor(t, 2*time.Second, "the writer to take the first line", func() bool {
		o.mu.Lock()
		defer o.mu.Unlock()
		return len(o.ends) == 0
	})
	line := bytes.Repeat([]byte("x"), 99) // 100 bytes with the newline
	for range 20 {
		o.WriteLine("", line) // never blocks
	}
	if got := o.Dropped(); got != 10 {
		t.Fatalf("Dropped() = %d, want 10 (a 1000-byte queue holds 10 lines)", got)
	}

	// A waiting writer blocks until there is room, or until its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := o.WriteLineWait(ctx, "", line); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WriteLineWait on a full queue = %v, want DeadlineExceeded", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- o.WriteLineWait(context.Background(), "", []byte("after")) }()

	rec.mu.Lock()
	rec.gate = nil
	rec.mu.Unlock()
	close(gate)
	if err := <-waited; err != nil {
		t.Fatalf("WriteLineWait after the destination moved: %v", err)
	}
	o.WriteLine("", []byte("later"))
	closeOutput(t, o)

	text := rec.text()
	if !strings.HasPrefix(text, "first\n") || !strings.HasSuffix(text, "after\nlater\n") && !strings.HasSuffix(text, "later\nafter\n") {
		t.Fatalf("unexpected output %q", text)
	}
	if !strings.Contains(text, "initd: 11 lines dropped: the output was not accepting writes\n") &&
		!strings.Contains(text, "initd: 10 lines dropped") {
		t.Fatalf("no marker line for the dropped lines in %q", text)
	}
}

func TestOutputBrokenPipe(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r.Close()
	var calls atomic.Int32
	o := NewOutput(w, WithOnBrokenPipe(func() { calls.Add(1) }))
	for range 100 {
		o.WriteLine("", []byte("into a closed pipe"))
	}
	waitFor(t, 2*time.Second, "all lines to be counted as dropped", func() bool { return o.Dropped() == 100 })
	if err := o.WriteLineWait(context.Background(), "", []byte("again")); err != nil {
		t.Fatalf("WriteLineWait on a broken output = %v, want nil", err)
	}
	closeOutput(t, o)
	if got := calls.Load(); got != 1 {
		t.Fatalf("OnBrokenPipe called %d times, want 1", got)
	}
	if got := o.Dropped(); got != 101 {
		t.Fatalf("Dropped() = %d, want 101", got)
	}
}

func TestOutputCloseBoundedByContext(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	defer close(gate)
	o := NewOutput(&recorder{gate: gate})
	o.WriteLine("", []byte("never written"))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := o.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close on a stuck destination = %v, want DeadlineExceeded", err)
	}
	o.WriteLine("", []byte("after close"))
	if err := o.WriteLineWait(context.Background(), "", []byte("after close")); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteLineWait after Close = %v, want ErrClosed", err)
	}
}

func TestOutputWriter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"whole lines", []string{"a\nb\n"}, "[j] a\n[j] b\n"},
		{"line split across writes", []string{"hel", "lo\nwor", "ld\n"}, "[j] hello\n[j] world\n"},
		{"last line without newline", []string{"a\nb"}, "[j] a\n[j] b\n"},
		{"empty lines kept", []string{"\n\n"}, "[j] \n[j] \n"},
		{"nothing", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			o := NewOutput(rec)
			w := o.Writer("[j] ")
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if _, err := w.Write([]byte("x")); err == nil {
				t.Fatal("Write after Close succeeded")
			}
			closeOutput(t, o)
			if got := rec.text(); got != tt.want {
				t.Fatalf("output %q, want %q", got, tt.want)
			}
		})
	}
}
