package main

import (
	"context"

	"github.com/initd-dev/initd/cron"
	"github.com/initd-dev/initd/logredirect"
)

// logDrain bounds, in all, how long initd on its way out waits for tailed
// files, syslog, cron output and its own lines to be written out: the
// followers' Stop and the outputs' Close share one deadline (outputs.drain).
const logDrain = logredirect.DefaultDrain

// logsStep starts the log followers and the syslog listener (--tail,
// --tail-stderr, --syslog) before COMMAND starts; they are stopped, and
// drained, after COMMAND and cron have ended.
func (s *supervisor) logsStep(_ context.Context, st *started) error {
	var sources []logredirect.Source
	follow := func(paths []string, out *logredirect.Output) {
		for _, p := range paths {
			cfg := logredirect.FollowerConfig{Path: p, Logger: s.log}
			if s.o.tailPrefix {
				cfg.Prefix = logredirect.TailPrefix(p)
			}
			sources = append(sources, logredirect.NewFollower(out, cfg))
		}
	}
	follow(s.o.tails, s.out.stdout)
	follow(s.o.tailsStderr, s.out.stderr)
	if s.o.syslog != "" {
		sources = append(sources, logredirect.NewSyslogListener(s.out.stdout, logredirect.SyslogConfig{Path: s.o.syslog, Logger: s.log}))
	}
	if len(sources) == 0 {
		return nil
	}
	g := &logredirect.Group{Drain: s.out.drain}
	if err := g.Start(sources...); err != nil {
		return err
	}
	st.logs = g
	return nil
}

// startCron runs the cron schedule beside COMMAND (or alone) until
// stopCron; its jobs are started through the same reaper.
func (s *supervisor) startCron(st *started) {
	if len(s.p.cronJobs) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	opts := cron.Options{
		Starter:    s.r,
		Overlap:    s.p.overlap,
		Timeout:    s.o.cronTimeout,
		Grace:      s.o.grace,
		StopSignal: s.o.stopSignal,
		Env:        st.env,
		Credential: st.cred,
		Stdout:     jobLines(s.o, s.out.stdout, "stdout"),
		Stderr:     jobLines(s.o, s.out.stderr, "stderr"),
		Log:        s.log,
	}
	go func() {
		defer close(done)
		if err := cron.Run(ctx, s.p.cronJobs, opts); err != nil {
			s.log.Error().Err(err).Msg("cron")
		}
	}()
	st.cronStop, st.cronDone = cancel, done
}

// stopCron asks cron to start no new run and to stop the running ones
// (stop signal, SIGKILL after the grace period); it does not wait.
func (st *started) stopCron() {
	if st.cronStop != nil {
		st.cronStop()
	}
}

// waitCron stops cron and waits until every job process has been reaped.
func (st *started) waitCron() {
	if st.cronDone == nil {
		return
	}
	st.cronStop()
	<-st.cronDone
}

// stopLogs writes out what the followers and syslog have, bounded.
func (st *started) stopLogs() {
	if st.logs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), logDrain)
	defer cancel()
	_ = st.logs.Stop(ctx)
}
