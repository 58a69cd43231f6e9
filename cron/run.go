package cron

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/initd-dev/initd/logredirect"
	"github.com/rs/zerolog"
)

// maxWait caps one timer: the scheduler looks at the wall clock at least this
// often, so a clock that was stepped (NTP, a suspended VM) delays a run by at
// most this much instead of by the size of the step.
const maxWait = time.Minute

// runner is the state shared by the scheduling goroutines of one Run.
type runner struct {
	opts  Options
	base  []string // environment before a job's own lines
	stdin *os.File // /dev/null, every run's fd 0
	runs  sync.WaitGroup
	out   logredirect.ChildOutputs
}

// jobState is one job's scheduling state.
type jobState struct {
	Job
	env []string
	log zerolog.Logger

	mu      sync.Mutex
	running int // runs started and not yet reaped
	lastPid int
	seq     int
}

// Run schedules jobs until ctx is done, then starts no new run and returns
// once every job process has been reaped (the Starter's owner stops them)
// and the output of processes they left behind has been drained, for at
// most Options.Drain.
//
// A job that fails, crashes or cannot be started is logged and scheduled
// again; nothing a job does ends Run. Run returns an error only for bad
// options or jobs, before anything starts; after a stop it returns nil.
func Run(ctx context.Context, jobs []Job, opts Options) error {
	if opts.Starter == nil {
		return errors.New("cron: no Starter (the reaper) given")
	}
	for i, j := range jobs {
		if j.sched == nil {
			return fmt.Errorf("cron: job %d (%q) was not made by ParseLine or ParseCrontab", i+1, j.Command)
		}
	}
	stdin, err := os.Open(os.DevNull)
	if err != nil {
		return fmt.Errorf("cron: open %s for the jobs' stdin: %w", os.DevNull, err)
	}
	defer stdin.Close()

	if _, err := os.Stat(Shell); err != nil && len(jobs) > 0 {
		opts.Log.Error().Err(err).Msg("cron: no " + Shell + " in this image: every job run will fail to start")
	}
	r := &runner{opts: opts, base: opts.Env, stdin: stdin}
	if r.base == nil {
		r.base = os.Environ()
	}
	var schedulers sync.WaitGroup
	for _, j := range Number(jobs) {
		js := &jobState{Job: j, log: opts.Log.With().Str("job", j.Name).Logger()}
		js.env = r.base
		for _, kv := range j.Env {
			js.env = setEnv(js.env, kv)
		}
		schedulers.Go(func() {
			defer recoverRun(js, "schedule")
			r.schedule(ctx, js)
		})
	}
	schedulers.Wait()
	r.runs.Wait()
	dctx, cancel := context.WithTimeout(context.Background(), opts.drain())
	defer cancel()
	r.out.Drain(dctx)
	return nil
}

// schedule fires js at each activation until ctx is done.
func (r *runner) schedule(ctx context.Context, js *jobState) {
	next := js.after(time.Now())
	ev := js.log.Info().Str("schedule", js.Schedule).Str("zone", js.Location().String())
	if js.Source != "" {
		ev = ev.Str("source", js.Source)
	}
	ev.Time("next", next).Msg("cron: job scheduled")
	for !next.IsZero() {
		if !sleepUntil(ctx, next) {
			return
		}
		r.fire(ctx, js, next)
		now := time.Now()
		following := js.after(next)
		if !following.IsZero() && following.Before(now) {
			// Runs were missed (the clock jumped forward, the host was
			// suspended): say so once and resume from now, no catch-up burst.
			following = js.after(now)
			js.log.Warn().Time("scheduled", next).Time("next", following).
				Msg("cron: the clock moved past scheduled runs; they are skipped")
		}
		next = following
	}
	js.log.Warn().Msg("cron: the schedule has no further runs")
}

// sleepUntil waits until the wall clock reaches t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	for {
		d := time.Until(t)
		if d <= 0 {
			return ctx.Err() == nil
		}
		timer := time.NewTimer(min(d, maxWait))
		select {
		case <-ctx.Done():
			timer.Stop()
			return false
		case <-timer.C:
		}
	}
}

// fire starts a run of js that was due at scheduled, unless the overlap
// policy says to skip it.
func (r *runner) fire(ctx context.Context, js *jobState, scheduled time.Time) {
	js.mu.Lock()
	if r.opts.Overlap == OverlapSkip && js.running > 0 {
		pid := js.lastPid
		js.mu.Unlock()
		js.log.Warn().Time("scheduled", scheduled).Int("running_pid", pid).
			Msg("cron: run skipped, the previous run is still going (--cron-overlap skip)")
		return
	}
	js.running++
	js.seq++
	seq := js.seq
	js.mu.Unlock()

	r.runs.Add(1)
	go func() {
		defer r.runs.Done()
		defer func() {
			js.mu.Lock()
			js.running--
			js.mu.Unlock()
		}()
		defer recoverRun(js, "run")
		r.run(ctx, js, seq, scheduled)
	}()
}

// recoverRun keeps a bug in this package from taking PID 1 down: the panic
// ends one run (or one job's schedule) and is logged; the processes involved
// are still reaped by the reaper.
func recoverRun(js *jobState, what string) {
	if v := recover(); v != nil {
		js.log.Error().Str("panic", fmt.Sprint(v)).Msg("cron: internal error, " + what + " abandoned")
	}
}
