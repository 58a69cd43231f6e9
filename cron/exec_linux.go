package cron

import (
	"context"
	"fmt"
	"syscall"
	"time"
)

// run starts one run of js through the Starter and follows it to its end:
// output copied line by line, the timeout enforced, the end logged. It
// never waits for the process in any way but the reaper's.
func (r *runner) run(ctx context.Context, js *jobState, seq int, scheduled time.Time) {
	if ctx.Err() != nil {
		return
	}
	log := js.log.With().Int("run", seq).Logger()
	stdout, err := r.out.Pipe(r.opts.Stdout, "["+js.Name+"] ", 1)
	if err != nil {
		log.Error().Err(err).Msg("cron: run not started")
		return
	}
	stderr, err := r.out.Pipe(r.opts.Stderr, "["+js.Name+"] ", 2)
	if err != nil {
		stdout.Started(false)
		log.Error().Err(err).Msg("cron: run not started")
		return
	}
	attr := &syscall.ProcAttr{
		Env:   js.env,
		Files: []uintptr{r.stdin.Fd(), stdout.Fd(), stderr.Fd()},
		Sys:   &syscall.SysProcAttr{Setpgid: true, Credential: r.opts.Credential},
	}
	start := time.Now()
	p, err := r.opts.Starter.Start(Shell, []string{"sh", "-c", js.Command}, attr)
	stdout.Started(err == nil)
	stderr.Started(err == nil)
	if err != nil {
		log.Error().Err(fmt.Errorf("start %s -c: %w", Shell, err)).Msg("cron: run not started")
		return
	}
	js.mu.Lock()
	js.lastPid = p.Pid
	js.mu.Unlock()
	log = log.With().Int("pid", p.Pid).Logger()
	log.Info().Time("scheduled", scheduled).Stringer("delay", start.Sub(scheduled).Round(time.Millisecond)).Msg("cron: run started")

	var timeout <-chan time.Time
	if r.opts.Timeout > 0 {
		t := time.NewTimer(r.opts.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-p.Done():
	case <-timeout:
		log.Warn().Stringer("timeout", r.opts.Timeout).Msg("cron: run timed out, stopping it (--cron-timeout)")
		r.opts.Starter.Stop(p)
	}
	// On a stop of initd the Starter stops the run with everything else.
	<-p.Done()
	st := p.Status()
	ev := log.Info()
	if st.Code() != 0 {
		ev = log.Warn()
	}
	ev.Int("code", st.Code()).Str("status", st.String()).Stringer("duration", time.Since(start).Round(time.Millisecond)).
		Msg("cron: run finished")
}
