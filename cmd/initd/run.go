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
	"golang.org/x/sys/unix"
)

// Exit statuses of initd's own making (see the contract's table).
const (
	exitUsage   = 2   // invalid usage or configuration
	exitStartup = 1   // a start-up step failed at run time
	exitTimeout = 124 // a wait did not succeed in time
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
	// Too few threads allowed would crash the Go runtime later on: say so
	// now, before os/signal makes its thread.
	if err := checkLimits(); err != nil {
		fmt.Fprintf(stderr, "initd: %v\n", err)
		return exitStartup
	}
	// Signals are caught first: from here on none can kill or stop initd,
	// and none is lost before COMMAND exists.
	// Never stopped: initd is about to exit when it is done with them, and
	// signal.Stop would cost another round trip to the runtime per signal.
	caught := signals.Catch()
	limits := readLimits()
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
	return supervise(ctx, o, p, out, log, caught)
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

// Below these limits the Go runtime can fail to make its poller (file
// descriptors: its three standard ones, the poller's two, a fork's pipe,
// a few to read the configuration) or a thread (processes: a Go program
// runs on several threads, and each counts against ulimit -u), and end
// initd with a stack trace instead of a message.
const (
	minDescriptors = 16
	minProcesses   = 16
)

// checkLimits refuses to start with too few file descriptors or (for a
// user other than root, which the kernel does not hold to it) processes
// allowed, with a message that says so.
func checkLimits() error {
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil && lim.Cur < minDescriptors {
		return fmt.Errorf("too few file descriptors: ulimit -n is %d, initd needs at least %d", lim.Cur, minDescriptors)
	}
	if unix.Geteuid() != 0 && unix.Getrlimit(unix.RLIMIT_NPROC, &lim) == nil && lim.Cur < minProcesses {
		return fmt.Errorf("too few processes: ulimit -u is %d, initd needs at least %d", lim.Cur, minProcesses)
	}
	return nil
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
