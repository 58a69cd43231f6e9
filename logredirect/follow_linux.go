package logredirect

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/initd-dev/initd/safefile"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// DefaultRetireAfter is how long a file that was rotated away or deleted is
// still read after its last write.
const DefaultRetireAfter = 5 * time.Second

// readChunk is the size of one read from a followed file.
const readChunk = 64 << 10

// FollowerConfig describes one file to follow.
type FollowerConfig struct {
	// Path is the file's name. A relative path is made absolute at
	// NewFollower.
	Path string
	// Prefix is written before every line, e.g. TailPrefix(Path) for
	// --tail-prefix. Empty means no prefix.
	Prefix string
	// Logger receives initd's own messages about the file: it appeared,
	// was rotated, truncated or removed, or cannot be read. The zero value
	// logs nothing.
	Logger zerolog.Logger
	// RetireAfter is how long a file that was renamed away or deleted is
	// still read after its last write, for programs that reopen their log
	// only a while after the rotation. Zero means DefaultRetireAfter.
	RetireAfter time.Duration
}

// Follower copies the lines appended to one file onto an [Output], following
// the file by name like `tail -F`:
//
//   - a file that exists at Start is read from its end (nothing is
//     replayed); a file that appears later is read from its start, and so
//     is its directory, should that appear later too;
//   - rename-and-create rotation: the old file is read to its end, and on
//     for RetireAfter after its last write, while the new one is followed;
//     lines of the old file always come before lines of the new one;
//   - copy-truncate: when the file becomes shorter than what was read, or
//     the last bytes read are no longer there (truncated and rewritten to
//     the same size or more), it is read again from its start;
//   - delete-and-recreate is followed like a rotation.
//
// It is woken by inotify only (one inotify instance per Follower): an idle
// file costs no CPU. When the Output is
// stuck it waits (the file is on disk, nothing is lost), so it never drops
// a line. It is a [Source].
type Follower struct {
	out         *Output
	path        string
	prefix      string
	log         zerolog.Logger
	retireAfter time.Duration

	started  atomic.Bool
	stopOnce sync.Once
	stopc    chan context.Context // the drain's context, sent once by Stop
	stopMu   sync.Mutex           // orders Stop's wake-up with run's deadlines
	stopping bool
	done     chan struct{} // closed when run has returned
	err      error         // the drain's result, set before done closes

	// Owned by the run goroutine after Start.
	runCtx    context.Context // ends when the drain's context ends
	cancelRun context.CancelFunc
	ino       *os.File // the inotify descriptor, non-blocking, in Go's poller
	inoFd     int
	dirWd     int32
	dirPath   string
	dirWant   string // the name in dirPath on the way to path
	cur       *tailFile
	retired   []*tailFile // oldest first
	buf       []byte
	emitFn    func([]byte) error
	emitErr   error
	bytesRead int64
	// problemMsg is the last problem warned about (see problem), "" once
	// the file opened fine.
	problemMsg string
}

// NewFollower returns a Follower of cfg.Path writing to out. It does not
// touch the file system; Start does.
func NewFollower(out *Output, cfg FollowerConfig) *Follower {
	path, err := filepath.Abs(cfg.Path)
	if err != nil {
		path = filepath.Clean(cfg.Path)
	}
	retire := cfg.RetireAfter
	if retire <= 0 {
		retire = DefaultRetireAfter
	}
	f := &Follower{
		out:         out,
		path:        path,
		prefix:      cfg.Prefix,
		log:         cfg.Logger.With().Str("path", path).Logger(),
		retireAfter: retire,
		stopc:       make(chan context.Context, 1),
		done:        make(chan struct{}),
		dirWd:       -1,
	}
	f.emitFn = f.emit
	return f
}

// Start watches the file's directory, opens the file if it exists and
// positions at its end, and starts following in the background. It fails
// when inotify is not available or the directory cannot be watched.
func (f *Follower) Start() error {
	if f.started.Swap(true) {
		return fmt.Errorf("tail %s: started twice", f.path)
	}
	if err := f.init(); err != nil {
		return err
	}
	go f.run()
	return nil
}

// init is Start without the goroutine: the inotify instance, the watches,
// the file opened at its end.
func (f *Follower) init() error {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		close(f.done)
		return fmt.Errorf("tail %s: inotify: %w", f.path, err)
	}
	f.inoFd = fd
	growFDTable(fd)
	f.ino = os.NewFile(uintptr(fd), "inotify") // non-blocking: reads park in the poller
	if err := f.watchDir(); err != nil {
		f.ino.Close()
		close(f.done)
		return err
	}
	f.runCtx, f.cancelRun = context.WithCancel(context.Background())
	f.buf = make([]byte, readChunk)
	f.sync(true)
	return nil
}

