package reaper

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Status is how a process ended.
type Status struct {
	syscall.WaitStatus
}

// Code is the exit status a shell would report: N for exit(N), 128+S for a
// death by signal S.
func (s Status) Code() int {
	switch {
	case s.Exited():
		return s.ExitStatus()
	case s.Signaled():
		return 128 + int(s.Signal())
	}
	return 255
}

// String says how the process ended: "exit status 3" or "killed by SIGTERM".
func (s Status) String() string {
	switch {
	case s.Exited():
		return fmt.Sprintf("exit status %d", s.ExitStatus())
	case s.Signaled():
		name := unix.SignalName(s.Signal())
		if name == "" {
			name = fmt.Sprintf("signal %d", int(s.Signal()))
		}
		if s.CoreDump() {
			return "killed by " + name + " (core dumped)"
		}
		return "killed by " + name
	}
	return fmt.Sprintf("wait status %#x", int(s.WaitStatus))
}
