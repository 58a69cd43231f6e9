package cron

import (
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/initd-dev/initd/logredirect"
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

// Starter starts job runs and stops them; initd's supervisor is one (its
// Jobs method). Job runs are never waited for but through the Process it
// returns. When initd stops, the Starter's owner stops the running jobs
// with everything else; Run only waits for them.
type Starter interface {
	// Start starts one run; it fails once initd is stopping.
	Start(argv0 string, argv []string, attr *syscall.ProcAttr) (*reaper.Process, error)
	// Stop runs the stop sequence for one run that timed out: the stop
	// signal to its process group, SIGKILL when the grace period ends.
	Stop(p *reaper.Process)
}

// Lines receives a job's output, cut into whole lines each preceded by
// prefix; *logredirect.Output is one.
type Lines = logredirect.Lines

// Shell runs every job's command as Shell -c COMMAND.
const Shell = "/bin/sh"

// Options configures Run. Only Starter is required.
type Options struct {
	// Starter starts job processes (the one reaper). Required.
	Starter Starter
	// Overlap is the policy for a job that is due while still running.
	Overlap Overlap
	// Timeout limits each run: Starter.Stop when it is reached. Zero means
	// no limit.
	Timeout time.Duration
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

func (o Options) drain() time.Duration {
	if o.Drain <= 0 {
		return time.Second
	}
	return o.Drain
}