// Stop writes out everything appended to the file up to now, including a
// last line without a newline, within ctx, and stops following.
func (f *Follower) Stop(ctx context.Context) error {
	if !f.started.Load() {
		return nil
	}
	f.stopOnce.Do(func() {
		f.stopc <- ctx
		f.stopMu.Lock()
		f.stopping = true
		_ = f.ino.SetReadDeadline(time.Now()) // wakes run
		f.stopMu.Unlock()
	})
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return fmt.Errorf("tail %s: drain: %w", f.path, ctx.Err())
	}
}

// run is the follower's goroutine: it owns all files and watches, and
// sleeps in a read of the inotify descriptor (parked in Go's poller, no
// thread, no CPU) until an event, the retire deadline or Stop.
func (f *Follower) run() {
	defer close(f.done)
	buf := make([]byte, 64<<10)
	for {
		f.setDeadline()
		n, err := f.ino.Read(buf)
		select {
		case ctx := <-f.stopc:
			f.err = f.drain(ctx)
			return
		default:
		}
		switch {
		case err == nil:
			// No pause to let lines gather: a file truncated meanwhile
			// (copy-truncate) would lose what was written before the
			// truncation, and a file created and renamed away meanwhile
			// would be missed. While a batch is being read, the
			// kernel merges further appends into one event.
			f.handle(parseEvents(buf[:n]))
		case errors.Is(err, os.ErrDeadlineExceeded):
			f.retireIdle(time.Now())
		default:
			f.log.Warn().Err(err).Msg("tail: reading inotify events failed; the file is copied at exit only")
			f.err = f.drain(<-f.stopc)
			return
		}
	}
}

// setDeadline makes the next inotify read return when the first retired
// file is due to be closed, or at once when Stop was called.
func (f *Follower) setDeadline() {
	var d time.Time
	for _, r := range f.retired {
		if due := r.lastData.Add(f.retireAfter); d.IsZero() || due.Before(d) {
			d = due
		}
	}
	f.stopMu.Lock()
	defer f.stopMu.Unlock()
	if f.stopping {
		d = time.Now()
	}
	_ = f.ino.SetReadDeadline(d)
}

// handle reacts to one batch of events: it reads the files that were
// written to, and looks the name up again when it changed.
func (f *Follower) handle(evs []inotifyEvent) {
	resolve, name := false, false
	var moved movedAway
	for _, ev := range evs {
		switch {
		case ev.mask&unix.IN_Q_OVERFLOW != 0:
			name = true
			f.markAllDirty()
		case ev.wd == f.dirWd && ev.mask&dirGone != 0:
			resolve = true
		case ev.wd == f.dirWd:
			moved.note(ev, f.dirWant)
			if ev.name == f.dirWant {
				if f.dirPath == filepath.Dir(f.path) {
					name = true
				} else {
					resolve = true
				}
			}
		case ev.mask&unix.IN_IGNORED == 0:
			f.markDirty(ev.wd) // an event on a followed inode
		}
	}
	if resolve {
		if err := f.watchDir(); err != nil {
			f.log.Warn().Err(err).Msg("tail: cannot watch for the file any more")
		}
	}
	if name && !resolve && moved.to != "" {
		f.recoverMoved(filepath.Join(f.dirPath, moved.to))
	}
	if resolve || name {
		f.sync(false)
		return
	}
	f.readOpen() // the name is unchanged: no need to look it up
}

// movedAway finds, in one batch of directory events, the last rename of
// the followed name to another name of the same directory, if that name
// was not touched again later in the batch.
type movedAway struct {
	cookie uint32 // of the last IN_MOVED_FROM of the followed name
	to     string // where it went, "" if unknown or touched since
}

func (m *movedAway) note(ev inotifyEvent, want string) {
	switch {
	case ev.mask&unix.IN_MOVED_FROM != 0 && ev.name == want:
		m.cookie, m.to = ev.cookie, ""
	case ev.mask&unix.IN_MOVED_TO != 0 && m.cookie != 0 && ev.cookie == m.cookie && ev.name != want:
		m.to, m.cookie = ev.name, 0
	case ev.name != "" && ev.name == m.to:
		m.to = "" // replaced, moved on or deleted since: not the file any more
	}
}

// recoverMoved reads a file that had the followed name and was renamed to
// path within the same batch of events: a writer that rotates faster than
// the follower wakes up creates, fills and renames a file before it was
// ever opened here. Unless it is a file already open, it is read from its
// start, before the file now at the name, as `tail -F` would have had it
// had it been quick enough.
func (f *Follower) recoverMoved(path string) {
	file, err := safefile.Open(path)
	if err != nil {
		return // gone again, or not a regular file: nothing to recover
	}
	info, err := file.Stat()
	born, ok := birth(file)
	if err != nil || !ok || f.isOpen(info) || !f.newerThanOpen(born) {
		// Without a birth time, or when it is older than a file read
		// already (stale events), its lines could not be put in order.
		file.Close()
		return
	}
	t := &tailFile{file: file, info: info, born: born, split: lineSplitter{max: DefaultMaxLine}, lastData: time.Now()}
	t.wd = f.watchFile(file)
	if f.cur != nil {
		f.readAll(f.cur) // what it had before it was renamed comes first
		f.cur.lastData = time.Now()
		f.retired = append(f.retired, f.cur)
		f.cur = nil
	}
	f.log.Debug().Str("renamed_to", path).Msg("tail: reading a file that was created and rotated away before it was opened")
	f.readAll(t)
	f.retired = append(f.retired, t)
}

