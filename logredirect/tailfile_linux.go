package logredirect

import (
	"bytes"
	"io"
	"os"
	"time"

	"github.com/initd-dev/initd/safefile"
	"golang.org/x/sys/unix"
)

// tailFile is one open file: the current one or a retired one.
type tailFile struct {
	file     *os.File
	info     os.FileInfo
	wd       int32 // inode watch, -1 if none
	off      int64
	split    lineSplitter
	lastData time.Time
	born     time.Time // creation time, zero if unknown
	dirty    bool      // written to since last read (an inode event came)
	// tail holds the last bytes read, up to off. A file rewritten after a
	// truncation to at least the same size is told apart by them.
	tail    [tailCheck]byte
	tailLen int
	// reads holds the offsets at which the reads since the last check
	// for a truncation started. A file truncated and rewritten between
	// two of them (or between the check and the first) leaves bytes of two
	// files behind off; those read after the switch are the file's own.
	reads []int64
}

// tailCheck is how many of the last bytes read are compared to detect a
// truncation that the size alone does not show. It is large enough to hold
// a timestamp even when log lines end alike ("GET /health ... 200").
const tailCheck = 4096

// open starts following the file now at the path: a regular file only. A
// FIFO would never end (and block its open), a device such as /dev/zero
// would pour data without end, a socket cannot be read and a directory has
// no lines: each is reported once and not read, and the follower waits for
// a regular file to take the name.
func (f *Follower) open(fi os.FileInfo, atEnd bool) {
	if k := safefile.Kind(fi.Mode()); k != "" {
		f.problem("tail: the path is "+k+", not a regular file: only regular files are followed; not reading it", nil)
		return
	}
	file, err := safefile.Open(f.path) // non-blocking, and the kind checked on the open file
	if err != nil {
		f.problem("tail: cannot open the file; trying again when it changes", err)
		return
	}
	info, err := file.Stat()
	if err != nil {
		file.Close()
		f.problem("tail: cannot stat the open file", err)
		return
	}
	f.problemMsg = ""
	t := &tailFile{file: file, info: info, split: lineSplitter{max: DefaultMaxLine}}
	t.born, _ = birth(file)
	if atEnd {
		if t.off, err = file.Seek(0, io.SeekEnd); err != nil {
			f.log.Warn().Err(err).Msg("tail: cannot seek to the end; reading from the start")
		}
		// Remember the bytes before the end, so that a truncation that
		// the size does not show is noticed from the start too.
		n, _ := file.ReadAt(t.tail[:min(t.off, tailCheck)], t.off-min(t.off, tailCheck))
		t.tailLen = n
	} else {
		f.log.Info().Msg("tail: file appeared; reading it from its start")
	}
	t.wd = f.watchFile(file)
	f.cur = t
}

// problem logs a warning about the path once: again only when it changes
// or after the file was opened fine in between.
func (f *Follower) problem(msg string, err error) {
	key := msg
	if err != nil {
		key += ": " + err.Error()
	}
	if key == f.problemMsg {
		return
	}
	f.problemMsg = key
	f.log.Warn().Err(err).Msg(msg)
}

// readAll reads t to its current end, handing complete lines to the Output.
// A file that became shorter than what was read was truncated (copy-truncate):
// it is read again from its start.
func (f *Follower) readAll(t *tailFile) {
	t.dirty = false
	if f.truncated(t) {
		f.log.Info().Int64("read", t.off).Msg("tail: file truncated; reading it from its start")
		f.lastTruncation = time.Now()
		f.flushPartial(t)
		if _, err := t.file.Seek(0, io.SeekStart); err != nil {
			f.log.Warn().Err(err).Msg("tail: cannot seek to the start after truncation")
		}
		t.off = 0
		t.tailLen = 0
	}
	t.reads = t.reads[:0]
	for f.readOnce(t) {
	}
}

