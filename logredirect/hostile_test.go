package logredirect

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/initd-dev/initd/internal/testutil"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// handleQueued hands every event queued on f's inotify descriptor to
// handle in one batch, as run does after a wake-up that came late.
func handleQueued(t *testing.T, f *Follower) {
	t.Helper()
	buf := make([]byte, 64<<10)
	n, err := unix.Read(f.inoFd, buf)
	if err != nil {
		t.Fatalf("reading inotify: %v", err)
	}
	f.handle(parseEvents(buf[:n]))
}

// emptyLog creates an empty app.log in a new temporary directory.
func emptyLog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// initedFollower returns a Follower of path writing to a recorder, set up
// by init without its goroutine: the test says when events are read.
func initedFollower(t *testing.T, path string) (*Follower, *Output, *recorder) {
	t.Helper()
	rec := &recorder{}
	out := NewOutput(rec)
	f := NewFollower(out, FollowerConfig{Path: path})
	if err := f.init(); err != nil {
		t.Fatal(err)
	}
	return f, out, rec
}

// drainFollower drains f (within 5 s) and closes out.
func drainFollower(t *testing.T, f *Follower, out *Output) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.drain(ctx); err != nil {
		t.Fatal(err)
	}
	closeOutput(t, out)
}

func TestFollowerReadsFilesRotatedAwayBeforeItWokeUp(t *testing.T) {
	t.Parallel()
	path := emptyLog(t)
	if _, ok := birthOf(t, path); !ok {
		t.Skip("no birth times on this file system: nothing can be recovered in order")
	}
	f, out, rec := initedFollower(t, path)
	// A writer faster than the follower: three generations, each written
	// and renamed to app.log.1 (replacing the previous one) before the
	// follower reads a single event.
	var want []string
	want = append(want, appendLines(t, path, 0, 10)...) // the file open since the start
	for gen := 1; gen <= 2; gen++ {
		if err := os.Rename(path, path+".1"); err != nil {
			t.Fatal(err)
		}
		lines := appendLines(t, path, gen*10, gen*10+10)
		if gen == 1 {
			// Generation 1 is replaced at app.log.1 by generation 2
			// below: gone before anyone could open it, for tail -F too.
			lines = nil
		}
		want = append(want, lines...)
	}
	if err := os.Rename(path, path+".1"); err != nil { // generation 2 leaves the name too
		t.Fatal(err)
	}
	want = append(want, appendLines(t, path, 30, 40)...) // generation 3, at the name
	handleQueued(t, f)
	drainFollower(t, f, out)
	checkLines(t, rec.text(), "", want)
}

func birthOf(t *testing.T, path string) (time.Time, bool) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	return birth(file)
}

func TestFollowerReadsOnlyRegularFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() }) // after the parallel subtests
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, warning string }{
		{fifo, "the path is a FIFO (named pipe), not a regular file"},
		{"/dev/zero", "the path is a character device, not a regular file"},
		{sock, "the path is a socket, not a regular file"},
		{dir, "the path is a directory, not a regular file"},
		{loop, "too many levels of symbolic links"},
		{filepath.Join(regular, "app.log"), "not a directory"},
		{filepath.Join(dir, strings.Repeat(strings.Repeat("n", 200)+"/", 23), "app.log"), "file name too long"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			t.Parallel()
			var logs testutil.SyncBuffer
			rec := &recorder{}
			out := NewOutput(rec)
			f := NewFollower(out, FollowerConfig{Path: tt.path, Logger: zerolog.New(&logs)})
			done := make(chan error, 1)
			go func() { done <- f.Start() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Start: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Start blocked")
			}
			// Poke the directory: the follower looks again, and must not
			// warn again.
			_ = os.WriteFile(filepath.Join(dir, "other"), nil, 0o644)
			stopFollower(t, f)
			closeOutput(t, out)
			if rec.text() != "" {
				t.Errorf("copied %.40q from %s", rec.text(), tt.path)
			}
			if n := strings.Count(logs.String(), tt.warning); n != 1 {
				t.Errorf("%d warnings with %q, want 1; log:\n%s", n, tt.warning, logs.String())
			}
		})
	}
}