// isOpen reports whether the file described by info is followed already.
func (f *Follower) isOpen(info os.FileInfo) bool {
	if f.cur != nil && os.SameFile(f.cur.info, info) {
		return true
	}
	for _, r := range f.retired {
		if os.SameFile(r.info, info) {
			return true
		}
	}
	return false
}

// newerThanOpen reports whether a file born at born was created after
// every open file.
func (f *Follower) newerThanOpen(born time.Time) bool {
	if f.cur != nil && !born.After(f.cur.born) {
		return false
	}
	for _, r := range f.retired {
		if !born.After(r.born) {
			return false
		}
	}
	return true
}

// markDirty notes that the file watched by wd was written to.
func (f *Follower) markDirty(wd int32) {
	if f.cur != nil && f.cur.wd == wd {
		f.cur.dirty = true
		return
	}
	for _, r := range f.retired {
		if r.wd == wd {
			r.dirty = true
			return
		}
	}
}

// markAllDirty makes the next read look at every open file (events were
// lost).
func (f *Follower) markAllDirty() {
	if f.cur != nil {
		f.cur.dirty = true
	}
	for _, r := range f.retired {
		r.dirty = true
	}
}

// readOpen reads the retired files that were written to, then the current
// one. A file without an inode watch is read every time.
func (f *Follower) readOpen() {
	for _, r := range f.retired {
		if r.dirty || r.wd < 0 {
			f.readAll(r)
		}
	}
	if f.cur != nil {
		f.readAll(f.cur)
	}
}

// sync brings everything up to date: reads the retired files, notices a
// rotation or removal, opens a file that appeared, and reads the current
// file. atEnd positions a newly opened file at its end (only at Start).
func (f *Follower) sync(atEnd bool) {
	for _, r := range f.retired {
		if r.dirty || r.wd < 0 {
			f.readAll(r)
		}
	}
	fi, err := os.Stat(f.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.problem("tail: cannot follow the path; waiting for it to become a regular file", err)
	}
	if f.cur != nil && (err != nil || !os.SameFile(fi, f.cur.info)) {
		f.readAll(f.cur)
		if err != nil {
			f.log.Info().Msg("tail: file removed or renamed; reading on what is still written to it, and waiting for a new one")
		} else {
			f.log.Info().Msg("tail: file replaced (rotated); following the new one from its start")
		}
		f.cur.lastData = time.Now()
		f.retired = append(f.retired, f.cur)
		f.cur = nil
	}
	if f.cur == nil && err == nil {
		f.open(fi, atEnd)
	}
	if f.cur != nil {
		f.readAll(f.cur)
	}
}

// retireIdle closes the retired files that have not been written to for
// RetireAfter.
func (f *Follower) retireIdle(now time.Time) {
	keep := f.retired[:0]
	for _, r := range f.retired {
		if now.Sub(r.lastData) < f.retireAfter {
			keep = append(keep, r)
			continue
		}
		f.readAll(r)
		if now.Sub(r.lastData) < f.retireAfter {
			keep = append(keep, r) // it was written to after all
			continue
		}
		f.flushPartial(r)
		f.closeFile(r)
	}
	clear(f.retired[len(keep):])
	f.retired = keep
}

// drain writes out everything appended up to now, in order, and releases
// every resource. ctx bounds the waiting for a stuck Output.
func (f *Follower) drain(ctx context.Context) error {
	stop := context.AfterFunc(ctx, f.cancelRun)
	defer stop()
	defer f.cancelRun()
	defer f.ino.Close()
	for _, r := range f.retired {
		f.readAll(r)
		f.flushPartial(r)
		f.closeFile(r)
	}
	f.retired = nil
	fi, err := os.Stat(f.path)
	if f.cur != nil && (err != nil || !os.SameFile(fi, f.cur.info)) {
		f.readAll(f.cur)
		f.flushPartial(f.cur)
		f.closeFile(f.cur)
		f.cur = nil
	}
	if f.cur == nil && err == nil {
		f.open(fi, false)
	}
	if f.cur != nil {
		f.readAll(f.cur)
		f.flushPartial(f.cur)
		f.closeFile(f.cur)
		f.cur = nil
	}
	if f.emitErr != nil {
		return fmt.Errorf("tail %s: drain: %w", f.path, f.emitErr)
	}
	return nil
}
