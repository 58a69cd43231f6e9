package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/initd-dev/initd/cron"
	"github.com/initd-dev/initd/environ"
	"github.com/initd-dev/initd/privdrop"
	"github.com/initd-dev/initd/procspec"
	"github.com/initd-dev/initd/signals"
	"github.com/initd-dev/initd/supervisor"
	"github.com/initd-dev/initd/templates"
	"github.com/rs/zerolog"
)

// runRender is `initd render SRC:DEST...`: render the templates once with
// the process environment and exit (0; 2 for a bad or missing SRC; 1 when
// rendering fails, every DEST then untouched).
func runRender(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "initd: render needs at least one SRC:DEST")
		return exitUsage
	}
	specs, err := parseTemplateSpecs(args)
	if err != nil {
		return reportParse(err, stdout, stderr)
	}
	set, err := templates.Parse(specs...)
	if err != nil {
		return reportParse(usagef("render: %w", err), stdout, stderr)
	}
	log := newLogger(defaultOptions(), stderr)
	if err := set.Render(ctx, log, environ.Map(os.Environ())); err != nil {
		fmt.Fprintf(stderr, "initd: render: %v\n", err)
		return exitStartup
	}
	return 0
}

// runValidate is `initd validate [OPTIONS] [--] [COMMAND]`: check every
// option, target, cron line and template (rendered in memory against the
// environment COMMAND would get), print what would run, start nothing.
// Exit 0 or 2.
func runValidate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	o, rest, err := parseOptions(args, getenv, func(*optDef) bool { return true })
	if err != nil {
		return reportParse(err, stdout, stderr)
	}
	warnUnknownVariables(newLogger(o, stderr), os.Environ())
	o.command = rest
	p, err := preparePlan(o)
	if err == nil && o.user != "" {
		if _, rerr := privdrop.Resolve(*p.config.user); rerr != nil {
			err = usagef("%w", rerr) // names the --user
		}
	}
	if err == nil && p.config.templates != nil {
		err = checkTemplates(ctx, p.config, o)
	}
	if err == nil && len(o.command) == 0 && len(p.cronJobs) == 0 && len(p.services) == 0 {
		err = usagef("no COMMAND, no service and no cron job: nothing would run")
	}
	var path string
	if err == nil && len(o.command) > 0 {
		if path, err = supervisor.LookPath(o.command[0], os.Environ()); err != nil {
			err = usagef("%w", err)
		}
	}
	var processes strings.Builder
	if err == nil {
		err = describeProcesses(&processes, p)
	}
	if err != nil {
		return reportParse(err, stdout, stderr)
	}
	for _, s := range p.skipped {
		fmt.Fprintf(stderr, "initd: warning: skipped %s: %s\n", s.Path, s.Reason)
	}
	var b strings.Builder
	if path != "" {
		fmt.Fprintf(&b, "command: %s %q\n", path, o.command[1:])
	}
	b.WriteString(processes.String())
	fmt.Fprintf(&b, "stop: signal %s, delay %v, grace %v\n", signals.Name(o.stopSignal), o.stopDelay, o.grace)
	for _, w := range p.waits {
		fmt.Fprintf(&b, "wait: %s (timeout %v)\n", w, o.waitTimeout)
	}
	for _, t := range o.tails {
		fmt.Fprintf(&b, "tail: %s -> stdout\n", t)
	}
	for _, t := range o.tailsStderr {
		fmt.Fprintf(&b, "tail: %s -> stderr\n", t)
	}
	if o.syslog != "" {
		fmt.Fprintf(&b, "syslog: %s -> stdout\n", o.syslog)
	}
	if p.config.templates != nil {
		for _, f := range p.config.templates.Files() {
			fmt.Fprintf(&b, "template: %s -> %s (mode %v)\n", f.Src, f.Dest, f.Mode)
		}
	}
	if len(p.cronJobs) > 0 {
		if err := cron.Describe(&b, p.cronJobs, time.Now(), 3); err != nil {
			return reportParse(usagef("cron: %w", err), stdout, stderr)
		}
	}
	b.WriteString("configuration is valid\n")
	io.WriteString(stdout, b.String())
	return 0
}

// checkTemplates renders every template in memory against the environment
// COMMAND would get (env files, secrets, limits), writing nothing: a
// missing key is a usage error naming the template and the key.
func checkTemplates(ctx context.Context, c *configPlan, o *options) error {
	env, err := c.environment(o, zerolog.Nop())
	if err != nil {
		return usagef("--template: %w", err)
	}
	if err := c.templates.Check(ctx, environ.Map(env)); err != nil {
		return usagef("--template: %w", err)
	}
	return nil
}

// describeProcesses writes validate's lines for the services, the init
// hooks in the order they run, and the pre-stop and finish hooks. A
// program that cannot be found is a usage error, as COMMAND's is.
func describeProcesses(b *strings.Builder, p *plan) error {
	env := os.Environ()
	find := func(what string, argv []string) (string, error) {
		path, err := supervisor.LookPath(argv[0], env)
		if err != nil {
			return "", usagef("%s: %w", what, err)
		}
		return path, nil
	}
	for _, s := range p.services {
		path, err := find("service "+s.Name, s.Argv)
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "service %s: %s %q", s.Name, path, s.Argv[1:])
		if s.Source != procspec.SourceFlag {
			fmt.Fprintf(b, " (from --service-dir)")
		}
		b.WriteString("\n")
	}
	if len(p.services) > 0 {
		switch {
		case p.restart == "no":
			b.WriteString("restart: no\n")
		case p.restartLimit == 0:
			fmt.Fprintf(b, "restart: %s, never giving up\n", p.restart)
		default:
			fmt.Fprintf(b, "restart: %s, giving up after %d restarts in a row\n", p.restart, p.restartLimit)
		}
	}
	for i, h := range p.initHooks {
		fmt.Fprintf(b, "init hook %d: %s\n", i+1, h)
	}
	for _, hooks := range []struct {
		what  string
		argvs [][]string
	}{{"pre-stop", p.preStop}, {"finish", p.finish}} {
		for _, argv := range hooks.argvs {
			path, err := find(hooks.what, argv)
			if err != nil {
				return err
			}
			fmt.Fprintf(b, "%s: %s %q\n", hooks.what, path, argv[1:])
		}
	}
	return nil
}
