package main

import (
	"fmt"
	"io"
	"strings"
)

const helpHead = `initd - a container's init: PID 1 that forwards signals, reaps zombies,
stops the whole tree gracefully, waits for services, follows logs, renders
templates and runs cron jobs.

Usage:
  initd [OPTIONS] [--] COMMAND [ARG...]     supervise COMMAND
  initd [OPTIONS] --cron ... | --crontab F  run only the cron schedule until stopped
  initd [OPTIONS] --service ... | --service-dir D
                                            run only the services until stopped
  initd wait  [WAIT OPTIONS] TARGET...      block until every TARGET is ready (exit 0, or 124 on timeout)
  initd check [WAIT OPTIONS] TARGET...      probe each TARGET once (exit 0 or 1)
  initd render SRC:DEST...                  render templates once and exit
  initd validate [OPTIONS] [--] [COMMAND]   check the configuration, start nothing (exit 0 or 2)
  initd version | help

Options stop at the first word that is not an option; "--" ends them too
(initd wait and initd check also take options after their targets).
Every option is also read from INITD_<NAME> (--stop-signal = INITD_STOP_SIGNAL);
a flag wins over the variable. Signals: TERM, SIGTERM, sigterm or 15.
Durations: 500ms, 10s, 2m.
`

var groupTitles = []struct{ id, title string }{
	{"process", "Process and signals"},
	{"wait", "Waiting (also the options of initd wait and initd check)"},
	{"logs", "Log redirection"},
	{"cron", "Cron"},
	{"config", "Start-up configuration"},
	{"processes", "Several processes and hooks"},
}

const helpTail = `
Exit status: COMMAND's status N, or 128+S when it was killed by signal S;
126 COMMAND cannot be executed; 127 COMMAND not found; 2 invalid usage or
configuration; 124 a wait timed out; 128+S a stop signal S arrived before
COMMAND started; 1 a start-up step failed, or an init hook exited non-zero;
a service that fails and is not restarted: its status (128+S for a signal).
`

func writeHelp(w io.Writer) {
	var b strings.Builder
	b.WriteString(helpHead)
	defs := optionDefs()
	for _, g := range groupTitles {
		fmt.Fprintf(&b, "\n%s:\n", g.title)
		for _, d := range defs {
			if d.group != g.id {
				continue
			}
			flag := "--" + d.name
			switch d.kind {
			case valueArg:
				flag += " " + d.arg
			case optionalArg:
				flag += d.arg
			}
			fmt.Fprintf(&b, "  %s\n      %s", flag, d.help)
			if d.def != "" {
				fmt.Fprintf(&b, " (default %s)", d.def)
			}
			fmt.Fprintf(&b, " [%s]\n", d.envName())
		}
	}
	b.WriteString(helpTail)
	io.WriteString(w, b.String())
}
