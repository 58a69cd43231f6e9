package supervisor

import (
	"fmt"
	"strings"
	"syscall"
)

// Role is what a process is to initd; it decides what its exit means and
// which signals reach it.
type Role int

const (
	// Command is COMMAND: its exit ends initd, with its status.
	Command Role = iota
	// Service runs beside COMMAND; its restart policy decides what its
	// exit means.
	Service
	// Hook is an init, pre-stop or finish hook: run to its end, one at a
	// time.
	Hook
	// Job is one run of a cron job.
	Job
)

func (r Role) String() string {
	switch r {
	case Command:
		return "COMMAND"
	case Service:
		return "service"
	case Hook:
		return "hook"
	case Job:
		return "job"
	}
	return fmt.Sprintf("role %d", int(r))
}

// Restart is a service's restart policy.
type Restart int

const (
	// RestartNo never starts the service again (the default).
	RestartNo Restart = iota
	// RestartOnFailure starts it again when its status is not 0.
	RestartOnFailure
	// RestartAlways starts it again whenever it exits by itself.
	RestartAlways
)

var restartNames = [...]string{RestartNo: "no", RestartOnFailure: "on-failure", RestartAlways: "always"}

func (r Restart) String() string {
	if r >= 0 && int(r) < len(restartNames) {
		return restartNames[r]
	}
	return fmt.Sprintf("restart %d", int(r))
}

// ParseRestart reads a --restart value: no, on-failure or always.
func ParseRestart(s string) (Restart, error) {
	for i, n := range restartNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Restart(i), nil
		}
	}
	return 0, fmt.Errorf("restart policy %q: want no, on-failure or always", s)
}

// Spec says how to start one process. A service's Spec is used again for
// each restart, each time as a new process.
type Spec struct {
	// Name names the process in logs: a service's or hook's name, a job's.
	Name string
	Role Role
	// Path is the program, already found (see [LookPath]); Argv its
	// arguments, Argv[0] included.
	Path string
	Argv []string
	// Attr gives the attributes of one start: environment, credentials,
	// descriptors (fresh output pipes for each run). done, when not nil,
	// is called once the process has started (true) or failed to (false).
	// Setpgid is always set: every process runs in a group of its own.
	Attr func() (attr *syscall.ProcAttr, done func(started bool), err error)
	// Restart and RestartLimit are a service's policy; RestartLimit 0
	// means never give up.
	Restart      Restart
	RestartLimit int
}

func (s *Spec) label() string {
	if s.Name == "" {
		return s.Role.String()
	}
	return s.Role.String() + " " + s.Name
}
