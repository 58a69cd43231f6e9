package logredirect

import (
	"context"
	"encoding/binary"
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
// It is woken by inotify only (one inotify instance per Follower), on an OS
// thread of its own that sleeps in poll(2): an idle file costs no CPU and
// no wake-up. When the Output is stuck it waits (the file is on disk,
// nothing is lost), so it never drops a line. It is a [Source].
type Follower struct {
	out         *Output
	path        string
	prefix      string
	log         zerolog.Logger
	retireAfter time.Duration

	started  atomic.Bool
	stopOnce sync.Once
	stopc    chan context.Context // the drain's context, sent once by Stop
	wakeMu   sync.Mutex           // guards wakeFd between Stop and run's exit
	wakeFd   int                  // eventfd that Stop writes to wake run; -1 once closed
	done     chan struct{}        // closed when run has returned
	err      error                // the drain's result, set before done closes

	// Owned by the run goroutine after Start.
	runCtx    context.Context // ends when the drain's context ends
	cancelRun context.CancelFunc
	inoFd     int // the inotify descriptor, non-blocking
	dirWd     int32
	dirPath   string
	dirWant   string // the name in dirPath on the way to path
	cur       *tailFile
	retired   []*tailFile // oldest first
	buf       []byte
	emitFn    func([]byte) error
	emitErr   error
	bytesRead int64
	// lastTruncation is when a truncation of a followed file was last
	// noticed (see hot).
	lastTruncation time.Time
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
		inoFd:       -1,
		wakeFd:      -1,
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
	if f.wakeFd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
		unix.Close(fd)
		close(f.done)
		return fmt.Errorf("tail %s: eventfd: %w", f.path, err)
	}
	if err := f.watchDir(); err != nil {
		f.closeFds()
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
		f.wakeMu.Lock()
		if f.wakeFd >= 0 {
			var one [8]byte
			binary.NativeEndian.PutUint64(one[:], 1)
			_, _ = unix.Write(f.wakeFd, one[:]) // wakes run's poll
		}
		f.wakeMu.Unlock()
	})
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return fmt.Errorf("tail %s: drain: %w", f.path, ctx.Err())
	}
}

// run is the follower's goroutine: it owns all files and watches. It
// sleeps in poll(2) on the inotify descriptor and Stop's eventfd, on a
// thread of its own, until an event, the retire deadline or Stop: the
// kernel wakes that thread directly when the file is written to, as it
// wakes `tail -F`, not through Go's network poller (which costs a hand-off
// per wake-up; see docs/logs.md). An idle file costs no CPU and no
// wake-up.
//
// One case does not sleep between events: a file that is being truncated
// (copy-truncate) and written faster than a sleep and a wake-up take (see
// hot).
func (f *Follower) run() {
	defer close(f.done)
	buf := make([]byte, 64<<10)
	fds := []unix.PollFd{
		{Fd: int32(f.inoFd), Events: unix.POLLIN},
		{Fd: int32(f.wakeFd), Events: unix.POLLIN},
	}
	hot := false
	for {
		due, timeout := f.nextRetire()
		if hot && !awaitEvent(fds, spinWindow) {
			hot = false // the writer is slower than the window: sleep
		}
		if !hot {
			if _, err := unix.Poll(fds, timeout); err != nil && err != unix.EINTR {
				f.fail("tail: waiting for inotify events failed; the file is copied at exit only", err)
				return
			}
		}
		select {
		case ctx := <-f.stopc:
			f.err = f.drain(ctx)
			return
		default:
		}
		// No pause to let lines gather: a file truncated meanwhile
		// (copy-truncate) would lose what was written before the
		// truncation, and a file created and renamed away meanwhile
		// would be missed. While a batch is being read, the kernel
		// merges further appends into one event.
		n, err := unix.Read(f.inoFd, buf)
		switch {
		case err == nil:
			f.handle(parseEvents(buf[:n]))
			hot = f.hot(hot, fds)
		case err != unix.EAGAIN && err != unix.EINTR:
			f.fail("tail: reading inotify events failed; the file is copied at exit only", err)
			return
		}
		if !due.IsZero() && !time.Now().Before(due) {
			f.retireIdle(time.Now())
		}
	}
}

// Waiting for the next event without sleeping. Lines appended after the
// last read and before a truncation are lost to every follower, and a
// sleeping follower comes back late now and then: the kernel may queue the
// woken thread behind the writer on the writer's CPU for a scheduler time
// slice, milliseconds in which a fast writer appends and truncates its
// file several times (see docs/logs.md). So while the file is being
// truncated (the last truncation was less than spinAfterTruncation ago)
// and written faster than the follower reads it (the next event is there
// when a batch is done), the follower waits up to spinWindow for the next
// event before it sleeps; once such a wait times out (the writer is slower
// than that), it sleeps again. It costs up to one CPU while a writer
// truncates its file and appends more often than once per spinWindow. A
// file that is only appended to or renamed never makes the follower spin,
// and one truncated once (logrotate's copytruncate) only for a second.
const (
	spinAfterTruncation = time.Second
	spinWindow          = 50 * time.Microsecond
)

// hot reports whether the follower should wait for the next event without
// sleeping (see spinWindow); wasHot is what it was for the last batch.
func (f *Follower) hot(wasHot bool, fds []unix.PollFd) bool {
	if f.lastTruncation.IsZero() || time.Since(f.lastTruncation) >= spinAfterTruncation {
		return false
	}
	return wasHot || awaitEvent(fds, 0)
}

// awaitEvent polls fds without sleeping until one is readable or d has
// passed, and reports whether one is.
func awaitEvent(fds []unix.PollFd, d time.Duration) bool {
	end := time.Now().Add(d)
	for {
		n, err := unix.Poll(fds, 0)
		if n > 0 {
			return true
		}
		if (err != nil && err != unix.EINTR) || !time.Now().Before(end) {
			return false
		}
	}
}

// fail reports that events cannot be read any more and drains the file
// when Stop comes.
func (f *Follower) fail(msg string, err error) {
	f.log.Warn().Err(err).Msg(msg)
	f.err = f.drain(<-f.stopc)
}

// nextRetire returns when the first retired file is due to be closed and
// poll's timeout until then in milliseconds, rounded up (-1 when no file
// is retired).
func (f *Follower) nextRetire() (time.Time, int) {
	var due time.Time
	for _, r := range f.retired {
		if d := r.lastData.Add(f.retireAfter); due.IsZero() || d.Before(due) {
			due = d
		}
	}
	if due.IsZero() {
		return due, -1
	}
	wait := time.Until(due)
	if wait <= 0 {
		return due, 0
	}
	return due, int((wait + time.Millisecond - 1) / time.Millisecond)
}

// closeFds closes the inotify descriptor and Stop's eventfd.
func (f *Follower) closeFds() {
	unix.Close(f.inoFd)
	f.wakeMu.Lock()
	unix.Close(f.wakeFd)
	f.wakeFd = -1
	f.wakeMu.Unlock()
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
	defer f.closeFds()
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
