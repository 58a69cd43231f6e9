package logredirect

import (
	"bytes"
	"context"
	"fmt"
	"github.com/rs/zerolog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// followCase is one file-writing story told to a Follower.
type followCase struct {
	name string
	// subdir puts the file in dir/a/b instead of dir.
	subdir bool
	// before prepares the directory before Start (optional); the file
	// exists then, with a line that must not be replayed.
	before func(t *testing.T, path string)
	// write appends lines and rotates; it returns the lines that must come
	// out, in order.
	write func(t *testing.T, path string, seen func(line string)) []string
}

// appendLines opens path for appending (creating it) and writes numbered
// lines from..to-1, closing the file afterwards unless keep is set.
func appendLines(t *testing.T, path string, from, to int) []string {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return writeLines(t, f, from, to)
}

func writeLines(t *testing.T, f *os.File, from, to int) []string {
	t.Helper()
	var lines []string
	for i := from; i < to; i++ {
		line := string(numberedLine(i, 90))
		if _, err := f.WriteString(line + "\n"); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	return lines
}

func TestFollowerRotations(t *testing.T) {
	t.Parallel()
	const n = 2000
	cases := []followCase{
		{
			name: "appends only",
			write: func(t *testing.T, path string, _ func(string)) []string {
				return appendLines(t, path, 0, n)
			},
		},
		{
			name: "rename and create",
			write: func(t *testing.T, path string, _ func(string)) []string {
				lines := appendLines(t, path, 0, n)
				if err := os.Rename(path, path+".1"); err != nil {
					t.Fatal(err)
				}
				return append(lines, appendLines(t, path, n, 2*n)...)
			},
		},
		{
			name: "rename, old file written on, late reopen",
			write: func(t *testing.T, path string, _ func(string)) []string {
				old, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
				if err != nil {
					t.Fatal(err)
				}
				defer old.Close()
				lines := writeLines(t, old, 0, n)
				if err := os.Rename(path, path+".1"); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, nil, 0o644); err != nil { // logrotate's create
					t.Fatal(err)
				}
				lines = append(lines, writeLines(t, old, n, 2*n)...)
				return append(lines, appendLines(t, path, 2*n, 3*n)...)
			},
		},
		{
			name: "delete and recreate",
			write: func(t *testing.T, path string, _ func(string)) []string {
				lines := appendLines(t, path, 0, n)
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				return append(lines, appendLines(t, path, n, 2*n)...)
			},
		},
		{
			name: "copy-truncate five times",
			write: func(t *testing.T, path string, seen func(string)) []string {
				w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				var lines []string
				for round := range 6 {
					lines = append(lines, writeLines(t, w, round*n/4, (round+1)*n/4)...)
					if round == 5 {
						break
					}
					// copy-truncate loses what is written between copy and
					// truncate, for every follower; wait until it is out.
					seen(lines[len(lines)-1])
					if err := os.Truncate(path, 0); err != nil {
						t.Fatal(err)
					}
				}
				return lines
			},
		},
		{
			name: "moved to another directory",
			write: func(t *testing.T, path string, _ func(string)) []string {
				old, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer old.Close()
				lines := writeLines(t, old, 0, n)
				archive := filepath.Join(filepath.Dir(path), "archive")
				if err := os.Mkdir(archive, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(path, filepath.Join(archive, "app.log")); err != nil {
					t.Fatal(err)
				}
				lines = append(lines, writeLines(t, old, n, 2*n)...) // still read: the inode is watched
				return append(lines, appendLines(t, path, 2*n, 3*n)...)
			},
		},
		{
			name:   "directory removed and created again",
			subdir: true,
			write: func(t *testing.T, path string, seen func(string)) []string {
				lines := appendLines(t, path, 0, n)
				seen(lines[len(lines)-1])
				if err := os.RemoveAll(filepath.Dir(path)); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				return append(lines, appendLines(t, path, n, 2*n)...)
			},
		},
		{
			name: "a directory at the path at first",
			before: func(t *testing.T, path string) {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
			},
			write: func(t *testing.T, path string, _ func(string)) []string {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				return appendLines(t, path, 0, n)
			},
		},
		{
			name: "file appears later",
			before: func(t *testing.T, path string) {
				_ = os.Remove(path)
			},
			write: func(t *testing.T, path string, _ func(string)) []string {
				return appendLines(t, path, 0, n)
			},
		},
		{
			name:   "directory appears later",
			subdir: true,
			before: func(t *testing.T, path string) {
				if err := os.RemoveAll(filepath.Dir(filepath.Dir(path))); err != nil {
					t.Fatal(err)
				}
			},
			write: func(t *testing.T, path string, _ func(string)) []string {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				return appendLines(t, path, 0, n)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			if tc.subdir {
				path = filepath.Join(dir, "a", "b", "app.log")
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte("old line, not replayed\npartial "), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				tc.before(t, path)
			}
			rec := &recorder{}
			out := NewOutput(rec)
			f := NewFollower(out, FollowerConfig{Path: path, RetireAfter: time.Second, Logger: zerolog.New(zerolog.NewTestWriter(t))})
			if err := f.Start(); err != nil {
				t.Fatal(err)
			}
			seen := func(line string) {
				waitFor(t, 10*time.Second, "line "+line[:7], func() bool { return strings.Contains(rec.text(), line+"\n") })
			}
			want := tc.write(t, path, seen)
			seen(want[len(want)-1])
			stopFollower(t, f)
			closeOutput(t, out)
			checkLines(t, rec.text(), "", want)
		})
	}
}

func stopFollower(t *testing.T, f *Follower) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

// checkLines checks that got holds exactly the lines want, each once, in
// order, each preceded by prefix, and nothing else.
func checkLines(t *testing.T, got, prefix string, want []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if got == "" {
		lines = nil
	}
	for i := 0; i < len(lines) || i < len(want); i++ {
		switch {
		case i >= len(lines):
			t.Fatalf("%d lines out, want %d; first missing: %.40q", len(lines), len(want), want[i])
		case i >= len(want):
			t.Fatalf("%d lines out, want %d; first extra: %.40q", len(lines), len(want), lines[i])
		case lines[i] != prefix+want[i]:
			t.Fatalf("line %d is %.40q, want %.40q", i, lines[i], prefix+want[i])
		}
	}
}

func TestFollowerDrain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string // appended after Start, right before Stop
		want    []string
	}{
		{"last line without newline", "one\ntwo", []string{"one", "two"}},
		{"only a partial line", "partial", []string{"partial"}},
		{"nothing", "", nil},
		{"1 MiB line", strings.Repeat("m", 1<<20) + "\n", []string{strings.Repeat("m", 1<<20)}},
		{"3 MiB line without newline", strings.Repeat("z", 3<<20), []string{strings.Repeat("z", 3<<20)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "app.log")
			if err := os.WriteFile(path, []byte("before start\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			out := NewOutput(rec)
			f := NewFollower(out, FollowerConfig{Path: path, Prefix: TailPrefix(path)})
			if err := f.Start(); err != nil {
				t.Fatal(err)
			}
			w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.WriteString(tt.content); err != nil {
				t.Fatal(err)
			}
			w.Close()
			stopFollower(t, f) // no waiting: the drain must find it all
			closeOutput(t, out)
			checkLines(t, rec.text(), "[app.log] ", tt.want)
			for _, c := range rec.calls() {
				if bytes.Count(c, []byte("\n")) == 1 && len(c) > 1<<20 && !bytes.HasPrefix(c, []byte("[app.log] ")) {
					t.Fatal("a long line was split across writes")
				}
			}
		})
	}
}

func TestFollowerTwoFastWriters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := &recorder{}
	out := NewOutput(rec)
	const n = 20000
	var followers []*Follower
	for _, name := range []string{"a.log", "b.log"} {
		f := NewFollower(out, FollowerConfig{Path: filepath.Join(dir, name), Prefix: "[" + name + "] "})
		if err := f.Start(); err != nil {
			t.Fatal(err)
		}
		followers = append(followers, f)
	}
	var wg sync.WaitGroup
	for _, name := range []string{"a.log", "b.log"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			appendLines(t, filepath.Join(dir, name), 0, n)
		}()
	}
	wg.Wait()
	last := string(numberedLine(n-1, 90))
	waitFor(t, 10*time.Second, "both files' last lines", func() bool {
		return strings.Contains(rec.text(), "[a.log] "+last) && strings.Contains(rec.text(), "[b.log] "+last)
	})
	for _, f := range followers {
		stopFollower(t, f)
	}
	closeOutput(t, out)
	next := map[string]int{}
	for _, line := range strings.Split(strings.TrimSuffix(rec.text(), "\n"), "\n") {
		prefix, rest, _ := strings.Cut(line, " ")
		if want := string(numberedLine(next[prefix], 90)); rest != want {
			t.Fatalf("%s line %d: %.40q, want %.40q", prefix, next[prefix], rest, want)
		}
		next[prefix]++
	}
	if next["[a.log]"] != n || next["[b.log]"] != n {
		t.Fatalf("lines per file: %v, want %d each", next, n)
	}
}

