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
//
// Only the wait can take long, so only it runs beside the signal loop; the
// other steps run in line, and a stop request that arrived during one of
// them is found before COMMAND starts.
func (s *supervisor) startup(ctx context.Context) (st *started, code int, ok bool) {
	st = &started{}
	steps := []struct {
		name string
		long bool
		run  func(context.Context, *started) error
	}{
		{"environment", false, func(_ context.Context, st *started) (err error) {
			if st.env, err = s.p.config.environment(s.o, s.log); err != nil {
				return err
			}
			st.env, st.cred, err = s.p.config.identity(st.env)
			return err
		}},
		{"templates", false, func(ctx context.Context, st *started) error { return s.p.config.render(ctx, st.env, s.log) }},
		{"wait", len(s.p.waits) > 0, s.waitStep},
		{"logs", false, s.logsStep},
	}
	for _, step := range steps {
		run := func(ctx context.Context) error { return step.run(ctx, st) }
		code, ok := 0, true
		if step.long {
			code, ok = s.beforeStart(ctx, step.name, run)
		} else if code, ok = s.stepResult(step.name, run(ctx)); ok {
			code, ok = s.pendingStop(step.name)
		}
		if !ok {
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
			return s.stepResult(name, err)
		case ev := <-s.trap.Events():
			if code, stop := s.earlySignal(name, ev); stop {
				cancel()
				<-done
				return code, false
			}
		}
	}
}

// stepResult logs a failed step and gives its exit status.
func (s *supervisor) stepResult(name string, err error) (int, bool) {
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
}

// pendingStop handles the signals that arrived during a step run in line.
func (s *supervisor) pendingStop(name string) (int, bool) {
	for {
		select {
		case ev := <-s.trap.Events():
			if code, stop := s.earlySignal(name, ev); stop {
				return code, false
			}
		default:
			return 0, true
		}
	}
}

// earlySignal handles a signal before COMMAND exists: a stop request ends
// start-up with 128+signal; anything else has nobody to go to and is
// dropped.
func (s *supervisor) earlySignal(step string, ev signals.Event) (code int, stop bool) {
	sig := ev.Signal
	if ev.Self {
		return 0, false
	}
	if _, ok := s.o.rewrites.Apply(sig); ok && s.isStopRequest(sig) {
		s.log.Info().Str("signal", signals.Name(sig)).Str("step", step).Msg("stop requested before COMMAND started")
		return 128 + int(sig), true
	}
	s.log.Debug().Str("signal", signals.Name(sig)).Msg("no COMMAND yet: signal dropped")
	return 0, false
}
