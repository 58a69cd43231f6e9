package templates

import (
	"fmt"
	"strings"
)

// Spec is one --template SRC:DEST.
type Spec struct {
	// Src is the template file, or a directory of template files.
	Src string
	// Dest is the file (or, for a directory Src, the directory) to write.
	Dest string
}

// String returns the spec as written on the command line.
func (s Spec) String() string { return s.Src + ":" + s.Dest }

// ParseSpec parses SRC:DEST, splitting at the first ':' (so DEST, not
// SRC, may contain one). Both parts must be non-empty. Errors wrap
// [ErrUsage].
func ParseSpec(s string) (Spec, error) {
	src, dest, ok := strings.Cut(s, ":")
	switch {
	case !ok:
		return Spec{}, fmt.Errorf("--template %q: want SRC:DEST: %w", s, ErrUsage)
	case src == "":
		return Spec{}, fmt.Errorf("--template %q: SRC is empty: %w", s, ErrUsage)
	case dest == "":
		return Spec{}, fmt.Errorf("--template %q: DEST is empty: %w", s, ErrUsage)
	case strings.IndexByte(s, 0) >= 0:
		return Spec{}, fmt.Errorf("--template %q: NUL byte: %w", s, ErrUsage)
	}
	return Spec{Src: src, Dest: dest}, nil
}
