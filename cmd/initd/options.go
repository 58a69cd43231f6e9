package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/initd-dev/initd/procspec"
	"github.com/initd-dev/initd/signals"
	"github.com/initd-dev/initd/waitfor"
	"github.com/rs/zerolog"
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

// unknownOption is the error for an option word that is not in the table,
// or not one of this subcommand's: it names the word once, quoted, and the
// closest option there is.
func unknownOption(word, name string, d *optDef, defs []optDef, allow func(*optDef) bool) error {
	if d != nil {
		return usagef("--%s is not an option here: initd wait and initd check take only the waiting and logging options (see initd help)", name)
	}
	var names []string
	for i := range defs {
		if allow(&defs[i]) {
			names = append(names, defs[i].name)
		}
	}
	if near := closest(name, names); near != "" {
		return usagef("unknown option %s: did you mean --%s? (see initd help)", quote(word), near)
	}
	return usagef("unknown option %s (see initd help)", quote(word))
}

// maxQuoted bounds how much of a value a message repeats.
const maxQuoted = 64

// quote returns v as a message shows it: in double quotes with newlines,
// control bytes and invalid UTF-8 escaped (strconv.Quote), so that one
// error stays one line; a value longer than maxQuoted bytes is cut, and its
// length said: "aaaa"… (300 bytes).
func quote(v string) string {
	if len(v) <= maxQuoted {
		return strconv.Quote(v)
	}
	cut := maxQuoted
	for cut > maxQuoted-utf8.UTFMax && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(v[:cut]), len(v))
}

// closest returns the candidate nearest to word when it is near enough to
// be what was meant (a typo or a shortened name), or "".
func closest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(word, c)
		if len(word) >= 4 && strings.HasPrefix(c, word) {
			d = min(d, 1)
		}
		if d <= max(1, len(c)/4) && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the number of single-byte insertions, deletions,
// substitutions and swaps of neighbours that turn a into b.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	// d[i][j] is the distance between a[:i] and b[:j].
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// selfSetVariables are the INITD_* variables initd sets for the processes
// it starts (and the test suite sets for itself), not options: seeing one
// in the environment is no typo.
var selfSetVariables = [...]string{
	"INITD_MEMORY_LIMIT_BYTES", "INITD_CPU_LIMIT", "INITD_EXIT_STATUS", "INITD_HOOK_ENV",
	"INITD_TEST_HELPER", "INITD_BINARY",
}

// unknownVariables returns one warning for each INITD_* variable in env
// (NAME=VALUE entries) that is neither an option's variable nor one initd
// sets itself, with the closest option variable when there is one. Such a
// variable is most likely a typo that would otherwise be ignored silently.
func unknownVariables(env []string) []string {
	defs := optionDefs()
	known := make(map[string]bool, len(defs)+len(selfSetVariables))
	var names []string
	for i := range defs {
		known[defs[i].envName()] = true
		names = append(names, defs[i].envName())
	}
	for _, n := range selfSetVariables {
		known[n] = true
	}
	var warnings []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "INITD_") || known[name] {
			continue
		}
		w := "unknown variable " + quote(name) + " ignored"
		if near := closest(name, names); near != "" {
			w += ": did you mean " + near + "?"
		}
		warnings = append(warnings, w)
	}
	return warnings
}

// warnUnknownVariables logs unknownVariables(env), one warning each.
func warnUnknownVariables(log zerolog.Logger, env []string) {
	for _, w := range unknownVariables(env) {
		log.Warn().Msg(w)
	}
}

// printError writes err to w as initd's message: "initd: " and the error,
// on one line, control characters and invalid UTF-8 escaped (a path or a
// value with a newline in it cannot split it); errors joined with
// errors.Join (validate's bad crontab lines) get one line each.
func printError(w io.Writer, err error) {
	msg := err.Error()
	prefix, parts := "", []string{msg}
	for e := err; e != nil; e = errors.Unwrap(e) {
		j, ok := e.(interface{ Unwrap() []error })
		if !ok {
			continue
		}
		joined := e.Error()
		var ps []string
		for _, p := range j.Unwrap() {
			ps = append(ps, p.Error())
		}
		if strings.Join(ps, "\n") == joined && strings.HasSuffix(msg, joined) {
			prefix, parts = msg[:len(msg)-len(joined)], ps
		}
		break
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("initd: ")
		writeEscaped(&b, prefix+p)
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}

// writeEscaped writes s with control characters and invalid UTF-8 bytes
// escaped as Go would (\n, \t, \x00, \xff) and everything else as it is.
func writeEscaped(b *strings.Builder, s string) {
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(b, "\\x%02x", s[0])
		case r < 0x20 || r == 0x7f:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
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
