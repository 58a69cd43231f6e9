package templates

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxFileSize bounds every file a template reads or is read from: a SRC
// and what the file function reads. A larger file is an error naming it.
const MaxFileSize = 1 << 20

// readRegular reads path, which must be a regular file (a symbolic link to
// one is followed) of at most [MaxFileSize] bytes. Anything else is an
// error naming path and what it is; a FIFO or a device is never read,
// and opening does not wait for a FIFO's writer.
func readRegular(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is %s, not a regular file", path, kind(fi.Mode()))
	}
	// O_NONBLOCK: should path have been replaced by a FIFO since the
	// Stat, open returns at once and the Stat below refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is %s, not a regular file", path, kind(fi.Mode()))
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%q is larger than %d bytes (1 MiB)", path, MaxFileSize)
	}
	return b, nil
}

// kind names a file type for messages: "a FIFO", "a directory", ...
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsRegular():
		return "a regular file"
	}
	return "of type " + m.Type().String()
}
