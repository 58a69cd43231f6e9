package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/initd-dev/initd/procspec"
	"github.com/initd-dev/initd/signals"
	"github.com/initd-dev/initd/waitfor"
	"golang.org/x/sys/unix"
)

// options is everything the command line and the INITD_* environment say.
// Values are parsed (signals, durations, numbers) while reading, so a bad
// one is a usage error before anything starts.
type options struct {
	// Process and signals.
	singleChild bool
	stopSignal  syscall.Signal
	stopDelay   time.Duration
	grace       time.Duration
	rewrites    signals.Rewrites
	remapExit   map[int]int
	pdeathsig   syscall.Signal
	logLevel    string
	logFormat   string

	// Waiting.
	waits        []string
	waitTimeout  time.Duration
	waitInterval time.Duration
	waitStatus   string
	waitHeaders  []string
	waitInsecure bool
	waitCACert   string

	// Log redirection.
	tails       []string
	tailsStderr []string
	tailPrefix  bool
	syslog      string // socket path; "" when --syslog is not given

	// Cron.
	crons       []string
	crontab     string
	cronOverlap string
	cronTimeout time.Duration

	// Start-up configuration.
	templates     []string
	envFiles      []string
	expandFileEnv bool
	user          string

	// Several processes and hooks. --service and the hooks are parsed
	// while reading; the directories are read by preparePlan.
	services     []procspec.Service
	serviceDir   string
	restart      string // no, on-failure or always
	restartLimit int    // 0 = never give up
	initDir      string
	preStop      [][]string
	finish       [][]string

	// command is COMMAND [ARG...]; empty in cron-only mode.
	command []string
}

// Defaults. The grace period is 8 s so that, with the default stop delay of
// 0, initd escalates to SIGKILL itself and reports the outcome before
// Docker's own 10 s SIGKILL of PID 1 arrives. The wait interval is short
// so that a service that comes up is noticed within about 100 ms.
const (
	defaultGrace        = 8 * time.Second
	defaultWaitTimeout  = 60 * time.Second
	defaultWaitInterval = waitfor.DefaultInterval
	defaultSyslogPath   = "/dev/log"
	defaultRestartLimit = 5
)

func defaultOptions() *options {
	return &options{
		stopSignal:   unix.SIGTERM,
		grace:        defaultGrace,
		logLevel:     "info",
		logFormat:    "console",
		waitTimeout:  defaultWaitTimeout,
		waitInterval: defaultWaitInterval,
		waitStatus:   "200-299",
		cronOverlap:  "skip",
		restart:      "no",
		restartLimit: defaultRestartLimit,
	}
}

type argKind int

const (
	boolArg     argKind = iota // --flag, --flag=false
	valueArg                   // --flag VALUE, --flag=VALUE
	optionalArg                // --flag, --flag=VALUE (never the next word)
)

// optDef describes one option: how it is spelled, documented and stored.
type optDef struct {
	name   string
	kind   argKind
	repeat bool   // may be given several times
	commas bool   // its environment value may also be split on commas
	arg    string // placeholder in help
	def    string // default shown in help
	help   string
	group  string
	wait   bool // also an option of `initd wait` and `initd check`
	set    func(o *options, v string) error
}

// envName is the environment variable that also sets the option.
func (d *optDef) envName() string {
	return "INITD_" + strings.ToUpper(strings.ReplaceAll(d.name, "-", "_"))
}

// usageError is an invalid command line or configuration: exit status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return &usageError{fmt.Errorf(format, a...)} }

// errHelp asks for the help text.
var errHelp = errors.New("help requested")

// parseOptions reads options from args up to the first non-option word (or
// "--"), then fills every option not given on the command line from its
// INITD_* variable. It returns the remaining words. Only options for which
// allow returns true are accepted.
func parseOptions(args []string, getenv func(string) string, allow func(*optDef) bool) (*options, []string, error) {
	return parseArgs(args, getenv, allow, false)
}

