package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// KindError is a path that names something other than a regular file.
type KindError struct {
	// Path is the path as given.
	Path string
	// Kind says what it is instead: "a directory", "a FIFO (named pipe)",
	// "a character device", "a block device", "a socket" or "not a
	// regular file".
	Kind string
	// Mode is the file's mode, for callers that word the kind their own way.
	Mode fs.FileMode
}

// Error implements error.
func (e *KindError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, e.Kind)
}

// TooLargeError is a regular file larger than the bound it was read with.
type TooLargeError struct {
	// Path is the path as given.
	Path string
	// Limit is the bound in bytes.
	Limit int64
}

// Error implements error.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s, the most initd reads from it", e.Path, FormatSize(e.Limit))
}

// FormatSize writes n bytes as "N MiB", "N KiB" or "N bytes", whichever
// is exact.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Kind describes a file mode for a [KindError]: "" for a regular file.
func Kind(m fs.FileMode) string {
	switch t := m.Type(); {
	case t == 0:
		return ""
	case t&fs.ModeDir != 0:
		return "a directory"
	case t&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a block device"
	}
	return "not a regular file"
}

// Open opens path for reading when it is a regular file (symbolic links
// followed), without blocking: anything else is a [*KindError]. Other
// failures are the *fs.PathError of os.OpenFile or os.Stat (errors.Is
// fs.ErrNotExist for a missing file).
func Open(path string) (*os.File, error) {
	if fi, err := os.Stat(path); err == nil {
		if k := Kind(fi.Mode()); k != "" {
			return nil, &KindError{Path: path, Kind: k, Mode: fi.Mode()}
		}
	}
	// O_NONBLOCK: a FIFO put there since the Stat opens at once instead of
	// waiting for a writer; it has no effect on a regular file. O_NOCTTY: a
	// terminal put there never becomes initd's controlling terminal.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) { // a socket (or a device without driver)
			if fi, serr := os.Stat(path); serr == nil && Kind(fi.Mode()) != "" {
				return nil, &KindError{Path: path, Kind: Kind(fi.Mode()), Mode: fi.Mode()}
			}
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if k := Kind(fi.Mode()); k != "" {
		f.Close()
		return nil, &KindError{Path: path, Kind: k, Mode: fi.Mode()}
	}
	return f, nil
}

// Read returns the content of the regular file at path, which must not be
// longer than limit bytes: a longer file is a [*TooLargeError], and no
// more than limit+1 bytes of it are read. Open's errors apply.
func Read(path string, limit int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBounded(f, path, limit)
}

// readBounded reads at most limit bytes of f, or fails naming path.
func readBounded(f *os.File, path string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return b, nil
}

// Reader is an open regular file whose reads end with a [*TooLargeError]
// once more than its limit has been read, for parsers that read a stream
// (env files, crontabs).
type Reader struct {
	f     *os.File
	path  string
	left  int64
	limit int64
}

// OpenLimited opens path like [Open] and returns a reader of at most limit
// bytes; the caller closes it.
func OpenLimited(path string, limit int64) (*Reader, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	return &Reader{f: f, path: path, left: limit, limit: limit}, nil
}

// Read implements io.Reader. Past the limit it fails with a
// [*TooLargeError] instead of returning more.
func (r *Reader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		// One byte more tells a file of exactly limit bytes from a longer one.
		var one [1]byte
		n, err := r.f.Read(one[:])
		if n > 0 {
			return 0, &TooLargeError{Path: r.path, Limit: r.limit}
		}
		return 0, err
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.f.Read(p)
	r.left -= int64(n)
	return n, err
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }
