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
		return Spec{}, usage(fmt.Errorf("--template %q: want SRC:DEST", s))
	case src == "":
		return Spec{}, usage(fmt.Errorf("--template %q: SRC is empty", s))
	case dest == "":
		return Spec{}, usage(fmt.Errorf("--template %q: DEST is empty", s))
	case strings.IndexByte(s, 0) >= 0:
		return Spec{}, usage(fmt.Errorf("--template %q: NUL byte", s))
	}
	return Spec{Src: src, Dest: dest}, nil
}
