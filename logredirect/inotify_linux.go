package logredirect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Watch masks. The directory watch sees the name appear, go and change
// (rotation, deletion, a chmod that makes it readable); the inode watch on
// each open file sees appends and truncation, wherever the file was moved.
const (
	dirMask  = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_DELETE | unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR
	fileMask = unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_MOVE_SELF | unix.IN_DELETE_SELF
	// dirGone means the watched directory itself went away or moved.
	dirGone = unix.IN_IGNORED | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_UNMOUNT
)

// inotifyEvent is one decoded inotify event.
type inotifyEvent struct {
	wd     int32
	mask   uint32
	cookie uint32 // pairs IN_MOVED_FROM with IN_MOVED_TO
	name   string
}

// parseEvents decodes the events in one read from an inotify descriptor.
// A truncated last event is ignored (the kernel never returns one).
func parseEvents(b []byte) []inotifyEvent {
	var evs []inotifyEvent
	for len(b) >= unix.SizeofInotifyEvent {
		nameLen := binary.NativeEndian.Uint32(b[12:16])
		end := unix.SizeofInotifyEvent + int(nameLen)
		if end > len(b) || end < unix.SizeofInotifyEvent {
			break
		}
		evs = append(evs, inotifyEvent{
			wd:     int32(binary.NativeEndian.Uint32(b[0:4])),
			mask:   binary.NativeEndian.Uint32(b[4:8]),
			cookie: binary.NativeEndian.Uint32(b[8:12]),
			name:   string(bytes.TrimRight(b[unix.SizeofInotifyEvent:end], "\x00")),
		})
		b = b[end:]
	}
	return evs
}

// watchDir watches the directory of the followed path or, while that does
// not exist yet, its nearest existing ancestor, and records which name in
// it leads to the file.
func (f *Follower) watchDir() error {
	if f.dirWd >= 0 {
		_, _ = unix.InotifyRmWatch(f.inoFd, uint32(f.dirWd)) // may be gone already
		f.dirWd = -1
	}
	dir, want := filepath.Dir(f.path), filepath.Base(f.path)
	for {
		wd, err := unix.InotifyAddWatch(f.inoFd, dir, dirMask)
		if err == nil {
			f.dirWd, f.dirPath, f.dirWant = int32(wd), dir, want
			return nil
		}
		// A missing directory, a regular file, a symbolic link loop or a
		// name too long on the way: watch further up; following then
		// says once what is wrong with the path (see sync).
		up := errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENAMETOOLONG)
		if !up || dir == filepath.Dir(dir) {
			return fmt.Errorf("tail %s: watching directory %s: %w", f.path, dir, err)
		}
		dir, want = filepath.Dir(dir), filepath.Base(dir)
	}
}

// watchFile adds an inode watch for an open file. It goes through
// /proc/self/fd so that it watches exactly the inode that was opened, even
// if the name was replaced in between; without /proc it falls back to the
// name. It returns -1 when no watch could be added (the directory watch and
// the drain still see the file then).
func (f *Follower) watchFile(file *os.File) int32 {
	wd := -1
	var err error
	if rc, cerr := file.SyscallConn(); cerr == nil {
		_ = rc.Control(func(fd uintptr) {
			wd, err = unix.InotifyAddWatch(f.inoFd, "/proc/self/fd/"+strconv.Itoa(int(fd)), fileMask)
		})
	}
	if wd < 0 {
		wd, err = unix.InotifyAddWatch(f.inoFd, f.path, fileMask)
	}
	if err != nil {
		f.log.Warn().Err(err).Msg("tail: cannot watch the file for appends; lines are copied on directory events and at exit only")
		return -1
	}
	return int32(wd)
}
