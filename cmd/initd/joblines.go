package main

import (
	"github.com/initd-dev/initd/logredirect"
)

// childLines is where the lines of cron jobs and services (field "job" or
// "service") of one stream ("stdout" or "stderr") go: out itself, each line
// marked "[NAME] ". With --log-format json, the lines a child writes to
// stderr, which is initd's own stream, become JSON events naming it, so
// that every line there is JSON; stdout belongs to COMMAND and to what
// initd copies there (tailed files, syslog, children's stdout), which stay
// as they are.
func childLines(o *options, out *logredirect.Output, field, stream string) logredirect.Lines {
	if out == nil {
		return nil
	}
	if o.logFormat == "json" && stream == "stderr" {
		return logredirect.NewJSONLines(out, field, stream)
	}
	return out
}
