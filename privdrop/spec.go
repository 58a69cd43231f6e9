package privdrop

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Spec is a parsed --user value.
type Spec struct {
	// User is the user name or numeric uid, never empty.
	User string
	// Group is the group name or numeric gid; empty when not given.
	Group string
}

// String returns the spec as written on the command line.
func (s Spec) String() string {
	if s.Group == "" {
		return s.User
	}
	return s.User + ":" + s.Group
}

// ParseSpec parses USER[:GROUP]. Both parts are names or decimal ids;
// a name may not contain ':' or whitespace or be empty, and ids must fit a
// uint32 other than 4294967295 (the kernel's "no change" value). Errors wrap
// [ErrUsage].
func ParseSpec(s string) (Spec, error) {
	user, group, hasGroup := strings.Cut(s, ":")
	if err := checkPart(user); err != nil {
		return Spec{}, fmt.Errorf("--user %q: user %w", s, err)
	}
	if hasGroup {
		if err := checkPart(group); err != nil {
			return Spec{}, fmt.Errorf("--user %q: group %w", s, err)
		}
	}
	return Spec{User: user, Group: group}, nil
}

// checkPart validates one side of USER:GROUP.
func checkPart(p string) error {
	switch {
	case p == "":
		return usage(errors.New("is empty"))
	case strings.ContainsAny(p, ": \t\n\r\x00"):
		return usage(fmt.Errorf("%q contains ':', a blank or a control character", p))
	}
	if isNumeric(p) {
		if _, err := parseID(p); err != nil {
			return usage(fmt.Errorf("is %w", err))
		}
	}
	return nil
}

// isNumeric reports whether s is all decimal digits.
func isNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseID parses a decimal uid or gid.
func parseID(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 1<<32-1 {
		return 0, fmt.Errorf("not a valid id (0-4294967294)")
	}
	return uint32(n), nil
}
