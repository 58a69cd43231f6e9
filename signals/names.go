package signals

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Real-time signal range as the C library sees it (glibc and musl keep 32
// and 33 for themselves, so RTMIN is 34).
const (
	rtMin = 34
	rtMax = 64
)

// ErrUnknown is wrapped by Parse errors. They do not repeat the input: the
// caller names it once, with the option it came from.
var ErrUnknown = errors.New("unknown signal")

// Parse reads a signal name or number: "TERM", "SIGTERM", "sigterm", "15",
// "RTMIN+2", "SIGRTMAX-1". It accepts numbers 1 to 64.
func Parse(s string) (syscall.Signal, error) {
	name := strings.ToUpper(strings.TrimSpace(s))
	if name == "" {
		return 0, fmt.Errorf("%w: empty name", ErrUnknown)
	}
	if n, err := strconv.Atoi(name); err == nil {
		if n < 1 || n > rtMax {
			return 0, fmt.Errorf("%w: numbers go from 1 to %d", ErrUnknown, rtMax)
		}
		return syscall.Signal(n), nil
	}
	name = strings.TrimPrefix(name, "SIG")
	if sig := unix.SignalNum("SIG" + name); sig != 0 {
		return sig, nil
	}
	switch name {
	case "IOT":
		return unix.SIGABRT, nil
	case "POLL":
		return unix.SIGIO, nil
	case "CLD":
		return unix.SIGCHLD, nil
	}
	if sig, ok := parseRT(name); ok {
		return sig, nil
	}
	return 0, fmt.Errorf("%w (a name like TERM, SIGTERM or sigterm, or a number)", ErrUnknown)
}

func parseRT(name string) (syscall.Signal, bool) {
	var base, sign int
	switch {
	case strings.HasPrefix(name, "RTMIN"):
		base, sign, name = rtMin, 1, name[len("RTMIN"):]
	case strings.HasPrefix(name, "RTMAX"):
		base, sign, name = rtMax, -1, name[len("RTMAX"):]
	default:
		return 0, false
	}
	if name == "" {
		return syscall.Signal(base), true
	}
	want := "+"
	if sign < 0 {
		want = "-"
	}
	if !strings.HasPrefix(name, want) {
		return 0, false
	}
	n, err := strconv.Atoi(name[1:])
	if err != nil || n < 0 || n > rtMax-rtMin || name[1] == '+' || name[1] == '-' {
		return 0, false
	}
	return syscall.Signal(base + sign*n), true
}

// Name is the conventional name of sig: "SIGTERM", "SIGRTMIN+2", or
// "signal 33" for numbers without one.
func Name(sig syscall.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return n
	}
	switch {
	case sig == rtMin:
		return "SIGRTMIN"
	case sig == rtMax:
		return "SIGRTMAX"
	case sig > rtMin && sig < rtMax:
		return fmt.Sprintf("SIGRTMIN+%d", int(sig)-rtMin)
	}
	return fmt.Sprintf("signal %d", int(sig))
}
