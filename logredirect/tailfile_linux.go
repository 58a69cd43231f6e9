package logredirect

import (
	"bytes"
	"io"
	"os"
	"time"

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
	// tail holds the last bytes read, up to off. A file rewritten after a
	// truncation to at least the same size is told apart by them.
	tail    [tailCheck]byte
	tailLen int
}

// tailCheck is how many of the last bytes read are compared to detect a
// truncation that the size alone does not show. It is large enough to hold
// a timestamp even when log lines end alike ("GET /health ... 200").
const tailCheck = 4096

// open starts following the file now at the path.
func (f *Follower) open(fi os.FileInfo, atEnd bool) {
	if fi.IsDir() {
		f.log.Warn().Msg("tail: the path is a directory; waiting for a file")
		return
	}
	file, err := os.Open(f.path)
	if err != nil {
		f.log.Warn().Err(err).Msg("tail: cannot open the file; trying again when it changes")
		return
	}
	info, err := file.Stat()
	if err != nil {
		file.Close()
		f.log.Warn().Err(err).Msg("tail: cannot stat the open file")
		return
	}
	t := &tailFile{file: file, info: info, split: lineSplitter{max: DefaultMaxLine}}
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

// readAll reads t to its current end, handing complete lines to the Output.
// A file that became shorter than what was read was truncated (copy-truncate):
// it is read again from its start.
func (f *Follower) readAll(t *tailFile) {
	if f.truncated(t) {
		f.log.Info().Int64("read", t.off).Msg("tail: file truncated; reading it from its start")
		f.flushPartial(t)
		if _, err := t.file.Seek(0, io.SeekStart); err != nil {
			f.log.Warn().Err(err).Msg("tail: cannot seek to the start after truncation")
		}
		t.off = 0
		t.tailLen = 0
	}
	for {
		n, err := t.file.Read(f.buf)
		if n > 0 {
			t.off += int64(n)
			f.bytesRead += int64(n)
			t.lastData = time.Now()
			t.remember(f.buf[:n])
			err := t.split.feed(f.buf[:n], f.emitFn)
			f.out.flushNow()
			if err != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				f.log.Warn().Err(err).Msg("tail: reading the file failed")
			}
			return
		}
	}
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
	return err == nil && n == t.tailLen && !bytes.Equal(now[:n], t.tail[:t.tailLen])
}

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
