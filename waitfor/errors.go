package waitfor

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	// ErrBadTarget marks a target that cannot be parsed: a usage error to
	// report at once, never something to retry.
	ErrBadTarget = errors.New("bad wait target")
	// ErrBadOption marks an unusable option: a status list, a header or a
	// CA certificate file.
	ErrBadOption = errors.New("bad wait option")
	// ErrTimeout marks a wait that ran out of Options.Timeout.
	ErrTimeout = errors.New("timed out")
)

// StatusError is an HTTP answer whose status is not in Options.Statuses.
type StatusError struct {
	Code int
}

// Error implements error.
func (e *StatusError) Error() string {
	return "status " + strconv.Itoa(e.Code)
}

// TargetError says why one target was not ready. Probe returns it; Target is
// the target's redacted form, and Err the underlying error.
type TargetError struct {
	Target string
	Err    error
}

// Error returns "TARGET: REASON", REASON being short (connection refused,
// status 503, TLS error: ...).
func (e *TargetError) Error() string {
	return e.Target + ": " + Reason(e.Err)
}

// Unwrap returns the underlying error.
func (e *TargetError) Unwrap() error { return e.Err }

// NotReadyError is what All returns when the deadline passes or the context
// ends, and what Check returns when any target failed. It wraps the cause
// (ErrTimeout, or the context's error) and one TargetError per target that
// was not ready.
type NotReadyError struct {
	// Op is "wait" or "check".
	Op string
	// Cause is ErrTimeout, the context's error, or nil for Check.
	Cause error
	// Elapsed is how long the wait took.
	Elapsed time.Duration
	// NotReady lists the targets that were not ready, in the caller's order.
	NotReady []*TargetError
}

// Error returns one line: "wait: timed out after 1m0s: tcp://db:5432:
// connection refused; http://web/health: status 503".
func (e *NotReadyError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Cause != nil {
		b.WriteString(e.Cause.Error())
		b.WriteString(" after ")
		b.WriteString(roundElapsed(e.Elapsed).String())
		b.WriteString(": ")
	}
	for i, t := range e.NotReady {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(t.Error())
	}
	return b.String()
}

// Unwrap returns the cause and the target errors, for errors.Is and As.
func (e *NotReadyError) Unwrap() []error {
	errs := make([]error, 0, len(e.NotReady)+1)
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	for _, t := range e.NotReady {
		errs = append(errs, t)
	}
	return errs
}

// errNoAnswer stands for an attempt the deadline cut short before any
// attempt of that target had finished.
var errNoAnswer = errors.New("no answer before the deadline")

// Reason turns a probe error into the few words a person needs: "connection
// refused", "DNS: no such host", "status 503", "attempt timed out", "TLS
// error: ...".
func Reason(err error) string {
	var (
		status  *StatusError
		dns     *net.DNSError
		target  *TargetError
		notSock *NotSocketError
	)
	if tls, ok := tlsReason(err); ok {
		return tls
	}
	switch {
	case err == nil:
		return "ready"
	case errors.As(err, &target):
		return Reason(target.Err)
	case errors.As(err, &notSock):
		return notSock.Error()
	case errors.As(err, &status):
		return status.Error()
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "DNS: no such host " + dns.Name
		}
		return "DNS: " + dns.Err
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to host"
	case errors.Is(err, os.ErrNotExist):
		return "does not exist"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before a status line"
	case errors.Is(err, errNoAnswer):
		return errNoAnswer.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "attempt timed out"
	}
	return err.Error()
}

// roundElapsed keeps messages short: milliseconds under a second, tenths of
// a second above ("timed out after 1m0s", not "1m0.000213s").
func roundElapsed(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}
