package cron

import (
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"

	"github.com/initd-dev/initd/reaper"
	"github.com/rs/zerolog"
)

// Overlap is what happens when a job is due while its previous run is still
// going.
type Overlap int

const (
	// OverlapSkip skips the due run and logs one warning for it (default).
	OverlapSkip Overlap = iota
	// OverlapAllow starts the due run next to the one still going.
	OverlapAllow
)

// String returns "skip" or "allow", the spelling of --cron-overlap.
func (o Overlap) String() string {
	if o == OverlapAllow {
		return "allow"
	}
	return "skip"
}

// ParseOverlap parses a --cron-overlap value: "skip" or "allow".
func ParseOverlap(s string) (Overlap, error) {
	switch strings.ToLower(s) {
	case "skip":
		return OverlapSkip, nil
	case "allow":
		return OverlapAllow, nil
	}
	return OverlapSkip, fmt.Errorf("cron: overlap %q: expected skip or allow", s)
}

// Starter starts a process and learns its exit; *reaper.Reaper is one. Job
// runs are never waited for in any other way.
type Starter interface {
	Start(argv0 string, argv []string, attr *syscall.ProcAttr) (*reaper.Process, error)
}

// Lines receives a job's output, cut into whole lines each preceded by
// prefix; *logredirect.Output is one.
type Lines interface {
	Writer(prefix string) io.WriteCloser
}

// Shell runs every job's command as Shell -c COMMAND.
const Shell = "/bin/sh"

// Options configures Run. Only Starter is required.
type Options struct {
	// Starter starts job processes (the one reaper). Required.
	Starter Starter
	// Overlap is the policy for a job that is due while still running.
	Overlap Overlap
	// Timeout limits each run: the stop signal when it is reached, SIGKILL
	// Grace later. Zero means no limit.
	Timeout time.Duration
	// Grace is how long a run may take to exit after the stop signal
	// (on timeout or on stop) before its process group gets SIGKILL. Zero
	// means never escalate, as --grace 0 does.
	Grace time.Duration
	// StopSignal is sent to a run's process group on timeout and on stop.
	// Zero means SIGTERM.
	StopSignal syscall.Signal
	// Env is the jobs' base environment; a job's own Env lines override it.
	// Nil means initd's environment (os.Environ).
	Env []string
	// Credential, when set, is the user and groups jobs run as (--user).
	Credential *syscall.Credential
	// Stdout and Stderr receive the jobs' output lines marked "[NAME] ".
	// Nil means the job writes to initd's own fd 1 or 2 directly, unmarked.
	Stdout, Stderr Lines
	// Log receives one entry per run start, end, skip, timeout and kill.
	Log zerolog.Logger
	// Drain bounds how long Run waits, once every run has exited, for
	// processes a job left behind to close its output. Zero means 1s.
	Drain time.Duration
}

func (o Options) stopSignal() syscall.Signal {
	if o.StopSignal == 0 {
		return syscall.SIGTERM
	}
	return o.StopSignal
}

func (o Options) drain() time.Duration {
	if o.Drain <= 0 {
		return time.Second
	}
	return o.Drain
}
