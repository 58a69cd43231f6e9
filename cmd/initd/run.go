package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/initd-dev/initd/signals"
)

// Exit statuses of initd's own making (see the contract's table).
const (
	exitUsage    = 2   // invalid usage or configuration
	exitStartup  = 1   // a start-up step failed at run time
	exitCantExec = 126 // COMMAND found but not executable
	exitNotFound = 127 // COMMAND not found
	exitTimeout  = 124 // a wait did not succeed in time
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

// run is initd: it parses args and the environment, runs what they ask for
// and returns the exit status. Only main calls os.Exit.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "version", "--version", "-version":
			fmt.Fprintln(stdout, versionString())
			return 0
		case "help", "--help", "-help", "-h":
			writeHelp(stdout)
			return 0
		case "validate":
			return runValidate(ctx, args[1:], getenv, stdout, stderr)
		case "wait", "check":
			return runWaitCommand(ctx, args[0], args[1:], getenv, stdout, stderr)
		case "render":
			return runRender(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	limits := readLimits()
	// Signals are caught first: from here on none can kill or stop initd.
	trap, err := signals.NewTrap()
	if err != nil {
		fmt.Fprintf(stderr, "initd: %v\n", err)
		return exitStartup
	}
	if stderr == io.Writer(os.Stderr) {
		// A failed write to fd 2 itself would now end initd with SIGPIPE
		// (see outputs); a usage error goes to a duplicate.
		stderr = dupFile(2, os.Stderr)
	}
	o, err := parseMain(args, getenv)
	if err != nil {
		return reportParse(err, stdout, stderr)
	}
	p, err := preparePlan(o)
	if err != nil {
		return reportParse(err, stdout, stderr)
	}
	p.config.limits = limits
	out := newOutputs(o, p)
	defer out.close()
	log := newLogger(o, out.log)
	p.warnSkipped(log)
	warnUnknownVariables(log, os.Environ())
	return supervise(ctx, o, p, out, log, trap)
}

// parseMain reads the main form: OPTIONS [--] COMMAND [ARG...], or cron
// only.
func parseMain(args []string, getenv func(string) string) (*options, error) {
	o, rest, err := parseOptions(args, getenv, func(*optDef) bool { return true })
	if err != nil {
		return nil, err
	}
	o.command = rest
	if len(o.command) == 0 && len(o.crons) == 0 && o.crontab == "" && len(o.services) == 0 && o.serviceDir == "" {
		return nil, usagef("no COMMAND given (usage: initd [OPTIONS] [--] COMMAND [ARG...]; see initd help)")
	}
	return o, nil
}

// reportParse prints a parse error (or the help it asked for) and returns
// the exit status for it.
func reportParse(err error, stdout, stderr io.Writer) int {
	if errors.Is(err, errHelp) {
		writeHelp(stdout)
		return 0
	}
	printError(stderr, err)
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitStartup
}

func versionString() string {
	v := version
	if v == "" {
		v = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			v = bi.Main.Version
		}
	}
	return fmt.Sprintf("initd %s %s %s/%s", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