// parseArgs is parseOptions; with interleaved, options may also come
// between and after the other words (initd wait TARGET --wait-timeout 30s):
// only "--" ends them. That is safe where no other word can start with '-'.
func parseArgs(args []string, getenv func(string) string, allow func(*optDef) bool, interleaved bool) (*options, []string, error) {
	defs := optionDefs()
	byName := make(map[string]*optDef, len(defs))
	for i := range defs {
		byName[defs[i].name] = &defs[i]
	}
	given := map[string][]string{}
	var rest []string
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if a == "-h" || a == "--help" || a == "-help" {
			return nil, nil, errHelp
		}
		if len(a) < 2 || a[0] != '-' {
			if interleaved {
				rest = append(rest, a)
				continue
			}
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		d := byName[name]
		if d == nil || !allow(d) {
			return nil, nil, unknownOption(a, name, d, defs, allow)
		}
		if !d.repeat && len(given[name]) > 0 {
			return nil, nil, usagef("--%s given twice", name)
		}
		switch d.kind {
		case boolArg:
			if !hasVal {
				val = "true"
			}
		case valueArg:
			if !hasVal {
				if i+1 >= len(args) {
					return nil, nil, usagef("--%s needs a value (%s)", name, d.arg)
				}
				i++
				val = args[i]
			}
		case optionalArg:
			// The value, if any, is attached with '='; the next word is
			// never taken, so `--syslog nginx` runs nginx.
		}
		given[name] = append(given[name], val)
	}
	rest = append(rest, args[i:]...)

	o := defaultOptions()
	for i := range defs {
		d := &defs[i]
		vals, fromFlag := given[d.name], true
		if _, ok := given[d.name]; !ok {
			if !allow(d) {
				continue
			}
			fromFlag = false
			vals = envValues(d, getenv(d.envName()))
		}
		for _, v := range vals {
			if err := d.set(o, v); err != nil {
				if fromFlag {
					return nil, nil, usagef("--%s %s: %w", d.name, quote(v), err)
				}
				return nil, nil, usagef("%s=%s: %w", d.envName(), quote(v), err)
			}
		}
	}
	return o, rest, nil
}

// envValues splits an option's environment value: repeatable options take
// one value a line (and a comma-separated list where a value can never
// contain a comma). An empty variable counts as unset.
func envValues(d *optDef, v string) []string {
	if v == "" {
		return nil
	}
	if !d.repeat {
		return []string{v}
	}
	var out []string
	for _, line := range strings.Split(v, "\n") {
		parts := []string{line}
		if d.commas {
			parts = strings.Split(line, ",")
		}
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "yes", "y", "on":
		return true, nil
	case "0", "f", "false", "no", "n", "off":
		return false, nil
	}
	return false, errors.New("want true or false")
}

func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	d, err := time.ParseDuration(v)
	if err != nil && durationSyntax(v) {
		return 0, errors.New("out of range (at most 2562047h)")
	}
	if err != nil {
		return 0, errors.New("not a duration (examples: 500ms, 10s, 2m)")
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
}

// durationSyntax reports whether v is written as a Go duration (numbers,
// each with a unit), whatever its size: time.ParseDuration's error does not
// tell a typo from a value too large.
func durationSyntax(v string) bool {
	v = strings.TrimLeft(v, "+-")
	if v == "" {
		return false
	}
	isNum := func(c byte) bool { return c >= '0' && c <= '9' || c == '.' }
	for v != "" {
		i := 0
		for i < len(v) && isNum(v[i]) {
			i++
		}
		j := i
		for j < len(v) && !isNum(v[j]) {
			j++
		}
		switch v[i:j] {
		case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
		default:
			return false
		}
		if i == 0 {
			return false
		}
		v = v[j:]
	}
	return true
}

func parseRemap(v string) (from, to int, err error) {
	f, t, ok := strings.Cut(v, ":")
	if !ok {
		return 0, 0, errors.New("want FROM:TO, two exit statuses")
	}
	if from, err = parseStatus(f); err == nil {
		to, err = parseStatus(t)
	}
	return from, to, err
}

func parseStatus(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 255 {
		return 0, fmt.Errorf("%q is not an exit status (0 to 255)", s)
	}
	return n, nil
}
