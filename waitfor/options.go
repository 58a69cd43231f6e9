package waitfor

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Defaults applied where an Options field is zero. DefaultTimeout is not one
// of them: a zero Options.Timeout means no deadline of waitfor's own (the
// context may still carry one); initd's command line passes DefaultTimeout.
const (
	// DefaultTimeout is the overall deadline initd uses unless told otherwise.
	DefaultTimeout = 60 * time.Second
	// DefaultInterval is the upper bound of the retry interval. It is short
	// on purpose: a service that comes up is noticed within about half of it.
	DefaultInterval = 200 * time.Millisecond
	// FirstInterval is the pause after the first failed attempt; later
	// pauses grow by half each time up to Options.Interval.
	FirstInterval = 100 * time.Millisecond
	// DefaultAttemptTimeout bounds one attempt (connect, TLS handshake,
	// request and status line together).
	DefaultAttemptTimeout = 5 * time.Second
	// DefaultProgress is how often All reports the targets still not ready.
	DefaultProgress = 5 * time.Second
)

// Options configures parsing (the HTTP and TLS fields) and waiting (the
// timing fields). The zero value is usable: statuses 200-299, no extra
// headers, verified TLS against the system roots, no deadline, the default
// intervals and a disabled logger.
type Options struct {
	// Timeout is the deadline for all targets together; 0 means none.
	Timeout time.Duration
	// Interval is the upper bound of the retry interval (default
	// DefaultInterval). Retries start at FirstInterval, or at Interval if
	// that is shorter.
	Interval time.Duration
	// AttemptTimeout bounds a single attempt (default DefaultAttemptTimeout);
	// it is always cut to what is left of the deadline.
	AttemptTimeout time.Duration
	// Progress is how often All logs the targets not ready yet and why
	// (default DefaultProgress; negative: never).
	Progress time.Duration

	// Statuses are the HTTP statuses that count as ready (default 200-299).
	Statuses StatusSet
	// Headers are sent with every HTTP request. Their values are never
	// logged and never appear in errors.
	Headers []Header
	// Insecure skips TLS certificate verification for https targets.
	Insecure bool
	// CACertFile names a PEM file of extra CA certificates for https
	// targets, added to the system roots. It is read by Parse.
	CACertFile string

	// Log receives progress and readiness messages; the zero Logger is
	// silent. Nothing logged decides what All returns.
	Log zerolog.Logger
}

func (o Options) interval() time.Duration {
	if o.Interval > 0 {
		return o.Interval
	}
	return DefaultInterval
}

func (o Options) attemptTimeout() time.Duration {
	if o.AttemptTimeout > 0 {
		return o.AttemptTimeout
	}
	return DefaultAttemptTimeout
}

func (o Options) progress() time.Duration {
	if o.Progress == 0 {
		return DefaultProgress
	}
	return o.Progress
}

// StatusRange is an inclusive range of HTTP status codes.
type StatusRange struct {
	Lo, Hi int
}

// StatusSet is a list of HTTP status ranges; the empty set means 200-299.
type StatusSet []StatusRange

// Contains reports whether code is in the set (200-299 for the empty set).
func (s StatusSet) Contains(code int) bool {
	if len(s) == 0 {
		return code >= 200 && code <= 299
	}
	for _, r := range s {
		if code >= r.Lo && code <= r.Hi {
			return true
		}
	}
	return false
}

// String formats the set the way ParseStatuses reads it.
func (s StatusSet) String() string {
	if len(s) == 0 {
		return "200-299"
	}
	parts := make([]string, len(s))
	for i, r := range s {
		if r.Lo == r.Hi {
			parts[i] = strconv.Itoa(r.Lo)
		} else {
			parts[i] = strconv.Itoa(r.Lo) + "-" + strconv.Itoa(r.Hi)
		}
	}
	return strings.Join(parts, ",")
}

// ParseStatuses reads a comma-separated list of statuses and ranges, such as
// "200,204,300-399". Every code must be between 100 and 599. An error wraps
// ErrBadOption.
func ParseStatuses(list string) (StatusSet, error) {
	var set StatusSet
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		if !isRange {
			hi = lo
		}
		l, errLo := parseStatus(lo)
		h, errHi := parseStatus(hi)
		if errLo != nil || errHi != nil || l > h {
			return nil, fmt.Errorf("%w: --wait-status %q: %q is not a status or a range LOW-HIGH of statuses 100-599",
				ErrBadOption, list, item)
		}
		set = append(set, StatusRange{Lo: l, Hi: h})
	}
	return set, nil
}

func parseStatus(s string) (int, error) {
	s = strings.TrimSpace(s)
	if len(s) != 3 {
		return 0, fmt.Errorf("status %q: want three digits", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, fmt.Errorf("status %q: want 100-599", s)
	}
	return n, nil
}

// Header is one HTTP request header. Its String method hides the value.
type Header struct {
	Name, Value string
}

// String returns the header name with the value redacted, for messages.
func (h Header) String() string {
	return h.Name + ": <redacted>"
}

// ParseHeader reads "NAME: VALUE". The name must be an HTTP token; the value
// may not contain CR, LF or NUL; spaces around the value are dropped. An
// error wraps ErrBadOption and never quotes the value.
func ParseHeader(s string) (Header, error) {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return Header{}, fmt.Errorf("%w: --wait-header: want 'NAME: VALUE', found no colon", ErrBadOption)
	}
	name = strings.TrimSpace(name)
	if !isToken(name) {
		return Header{}, fmt.Errorf("%w: --wait-header: %q is not a valid header name", ErrBadOption, name)
	}
	value = strings.Trim(value, " \t")
	if strings.ContainsAny(value, "\r\n\x00") {
		return Header{}, fmt.Errorf("%w: --wait-header %s: the value contains a line break or NUL", ErrBadOption, name)
	}
	return Header{Name: name, Value: value}, nil
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
