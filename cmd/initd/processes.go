package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/initd-dev/initd/environ"
	"github.com/initd-dev/initd/supervisor"
)

// This file turns the plan's services and hooks into what the supervisor
// runs: Specs with their environment, credentials and outputs.

// initHooksStep runs --init-dir's hooks one at a time, in order, as
// initd's own user, through the supervisor (a stop request stops the one
// running). What a hook writes to the file INITD_HOOK_ENV names is added
// to the environment of later hooks, COMMAND, services and cron jobs.
func (s *startup) initHooksStep(ctx context.Context) error {
	for _, path := range s.p.initHooks {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.initHook(path); err != nil {
			if errors.Is(err, supervisor.ErrStopping) {
				return context.Canceled
			}
			return &stepError{exitStartup, err}
		}
	}
	return nil
}

func (s *startup) initHook(path string) error {
	name := filepath.Base(path)
	env := s.st.env
	envFile, err := os.CreateTemp("", "initd-hook-env-")
	if err != nil {
		s.log.Warn().Err(err).Str("hook", name).Msg("no file for INITD_HOOK_ENV: the hook cannot add to the environment")
	} else {
		envFile.Close()
		defer os.Remove(envFile.Name())
		env = append(env[:len(env):len(env)], "INITD_HOOK_ENV="+envFile.Name())
	}
	s.log.Info().Str("hook", name).Str("path", path).Msg("init hook started")
	st, err := s.sup.RunHook(supervisor.Spec{Name: name, Path: path, Argv: []string{path}, Attr: hookAttr(env)})
	if err != nil {
		return fmt.Errorf("init hook %s: %w", path, err)
	}
	if st.Code() != 0 {
		return fmt.Errorf("init hook %s failed: %s; nothing later runs", path, st)
	}
	s.log.Info().Str("hook", name).Msg("init hook finished")
	if envFile == nil {
		return nil
	}
	vars, err := environ.ReadFile(envFile.Name())
	if err != nil {
		return fmt.Errorf("init hook %s: INITD_HOOK_ENV: %w", path, err)
	}
	s.st.env = environ.Override(s.st.env, vars)
	return nil
}

// hookAttr runs a hook as initd's own user, on initd's own descriptors.
func hookAttr(env []string) func() (*syscall.ProcAttr, func(bool), error) {
	return func() (*syscall.ProcAttr, func(bool), error) {
		return &syscall.ProcAttr{Env: env, Files: []uintptr{0, 1, 2}}, nil, nil
	}
}

// hookSpecs makes the --pre-stop or --finish hooks, found in COMMAND's
// PATH; what says which, for messages.
func (s *startup) hookSpecs(what string, commands [][]string) ([]supervisor.Spec, error) {
	var specs []supervisor.Spec
	for _, argv := range commands {
		path, err := supervisor.LookPath(argv[0], s.st.env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		specs = append(specs, supervisor.Spec{Name: argv[0], Path: path, Argv: argv, Attr: hookAttr(s.st.env)})
	}
	return specs, nil
}

// serviceSpecs makes the services: found in COMMAND's PATH, run as --user
// with COMMAND's environment, stdin from /dev/null, and every line they
// write prefixed with "[NAME] ".
func (s *startup) serviceSpecs() ([]supervisor.Spec, error) {
	if len(s.p.services) == 0 {
		return nil, nil
	}
	policy := supervisor.RestartNo
	if s.p.restart != "" {
		var err error
		if policy, err = supervisor.ParseRestart(s.p.restart); err != nil {
			return nil, err
		}
	}
	var specs []supervisor.Spec
	for _, svc := range s.p.services {
		path, err := supervisor.LookPath(svc.Argv[0], s.st.env)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", svc.Name, err)
		}
		specs = append(specs, supervisor.Spec{
			Name: svc.Name, Path: path, Argv: svc.Argv,
			Restart: policy, RestartLimit: s.p.restartLimit,
			Attr: s.serviceAttr("[" + svc.Name + "] "),
		})
	}
	return specs, nil
}

// serviceAttr gives each run of a service fresh output pipes.
func (s *startup) serviceAttr(prefix string) func() (*syscall.ProcAttr, func(bool), error) {
	return func() (*syscall.ProcAttr, func(bool), error) {
		stdin, err := os.Open(os.DevNull)
		if err != nil {
			return nil, nil, err
		}
		outs := &s.st.children
		stdout, err := outs.Pipe(childLines(s.o, s.out.stdout, "service", "stdout"), prefix, 1)
		if err != nil {
			stdin.Close()
			return nil, nil, err
		}
		stderr, err := outs.Pipe(childLines(s.o, s.out.stderr, "service", "stderr"), prefix, 2)
		if err != nil {
			stdin.Close()
			stdout.Started(false)
			return nil, nil, err
		}
		attr := &syscall.ProcAttr{
			Env:   s.st.env,
			Files: []uintptr{stdin.Fd(), stdout.Fd(), stderr.Fd()},
			Sys:   &syscall.SysProcAttr{Credential: s.st.cred},
		}
		return attr, func(ok bool) {
			stdin.Close()
			stdout.Started(ok)
			stderr.Started(ok)
		}, nil
	}
}
