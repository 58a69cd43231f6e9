package cron

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/initd-dev/initd/internal/testutil"

	"github.com/initd-dev/initd/reaper"
	"github.com/rs/zerolog"
)

// testReaper is the one reaper of this test binary: a process may have only
// one, and every job of every test is started through it.
var testReaper *reaper.Reaper

func TestMain(m *testing.M) {
	ctx, cancel := context.WithCancel(context.Background())
	testReaper = reaper.New()
	go testReaper.Run(ctx)
	code := m.Run()
	cancel()
	os.Exit(code)
}

// starter is the tests' Starter: the one reaper, with the stop sequence
// of one run (the stop signal to its group, SIGKILL after grace) that the
// supervisor gives initd. stopAll stops every run still going, as the
// supervisor does when initd stops.
type starter struct {
	sig   syscall.Signal
	grace time.Duration

	mu    sync.Mutex
	procs []*reaper.Process
}

func (s *starter) Start(argv0 string, argv []string, attr *syscall.ProcAttr) (*reaper.Process, error) {
	p, err := testReaper.Start(argv0, argv, attr)
	if err == nil {
		s.mu.Lock()
		s.procs = append(s.procs, p)
		s.mu.Unlock()
	}
	return p, err
}

func (s *starter) Stop(p *reaper.Process) {
	sig := s.sig
	if sig == 0 {
		sig = syscall.SIGTERM
	}
	_ = p.SignalGroup(sig)
	if s.grace > 0 {
		time.AfterFunc(s.grace, func() { _ = p.SignalGroup(syscall.SIGKILL) })
	}
}

func (s *starter) stopAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		s.Stop(p)
	}
}

// lines is a Lines that keeps every line written through it.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) Writer(prefix string) io.WriteCloser {
	return &lineWriter{l: l, prefix: prefix}
}

func (l *lines) has(line string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.all {
		if s == line {
			return true
		}
	}
	return false
}

func (l *lines) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

type lineWriter struct {
	l       *lines
	prefix  string
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.emit(w.partial[:i])
		w.partial = w.partial[i+1:]
	}
}

func (w *lineWriter) Close() error {
	if len(w.partial) > 0 {
		w.emit(w.partial)
		w.partial = nil
	}
	return nil
}

func (w *lineWriter) emit(b []byte) {
	w.l.mu.Lock()
	w.l.all = append(w.l.all, w.prefix+string(b))
	w.l.mu.Unlock()
}

// logs is a concurrency-safe zerolog destination whose JSON entries can be
// queried.
type logs struct{ testutil.SyncBuffer }

func (l *logs) logger() zerolog.Logger { return zerolog.New(l) }

// entries returns the log entries whose message contains msg.
func (l *logs) entries(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(l.String(), "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) != nil {
			continue
		}
		if m, _ := e["message"].(string); strings.Contains(m, msg) {
			out = append(out, e)
		}
	}
	return out
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// started runs Run in the background and returns a stop function that
// cancels it and returns Run's error and how long it took to return.
func started(t *testing.T, jobs []Job, opts Options) (stop func() (time.Duration, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, jobs, opts) }()
	var once sync.Once
	var err error
	var took time.Duration
	stop = func() (time.Duration, error) {
		once.Do(func() {
			t0 := time.Now()
			cancel()
			if st, ok := opts.Starter.(*starter); ok {
				st.stopAll()
			}
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return within 20s of the stop")
			}
			took = time.Since(t0)
		})
		return took, err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func mustParse(t *testing.T, line string) Job {
	t.Helper()
	j, err := ParseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func codes(es []map[string]any) []int {
	var out []int
	for _, e := range es {
		if c, ok := e["code"].(float64); ok {
			out = append(out, int(c))
		}
	}
	return out
}
