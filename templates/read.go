package templates

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/initd-dev/initd/safefile"
)

// MaxFileSize bounds every file a template reads or is read from: a SRC
// and what the file function reads. A larger file is an error naming it.
const MaxFileSize = 1 << 20

// readRegular reads path, which must be a regular file (a symbolic link to
// one is followed) of at most [MaxFileSize] bytes, with package safefile:
// a FIFO or a device is never read, and opening does not wait for a FIFO's
// writer. Anything else is an error naming path and what it is, in the
// words --template's messages have always used.
func readRegular(path string) ([]byte, error) {
	b, err := safefile.Read(path, MaxFileSize)
	var ke *safefile.KindError
	var te *safefile.TooLargeError
	switch {
	case errors.As(err, &ke):
		return nil, fmt.Errorf("%q is %s, not a regular file", path, kind(ke.Mode))
	case errors.As(err, &te):
		return nil, fmt.Errorf("%q is larger than %d bytes (1 MiB)", path, MaxFileSize)
	case err != nil:
		return nil, err
	}
	return b, nil
}

// kind names a file type that is not a regular file for messages, as
// [safefile.Kind] does but for a FIFO, which the template messages call
// "a FIFO", and a type it has no name for.
func kind(m fs.FileMode) string {
	switch k := safefile.Kind(m); {
	case m.Type()&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case k == "":
		return "a regular file"
	case m.Type()&(fs.ModeDir|fs.ModeSocket|fs.ModeDevice) == 0:
		return "of type " + m.Type().String()
	default:
		return k
	}
}