func TestParseEvents(t *testing.T) {
	t.Parallel()
	// One event with a padded name, one without a name, one cut short.
	var b []byte
	b = fmt.Appendf(b, "%s", le32(3, 0x100, 0, 16))
	b = append(b, "app.log\x00\x00\x00\x00\x00\x00\x00\x00\x00"...)
	b = fmt.Appendf(b, "%s", le32(5, 0x2, 0, 0))
	b = append(b, le32(7, 0x2, 0, 32)...)
	evs := parseEvents(b)
	if len(evs) != 2 || evs[0].wd != 3 || evs[0].name != "app.log" || evs[0].mask != 0x100 || evs[1].wd != 5 || evs[1].name != "" {
		t.Fatalf("parseEvents = %+v", evs)
	}
}

func le32(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	return b
}

func TestFollowerWaitsForAStuckOutput(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.log")
	gate := make(chan struct{})
	rec := &recorder{gate: gate}
	out := NewOutput(rec, WithQueueLimit(4096))
	f := NewFollower(out, FollowerConfig{Path: path})
	if err := f.Start(); err != nil {
		t.Fatal(err)
	}
	want := appendLines(t, path, 0, 5000) // 450 KB against a 4 KiB queue
	time.Sleep(100 * time.Millisecond)    // let the follower run into the full queue
	rec.mu.Lock()
	rec.gate = nil
	rec.mu.Unlock()
	close(gate)
	waitFor(t, 10*time.Second, "the last line", func() bool { return strings.Contains(rec.text(), want[len(want)-1]) })
	stopFollower(t, f)
	closeOutput(t, out)
	checkLines(t, rec.text(), "", want)
	if out.Dropped() != 0 {
		t.Fatalf("Dropped() = %d: a follower must wait, not drop", out.Dropped())
	}
}

