package main

import (
	"errors"
	"strconv"
	"strings"

	"github.com/initd-dev/initd/procspec"
	"github.com/initd-dev/initd/signals"
	"golang.org/x/sys/unix"
)

// optionDefs is the table of every option, in help order.
func optionDefs() []optDef {
	str := func(p func(o *options) *string) func(*options, string) error {
		return func(o *options, v string) error { *p(o) = v; return nil }
	}
	list := func(p func(o *options) *[]string) func(*options, string) error {
		return func(o *options, v string) error {
			if v == "" {
				return errors.New("empty value")
			}
			*p(o) = append(*p(o), v)
			return nil
		}
	}
	flag := func(p func(o *options) *bool) func(*options, string) error {
		return func(o *options, v string) (err error) { *p(o), err = parseBool(v); return err }
	}
	return []optDef{
		// Process and signals.
		{name: "single-child", kind: boolArg, group: "process", set: flag(func(o *options) *bool { return &o.singleChild }),
			help: "forward signals to COMMAND's pid only, not to its whole process group"},
		{name: "stop-signal", kind: valueArg, arg: "SIG", def: "TERM", group: "process",
			help: "signal COMMAND wants for a graceful stop; sent instead of TERM, INT or SIG itself",
			set: func(o *options, v string) error {
				s, err := signals.Parse(v)
				if err == nil && (s == unix.SIGKILL || s == unix.SIGSTOP || !signals.Forwardable(s)) {
					err = errors.New("cannot be a stop signal")
				}
				o.stopSignal = s
				return err
			}},
		{name: "stop-delay", kind: valueArg, arg: "DUR", def: "0", group: "process",
			help: "wait DUR after a stop request before sending the stop signal (load-balancer drain)",
			set:  func(o *options, v string) (err error) { o.stopDelay, err = parseDuration(v); return err }},
		{name: "grace", kind: valueArg, arg: "DUR", def: defaultGrace.String(), group: "process",
			help: "after the stop signal, wait DUR, then SIGKILL every remaining descendant; 0 = never",
			set:  func(o *options, v string) (err error) { o.grace, err = parseDuration(v); return err }},
		{name: "rewrite", kind: valueArg, repeat: true, commas: true, arg: "FROM:TO", group: "process",
			help: "forward signal FROM as TO; TO 0 drops FROM (repeatable)",
			set: func(o *options, v string) error {
				from, to, err := signals.ParseRewrite(v)
				if err != nil {
					return err
				}
				if o.rewrites == nil {
					o.rewrites = signals.Rewrites{}
				}
				o.rewrites[from] = to
				return nil
			}},
		{name: "remap-exit", kind: valueArg, repeat: true, commas: true, arg: "FROM:TO", group: "process",
			help: "exit with TO where the exit status would be FROM (repeatable)",
			set: func(o *options, v string) error {
				from, to, err := parseRemap(v)
				if err != nil {
					return err
				}
				if o.remapExit == nil {
					o.remapExit = map[int]int{}
				}
				o.remapExit[from] = to
				return nil
			}},
		{name: "pdeathsig", kind: valueArg, arg: "SIG", group: "process",
			help: "act as if SIG were received when initd's parent process dies",
			set: func(o *options, v string) error {
				s, err := signals.Parse(v)
				if err == nil && !signals.Forwardable(s) {
					err = errors.New("must be a signal initd can catch (TERM, INT, HUP, ...)")
				}
				o.pdeathsig = s
				return err
			}},
		{name: "log-level", kind: valueArg, arg: "LEVEL", def: "info", group: "process", wait: true,
			help: "initd's own messages: debug, info, warn or error",
			set: func(o *options, v string) error {
				v = strings.ToLower(strings.TrimSpace(v))
				switch v {
				case "debug", "info", "warn", "error":
					o.logLevel = v
					return nil
				}
				return errors.New("want debug, info, warn or error")
			}},
		{name: "log-format", kind: valueArg, arg: "FORMAT", def: "console", group: "process", wait: true,
			help: "initd's own messages: console or json",
			set: func(o *options, v string) error {
				v = strings.ToLower(strings.TrimSpace(v))
				if v != "console" && v != "json" {
					return errors.New("want console or json")
				}
				o.logFormat = v
				return nil
			}},

		// Waiting.
		{name: "wait", kind: valueArg, repeat: true, arg: "TARGET", group: "wait",
			help: "wait until TARGET is ready before starting COMMAND: tcp://HOST:PORT, http(s)://..., unix:///PATH, file:///PATH (repeatable)",
			set:  list(func(o *options) *[]string { return &o.waits })},
		{name: "wait-timeout", kind: valueArg, arg: "DUR", def: defaultWaitTimeout.String(), group: "wait", wait: true,
			help: "deadline for all targets together; 0 = none",
			set:  func(o *options, v string) (err error) { o.waitTimeout, err = parseDuration(v); return err }},
		{name: "wait-interval", kind: valueArg, arg: "DUR", def: defaultWaitInterval.String(), group: "wait", wait: true,
			help: "upper bound of the retry interval (retries back off up to it)",
			set: func(o *options, v string) (err error) {
				o.waitInterval, err = parseDuration(v)
				if err == nil && o.waitInterval == 0 {
					err = errors.New("must be more than 0")
				}
				return err
			}},
		{name: "wait-status", kind: valueArg, arg: "LIST", def: "200-299", group: "wait", wait: true,
			help: "HTTP statuses that count as ready, e.g. 200,204,300-399",
			set:  str(func(o *options) *string { return &o.waitStatus })},
		{name: "wait-header", kind: valueArg, repeat: true, arg: "'NAME: VALUE'", group: "wait", wait: true,
			help: "header sent with every HTTP request; values are never logged (repeatable)",
			set:  list(func(o *options) *[]string { return &o.waitHeaders })},
		{name: "wait-insecure", kind: boolArg, group: "wait", wait: true,
			help: "HTTPS without certificate verification",
			set:  flag(func(o *options) *bool { return &o.waitInsecure })},
		{name: "wait-cacert", kind: valueArg, arg: "FILE", group: "wait", wait: true,
			help: "extra CA certificates (PEM) for HTTPS",
			set:  str(func(o *options) *string { return &o.waitCACert })},

		// Log redirection.
		{name: "tail", kind: valueArg, repeat: true, arg: "PATH", group: "logs",
			help: "copy lines appended to PATH onto stdout, following it by name like tail -F (repeatable)",
			set:  list(func(o *options) *[]string { return &o.tails })},
		{name: "tail-stderr", kind: valueArg, repeat: true, arg: "PATH", group: "logs",
			help: "the same onto stderr (repeatable)",
			set:  list(func(o *options) *[]string { return &o.tailsStderr })},
		{name: "tail-prefix", kind: boolArg, group: "logs",
			help: "prefix every copied line with [NAME], NAME being the file's base name",
			set:  flag(func(o *options) *bool { return &o.tailPrefix })},
		{name: "syslog", kind: optionalArg, arg: "[=PATH]", def: defaultSyslogPath, group: "logs",
			help: "listen on a syslog socket and write each message to stdout as one line; =false turns it off",
			set: func(o *options, v string) error {
				// true/1 and false/0 are switches, not socket names (a
				// socket called false is --syslog=./false).
				if on, err := parseBool(v); err == nil {
					o.syslog = ""
					if on {
						o.syslog = defaultSyslogPath
					}
					return nil
				}
				if v == "" {
					v = defaultSyslogPath
				}
				o.syslog = v
				return nil
			}},

		// Cron.
		{name: "cron", kind: valueArg, repeat: true, arg: "'SCHEDULE COMMAND'", group: "cron",
			help: "run COMMAND with /bin/sh -c on SCHEDULE (5 fields, 6 with seconds first, or @every 30s, @daily...) (repeatable)",
			set:  list(func(o *options) *[]string { return &o.crons })},
		{name: "crontab", kind: valueArg, arg: "FILE", group: "cron",
			help: "a crontab file: one job a line, # comments, NAME=VALUE environment lines",
			set:  str(func(o *options) *string { return &o.crontab })},
		{name: "cron-overlap", kind: valueArg, arg: "skip|allow", def: "skip", group: "cron",
			help: "a job whose previous run is still going: skip the run (and say so) or start it anyway",
			set: func(o *options, v string) error {
				v = strings.ToLower(strings.TrimSpace(v))
				if v != "skip" && v != "allow" {
					return errors.New("want skip or allow")
				}
				o.cronOverlap = v
				return nil
			}},
		{name: "cron-timeout", kind: valueArg, arg: "DUR", def: "0 (none)", group: "cron",
			help: "per-run limit: stop signal, then SIGKILL after the grace period",
			set:  func(o *options, v string) (err error) { o.cronTimeout, err = parseDuration(v); return err }},

		// Start-up configuration.
		{name: "template", kind: valueArg, repeat: true, arg: "SRC:DEST", group: "config",
			help: "render Go text/template SRC (file or directory) to DEST before COMMAND starts (repeatable)",
			set:  list(func(o *options) *[]string { return &o.templates })},
		{name: "env-file", kind: valueArg, repeat: true, arg: "FILE", group: "config",
			help: "NAME=VALUE lines added to COMMAND's environment; the process environment wins (repeatable)",
			set:  list(func(o *options) *[]string { return &o.envFiles })},
		{name: "expand-file-env", kind: boolArg, group: "config",
			help: "for each NAME_FILE=PATH with NAME unset, set NAME to PATH's content (Docker secrets)",
			set:  flag(func(o *options) *bool { return &o.expandFileEnv })},
		{name: "user", kind: valueArg, arg: "USER[:GROUP]", group: "config",
			help: "run COMMAND and cron jobs as this user (names or numeric ids)",
			set: func(o *options, v string) error {
				if strings.TrimSpace(v) == "" {
					return errors.New("empty user")
				}
				o.user = v
				return nil
			}},

		// Several processes and hooks.
		{name: "service", kind: valueArg, repeat: true, arg: "'NAME=COMMAND'", group: "processes",
			help: "run COMMAND (split into words like sh, nothing expanded, no shell) as service NAME beside COMMAND or alone (repeatable; INITD_SERVICE: one a line)",
			set: func(o *options, v string) error {
				s, err := procspec.ParseService(v)
				o.services = append(o.services, s)
				return err
			}},
		{name: "service-dir", kind: valueArg, arg: "DIR", group: "processes",
			help: "every DIR/NAME/run that is an executable file is service NAME (runit, s6, phusion's /etc/service)",
			set:  str(func(o *options) *string { return &o.serviceDir })},
		{name: "restart", kind: valueArg, arg: "no|on-failure|always", def: "no", group: "processes",
			help: "start a service that exited by itself again: never, when its status is not 0, or always (back-off 1s doubling to 30s)",
			set: func(o *options, v string) error {
				v = strings.ToLower(strings.TrimSpace(v))
				if v != "no" && v != "on-failure" && v != "always" {
					return errors.New("want no, on-failure or always")
				}
				o.restart = v
				return nil
			}},
		{name: "restart-limit", kind: valueArg, arg: "N", def: "5", group: "processes",
			help: "give up after N restarts in a row; the service then counts as exited with its last status; 0 = never give up",
			set: func(o *options, v string) error {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || n < 0 {
					return errors.New("want a whole number, 0 or more (0 = never give up)")
				}
				o.restartLimit = n
				return nil
			}},
		{name: "init-dir", kind: valueArg, arg: "DIR", group: "processes",
			help: "before COMMAND and the services, run every executable file in DIR in byte order of names, as initd's own user; a hook adds NAME=VALUE lines to the file named by INITD_HOOK_ENV",
			set:  str(func(o *options) *string { return &o.initDir })},
		{name: "pre-stop", kind: valueArg, repeat: true, arg: "'COMMAND'", group: "processes",
			help: "on a stop request, run COMMAND (split as for --service) to its end before the stop delay and the stop signal; at most the grace period (repeatable)",
			set: func(o *options, v string) error {
				argv, err := procspec.Split(v)
				o.preStop = append(o.preStop, argv)
				return err
			}},
		{name: "finish", kind: valueArg, repeat: true, arg: "'COMMAND'", group: "processes",
			help: "once everything has ended, run COMMAND with INITD_EXIT_STATUS set to initd's exit status; at most the grace period (repeatable)",
			set: func(o *options, v string) error {
				argv, err := procspec.Split(v)
				o.finish = append(o.finish, argv)
				return err
			}}}
}
