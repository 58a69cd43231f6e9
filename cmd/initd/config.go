package main

import (
	"context"
	"os"
	"strings"
	"syscall"

	"github.com/initd-dev/initd/environ"
	"github.com/initd-dev/initd/privdrop"
	"github.com/initd-dev/initd/templates"
	"github.com/rs/zerolog"
)

// configPlan is the start-up configuration, checked before anything
// starts: environment files read, templates parsed, --user parsed.
type configPlan struct {
	envFiles  [][]environ.Var
	templates *templates.Set
	user      *privdrop.Spec
	limits    chan limitsResult // see readLimits
}

type limitsResult struct {
	lim environ.Limits
	err error
}

// readLimits starts reading the cgroup limits in the background: a dozen
// small files under /proc and /sys (0.1-0.2 ms), read while signals are
// caught, options parsed and the rest of start-up goes on.
func readLimits() chan limitsResult {
	c := make(chan limitsResult, 1)
	go func() {
		lim, err := environ.ReadLimits(environ.CgroupFiles{})
		c <- limitsResult{lim, err}
	}()
	return c
}

// prepareConfig checks the start-up configuration options; every error is
// a usage error (exit 2).
func prepareConfig(o *options) (*configPlan, error) {
	p := &configPlan{}
	for _, f := range o.envFiles {
		vars, err := environ.ReadFile(f)
		if err != nil {
			return nil, usagef("%w", err) // names the env-file
		}
		p.envFiles = append(p.envFiles, vars)
	}
	if len(o.templates) > 0 {
		specs, err := parseTemplateSpecs(o.templates)
		if err != nil {
			return nil, err
		}
		if p.templates, err = templates.Parse(specs...); err != nil {
			return nil, usagef("%w", err) // names the --template
		}
	}
	if o.user != "" {
		spec, err := privdrop.ParseSpec(o.user)
		if err != nil {
			return nil, usagef("%w", err) // names the --user
		}
		p.user = &spec
	}
	return p, nil
}

func parseTemplateSpecs(args []string) ([]templates.Spec, error) {
	var specs []templates.Spec
	for _, a := range args {
		s, err := templates.ParseSpec(a)
		if err != nil {
			return nil, usagef("%w", err) // names the --template
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// environment builds COMMAND's environment: the process environment, then
// env files (the process environment wins), then _FILE secrets, then the
// cgroup limit variables. Only variable names are logged, never values.
func (c *configPlan) environment(o *options, log zerolog.Logger) ([]string, error) {
	env := environ.Merge(os.Environ(), c.envFiles...)
	if o.expandFileEnv {
		var names []string
		var err error
		if env, names, err = environ.ExpandFileEnv(env, nil); err != nil {
			return nil, &stepError{exitStartup, err}
		}
		if len(names) > 0 {
			log.Info().Strs("set", names).Msg("secrets read from *_FILE")
		}
	}
	if c.limits == nil {
		c.limits = readLimits()
	}
	r := <-c.limits
	lim, err := r.lim, r.err
	if err != nil {
		log.Debug().Err(err).Msg("cgroup limits")
	}
	if vars := lim.Env(); len(vars) > 0 {
		log.Info().Str("limits", strings.Join(vars, " ")).Msg("container limits")
		env = lim.SetEnv(env)
	}
	return env, nil
}

// identity resolves --user into credentials for COMMAND and cron jobs.
func (c *configPlan) identity(env []string) ([]string, *syscall.Credential, error) {
	if c.user == nil {
		return env, nil, nil
	}
	id, err := privdrop.Resolve(*c.user)
	if err == nil {
		err = privdrop.CheckPrivilege(*c.user)
	}
	if err != nil {
		return nil, nil, &stepError{exitStartup, err}
	}
	return id.Env(env), id.Credential(), nil
}

// render renders the templates with env as .Env.
func (c *configPlan) render(ctx context.Context, env []string, log zerolog.Logger) error {
	if c.templates == nil {
		return nil
	}
	if err := c.templates.Render(ctx, log, environ.Map(env)); err != nil {
		return &stepError{exitStartup, err}
	}
	return nil
}
