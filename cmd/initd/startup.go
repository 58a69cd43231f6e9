package main

import (
	"context"
	"syscall"

	"github.com/initd-dev/initd/signals"
	"github.com/initd-dev/initd/supervisor"
	"github.com/rs/zerolog"
)

// startup runs the start-up steps in the contract's order: environment
// files and secrets (and --user), templates, waits, log tailers and
// syslog; then it hands the supervisor what to run. It runs beside the
// supervisor's loop, which ends it at once on a stop request.
type startup struct {
	o   *options
	p   *plan
	out *outputs
	log zerolog.Logger
	sup *supervisor.Supervisor
	st  *started
}

// stepError is a failed start-up step and the exit status it calls for.
type stepError struct {
	code int
	err  error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// ExitCode is the status initd exits with for the failed step.
func (e *stepError) ExitCode() int { return e.code }

func (s *startup) run(ctx context.Context) (*supervisor.Launch, error) {
	st := s.st
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"environment", func(context.Context) (err error) {
			if st.env, err = s.p.config.environment(s.o, s.log); err != nil {
				return err
			}
			st.env, st.cred, err = s.p.config.identity(st.env)
			return err
		}},
		{"templates", func(ctx context.Context) error { return s.p.config.render(ctx, st.env, s.log) }},
		{"wait", s.waitStep},
		{"init hooks", s.initHooksStep},
		{"logs", s.logsStep},
	}
	for _, step := range steps {
		if err := step.run(ctx); err != nil {
			st.stopLogs()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.log.Error().Str("step", step.name).Msg(err.Error())
			return nil, err
		}
	}
	l, err := s.launch()
	if err != nil {
		st.stopLogs()
		s.log.Error().Msg(err.Error())
	}
	return l, err
}

// launch is what the supervisor runs: COMMAND (found in the environment's
// PATH), in the terminal's foreground when initd has one, the services,
// the pre-stop and finish hooks, and cron.
func (s *startup) launch() (*supervisor.Launch, error) {
	l := &supervisor.Launch{
		Stay:    len(s.p.cronJobs) > 0,
		Running: func() { s.startCron() },
	}
	var err error
	if l.Services, err = s.serviceSpecs(); err != nil {
		return nil, err
	}
	if l.PreStop, err = s.hookSpecs("--pre-stop", s.p.preStop); err != nil {
		return nil, err
	}
	if l.Finish, err = s.hookSpecs("--finish", s.p.finish); err != nil {
		return nil, err
	}
	if len(s.o.command) > 0 {
		path, err := supervisor.LookPath(s.o.command[0], s.st.env)
		if err != nil {
			return nil, err
		}
		l.Command = &supervisor.Spec{Path: path, Argv: s.o.command, Attr: s.commandAttr}
	}
	return l, nil
}

func (s *startup) commandAttr() (*syscall.ProcAttr, func(bool), error) {
	sys := &syscall.SysProcAttr{Credential: s.st.cred}
	if signals.ForegroundTerminal(0) {
		sys.Foreground, sys.Ctty = true, 0
	}
	return &syscall.ProcAttr{Env: s.st.env, Files: []uintptr{0, 1, 2}, Sys: sys}, nil, nil
}