// readOnce reads one chunk of t at its offset and hands its complete lines
// to the Output. It reports whether to read on: false at the end of the
// file, on an error, or when the Output is closed.
func (f *Follower) readOnce(t *tailFile) bool {
	t.reads = append(t.reads, t.off)
	n, err := t.file.Read(f.buf)
	if n > 0 {
		t.off += int64(n)
		f.bytesRead += int64(n)
		t.lastData = time.Now()
		t.remember(f.buf[:n])
		ferr := t.split.feed(f.buf[:n], f.emitFn)
		f.out.flushNow()
		if ferr != nil {
			return false
		}
	}
	if err != nil && err != io.EOF {
		f.log.Warn().Err(err).Msg("tail: reading the file failed")
	}
	return err == nil && n > 0
}

// truncated reports whether t was truncated since it was last read: it is
// shorter than what was read, or the bytes just before the read position
// are no longer the ones read there (truncated and written again).
func (f *Follower) truncated(t *tailFile) bool {
	fi, err := t.file.Stat()
	if err != nil || t.off == 0 {
		return false
	}
	if fi.Size() < t.off {
		return true
	}
	var now [tailCheck]byte
	n, err := t.file.ReadAt(now[:t.tailLen], t.off-int64(t.tailLen))
	if err != nil || n != t.tailLen || bytes.Equal(now[:n], t.tail[:n]) {
		return false
	}
	// The bytes differ. When those from where one of the last reads
	// started on are still there and only older ones changed, the file
	// was truncated and rewritten before that read: what it read is the
	// current file's and is out already. Reading the file again from its
	// start would repeat it; what the file had before is lost, as it is
	// to tail -F. Fewer than switchMatch bytes are not taken as proof.
	for _, start := range t.reads {
		since := t.off - start
		if since < switchMatch || since >= int64(n) {
			continue
		}
		k := n - int(since)
		if bytes.Equal(now[k:n], t.tail[k:n]) {
			copy(t.tail[:n], now[:n])
			f.log.Debug().Int64("read", t.off).Msg("tail: file truncated and rewritten while it was being read; what it had before the read position is lost")
			return false
		}
	}
	return true
}

// switchMatch is the fewest bytes, read after a truncation that happened
// while the file was being read, that tell the file's own bytes from a
// chance match (see truncated).
const switchMatch = 32

// remember keeps the last tailCheck bytes read from t.
func (t *tailFile) remember(p []byte) {
	if len(p) >= tailCheck {
		copy(t.tail[:], p[len(p)-tailCheck:])
		t.tailLen = tailCheck
		return
	}
	keep := min(t.tailLen, tailCheck-len(p))
	copy(t.tail[:keep], t.tail[t.tailLen-keep:t.tailLen])
	copy(t.tail[keep:], p)
	t.tailLen = keep + len(p)
}

// emit writes one line, waiting for room in the Output (back-pressure).
func (f *Follower) emit(line []byte) error {
	err := f.out.queueWait(f.runCtx, f.prefix, line)
	if err != nil && f.emitErr == nil {
		f.emitErr = err
	}
	return err
}

// flushPartial writes out a last line that has no newline.
func (f *Follower) flushPartial(t *tailFile) {
	_ = t.split.flush(f.emitFn) // a failure is recorded in emitErr
	f.out.flushNow()
}

// closeFile stops watching and closes t.
func (f *Follower) closeFile(t *tailFile) {
	if t.wd >= 0 {
		_, _ = unix.InotifyRmWatch(f.inoFd, uint32(t.wd))
	}
	t.file.Close()
}

// birth returns when file was created (statx's btime), if the file system
// records it.
func birth(file *os.File) (time.Time, bool) {
	rc, err := file.SyscallConn()
	if err != nil {
		return time.Time{}, false
	}
	var stx unix.Statx_t
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.Statx(int(fd), "", unix.AT_EMPTY_PATH, unix.STATX_BTIME, &stx)
	}); err != nil || serr != nil || stx.Mask&unix.STATX_BTIME == 0 {
		return time.Time{}, false
	}
	return time.Unix(stx.Btime.Sec, int64(stx.Btime.Nsec)), true
}
