package waitfor

import (
	"errors"
	"fmt"

	"github.com/initd-dev/initd/safefile"
)

// MaxCACertFile is the largest --wait-cacert file read: a system bundle
// of every public root is about 220 KiB.
const MaxCACertFile = 4 << 20

// readCACertFile reads a CA file: a regular file (never a FIFO, device,
// socket or directory, and without blocking) of at most MaxCACertFile
// bytes. Errors wrap ErrBadOption and name the file.
func readCACertFile(path string) ([]byte, error) {
	b, err := safefile.Read(path, MaxCACertFile)
	if err != nil {
		var ke *safefile.KindError
		var te *safefile.TooLargeError
		if errors.As(err, &ke) || errors.As(err, &te) {
			return nil, fmt.Errorf("%w: --wait-cacert: %w", ErrBadOption, err)
		}
		return nil, fmt.Errorf("%w: --wait-cacert %s: %w", ErrBadOption, path, err)
	}
	return b, nil
}
