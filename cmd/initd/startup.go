package main

import (
	"context"
	"errors"
	"syscall"

	"github.com/initd-dev/initd/logredirect"
	"github.com/initd-dev/initd/signals"
)

// started is what start-up produced for COMMAND and what runs beside it:
// its environment and credentials, the log sources and cron.
type started struct {
	env  []string
	cred *syscall.Credential

	logs     *logredirect.Group
	cronStop context.CancelFunc
	cronDone chan struct{}
}

// startup runs the start-up steps in the contract's order: environment
// files and secrets (and --user), templates, waits, log tailers and syslog.
// A stop request meanwhile ends start-up with 128+signal; a failing step
// ends it with its status. ok is false when COMMAND must not start.
func (s *supervisor) startup(ctx context.Context) (st *started, code int, ok bool) {
	st = &started{}
	steps := []struct {
		name string
		run  func(context.Context, *started) error
	}{
		{"environment", func(_ context.Context, st *started) (err error) {
			if st.env, err = s.p.config.environment(s.o, s.log); err != nil {
				return err
			}
			st.env, st.cred, err = s.p.config.identity(st.env)
			return err
		}},
		{"templates", func(ctx context.Context, st *started) error { return s.p.config.render(ctx, st.env, s.log) }},
		{"wait", s.waitStep},
		{"logs", s.logsStep},
	}
	for _, step := range steps {
		if code, ok := s.beforeStart(ctx, step.name, func(ctx context.Context) error { return step.run(ctx, st) }); !ok {
			st.stopLogs()
			return nil, code, false
		}
	}
	return st, 0, true
}

// stepError carries the exit status of a failed start-up step.
type stepError struct {
	code int
	err  error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// beforeStart runs one start-up step while watching for signals: a stop
// request cancels the step and ends start-up with 128+signal; other
// signals have nobody to go to yet and are dropped.
func (s *supervisor) beforeStart(ctx context.Context, name string, step func(context.Context) error) (int, bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- step(ctx) }()
	for {
		select {
		case err := <-done:
			if err == nil {
				return 0, true
			}
			var se *stepError
			if errors.As(err, &se) {
				s.log.Error().Str("step", name).Msg(se.Error())
				return se.code, false
			}
			s.log.Error().Str("step", name).Msg(err.Error())
			return exitStartup, false
		case sig := <-s.sigc:
			ss := sig.(syscall.Signal)
			if s.fromSelf(ss) {
				continue
			}
			if s.isStopRequest(ss) {
				if _, ok := s.o.rewrites.Apply(ss); ok {
					cancel()
					<-done
					s.log.Info().Str("signal", signals.Name(ss)).Str("step", name).Msg("stop requested before COMMAND started")
					return 128 + int(ss), false
				}
			}
			s.log.Debug().Str("signal", signals.Name(ss)).Msg("no COMMAND yet: signal dropped")
		}
	}
}