// TestFollowerHotOnlyForTruncatedFiles: the follower waits for the next
// event without sleeping only while the file it follows was truncated less
// than spinAfterTruncation ago and the next event is there when a batch is
// done; a file that is only appended to or renamed never makes it spin.
func TestFollowerHotOnlyForTruncatedFiles(t *testing.T) {
	t.Parallel()
	path := emptyLog(t)
	f, out, _ := initedFollower(t, path)
	defer drainFollower(t, f, out)
	fds := []unix.PollFd{{Fd: int32(f.inoFd), Events: unix.POLLIN}, {Fd: int32(f.wakeFd), Events: unix.POLLIN}}

	appendLines(t, path, 0, 10)
	handleQueued(t, f)
	appendLines(t, path, 10, 11) // an event is waiting
	for _, wasHot := range []bool{true, false} {
		if f.hot(wasHot, fds) {
			t.Fatalf("hot(%v) with an event waiting on a file never truncated: spinning for a file that only grows", wasHot)
		}
	}
	handleQueued(t, f)

	if err := os.WriteFile(path, []byte("after the truncation\n"), 0o644); err != nil { // O_TRUNC
		t.Fatal(err)
	}
	handleQueued(t, f)
	if f.lastTruncation.IsZero() {
		t.Fatal("the truncation was not noticed")
	}
	if !f.hot(true, fds) {
		t.Error("hot(true) right after a truncation: want true (it was hot)")
	}
	if f.hot(false, fds) {
		t.Error("hot(false) with no event waiting: want false (the follower is quicker than the writer)")
	}
	appendLines(t, path, 11, 12)
	if !f.hot(false, fds) {
		t.Error("hot(false) right after a truncation, with an event waiting: want true")
	}
	handleQueued(t, f)

	f.lastTruncation = time.Now().Add(-spinAfterTruncation)
	appendLines(t, path, 12, 13)
	if f.hot(true, fds) {
		t.Errorf("hot(true) %v after the last truncation, with an event waiting: want false", spinAfterTruncation)
	}
	handleQueued(t, f)

	// A rename rotation does not make it hot: the renamed file is still
	// there to be read to its end.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendLines(t, path, 13, 14)
	handleQueued(t, f)
	appendLines(t, path, 14, 15) // an event is waiting
	if f.hot(false, fds) {
		t.Error("hot(false) after a rename rotation, with an event waiting: want false")
	}
}

// TestFollowerTruncatedBetweenCheckAndRead: a file truncated and rewritten
// past the read position between the truncation check and a read, or
// between two reads, leaves the follower with bytes of two files behind
// its position. Those read after the switch are the current file's and
// out already: the next check must not take the older ones for a new
// truncation and read the file again from its start, which would repeat
// lines.
func TestFollowerTruncatedBetweenCheckAndRead(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		more int // lines appended to the first file and read after the check, before the switch
	}{
		{"between the check and the first read", 0},
		{"between two reads", 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := emptyLog(t)
			f, out, rec := initedFollower(t, path)
			want := appendLines(t, path, 0, 10)
			f.readAll(f.cur)
			// The race, played back: the check passes on the first
			// file, the follower reads its next lines if any, then the
			// file is truncated and rewritten with lines 100-129, and
			// the follower reads on in it from where it was.
			f.cur.reads = f.cur.reads[:0]
			if tt.more > 0 {
				want = append(want, appendLines(t, path, 10, 10+tt.more)...)
				f.readOnce(f.cur)
			}
			var content strings.Builder
			for i := 100; i < 130; i++ {
				l := string(numberedLine(i, 90))
				if i >= 110+tt.more {
					want = append(want, l)
				}
				content.WriteString(l + "\n")
			}
			if err := os.WriteFile(path, []byte(content.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			for f.readOnce(f.cur) {
			}
			if f.truncated(f.cur) {
				t.Fatal("truncated: the bytes read after the switch are the file's own; reading it again from its start repeats them")
			}
			// A real truncation after that is still noticed.
			last := strings.Repeat("y", content.Len()-1)
			if err := os.WriteFile(path, []byte(last+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if !f.truncated(f.cur) {
				t.Fatal("a truncation rewritten to the same size after the read was not noticed")
			}
			drainFollower(t, f, out)
			checkLines(t, rec.text(), "", append(want, last))
		})
	}
}

// TestFollowerGrowsDescriptorTable: once a follower has started, the
// process's descriptor table holds fdTableSize descriptors (FDSize in
// /proc/self/status), so that opening rotated files never waits for the
// kernel to grow it.
func TestFollowerGrowsDescriptorTable(t *testing.T) {
	t.Parallel()
	f, out, _ := initedFollower(t, filepath.Join(t.TempDir(), "app.log"))
	drainFollower(t, f, out)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	want := uint64(fdTableSize)
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < want {
		want = lim.Cur
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "FDSize:"); ok {
			var size uint64
			if _, err := fmt.Sscan(strings.TrimSpace(v), &size); err != nil {
				t.Fatalf("FDSize %q: %v", v, err)
			}
			if size < want {
				t.Fatalf("FDSize %d after a follower started, want at least %d", size, want)
			}
			return
		}
	}
	t.Fatal("no FDSize in /proc/self/status")
}