func TestFollowerStopBoundedWhenOutputStuck(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.log")
	gate := make(chan struct{})
	defer close(gate)
	out := NewOutput(&recorder{gate: gate}, WithQueueLimit(1024))
	f := NewFollower(out, FollowerConfig{Path: path})
	if err := f.Start(); err != nil {
		t.Fatal(err)
	}
	appendLines(t, path, 0, 1000)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := f.Stop(ctx); err == nil {
		t.Fatal("Stop with a stuck output and a short deadline returned nil")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Stop took %v with a 200ms deadline", d)
	}
}

// openCount is how many of this process's descriptors are open on path.
func openCount(t *testing.T, path string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.TrimSuffix(target, " (deleted)") == path {
			n++
		}
	}
	return n
}

func TestFollowerClosesRotatedFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		rotate func(path string) error
		old    string // where the old file ends up
	}{
		{"renamed", func(path string) error { return os.Rename(path, path+".1") }, ".1"},
		{"deleted", os.Remove, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "app.log")
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			out := NewOutput(rec)
			f := NewFollower(out, FollowerConfig{Path: path, RetireAfter: 100 * time.Millisecond})
			if err := f.Start(); err != nil {
				t.Fatal(err)
			}
			defer closeOutput(t, out)
			defer stopFollower(t, f)
			appendLines(t, path, 0, 10)
			if err := tt.rotate(path); err != nil {
				t.Fatal(err)
			}
			appendLines(t, path, 10, 20)
			waitFor(t, 5*time.Second, "the new file's lines", func() bool { return strings.Contains(rec.text(), string(numberedLine(19, 90))) })
			waitFor(t, 5*time.Second, "the old file to be closed", func() bool { return openCount(t, path+tt.old) == 0 || tt.old == "" && openCount(t, path) == 1 })
		})
	}
}

func TestFollowerTruncatedAndRewrittenBeforeRead(t *testing.T) {
	t.Parallel()
	// The file exists at start; before anything else is appended, it is
	// truncated and rewritten to exactly its old size. Only the changed
	// content tells.
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, []byte(string(numberedLine(0, 90))+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	out := NewOutput(rec)
	f := NewFollower(out, FollowerConfig{Path: path})
	if err := f.Start(); err != nil {
		t.Fatal(err)
	}
	want := string(numberedLine(1, 90))
	if err := os.WriteFile(path, []byte(want+"\n"), 0o644); err != nil { // O_TRUNC, same size
		t.Fatal(err)
	}
	stopFollower(t, f)
	closeOutput(t, out)
	checkLines(t, rec.text(), "", []string{want})
}
