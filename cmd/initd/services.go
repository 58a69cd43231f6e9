package main

import (
	"context"
	"sync"
	"syscall"

	"github.com/initd-dev/initd/cron"
	"github.com/initd-dev/initd/logredirect"
)

// logDrain bounds, in all, how long initd on its way out waits for tailed
// files, syslog, cron output and its own lines to be written out: the
// followers' Stop and the outputs' Close share one deadline (outputs.drain).
const logDrain = logredirect.DefaultDrain

// started is what start-up produced for COMMAND and what runs beside it:
// its environment and credentials, the log sources and cron.
type started struct {
	env  []string
	cred *syscall.Credential

	children logredirect.ChildOutputs // services' output

	mu       sync.Mutex // logs and cron are started by start-up and stopped by the loop
	logs     *logredirect.Group
	cronStop context.CancelFunc
	cronDone chan struct{}
}

// logsStep starts the log followers and the syslog listener (--tail,
// --tail-stderr, --syslog) before COMMAND starts; they are stopped, and
// drained, after COMMAND and cron have ended.
func (s *startup) logsStep(context.Context) error {
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
	s.st.mu.Lock()
	s.st.logs = g
	s.st.mu.Unlock()
	return nil
}

// startCron runs the cron schedule beside COMMAND (or alone) until
// stopCron; its jobs are started, and stopped, by the supervisor.
func (s *startup) startCron() {
	st := s.st
	if len(s.p.cronJobs) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	opts := cron.Options{
		Starter:    s.sup.Jobs(),
		Overlap:    s.p.overlap,
		Timeout:    s.o.cronTimeout,
		Env:        st.env,
		Credential: st.cred,
		Stdout:     childLines(s.o, s.out.stdout, "job", "stdout"),
		Stderr:     childLines(s.o, s.out.stderr, "job", "stderr"),
		Log:        s.log,
	}
	go func() {
		defer close(done)
		if err := cron.Run(ctx, s.p.cronJobs, opts); err != nil {
			s.log.Error().Err(err).Msg("cron")
		}
	}()
	st.mu.Lock()
	st.cronStop, st.cronDone = cancel, done
	st.mu.Unlock()
}

// stopCron tells cron to start no new run (the supervisor stops the
// running ones); it does not wait.
func (st *started) stopCron() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.cronStop != nil {
		st.cronStop()
	}
}

// waitCron stops cron and waits until every job run has ended and its
// output is written out.
func (st *started) waitCron() {
	st.stopCron()
	st.mu.Lock()
	done := st.cronDone
	st.mu.Unlock()
	if done != nil {
		<-done
	}
}

// stopLogs writes out what the followers and syslog have, bounded. It
// may be called more than once.
func (st *started) stopLogs() {
	st.mu.Lock()
	logs := st.logs
	st.logs = nil
	st.mu.Unlock()
	if logs == nil {
		return
	}
	_ = logs.Stop(context.Background()) // bounded by the outputs' Drain
}
