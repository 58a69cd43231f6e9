package signals

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// Rewrites maps a received signal to the one forwarded in its place; a
// zero value means the signal is dropped. Signals without an entry are
// forwarded as they are. The zero value (nil) rewrites nothing.
type Rewrites map[syscall.Signal]syscall.Signal

// Apply returns the signal to forward for sig, and false if it is dropped.
func (r Rewrites) Apply(sig syscall.Signal) (syscall.Signal, bool) {
	to, ok := r[sig]
	if !ok {
		return sig, true
	}
	return to, to != 0
}

// ParseRewrite reads "FROM:TO" ("USR1:TERM", "10:15", "HUP:0"). TO 0 drops
// FROM. FROM must be a signal initd can catch and forward.
func ParseRewrite(s string) (from, to syscall.Signal, err error) {
	f, t, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, errors.New("want FROM:TO, two signals")
	}
	if from, err = Parse(f); err != nil {
		return 0, 0, fmt.Errorf("FROM: %w", err)
	}
	if !Forwardable(from) {
		return 0, 0, fmt.Errorf("%s is never forwarded, so it cannot be rewritten", Name(from))
	}
	if strings.TrimSpace(t) == "0" {
		return from, 0, nil
	}
	if to, err = Parse(t); err != nil {
		return 0, 0, fmt.Errorf("TO: %w", err)
	}
	return from, to, nil
}
