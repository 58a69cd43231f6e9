package main

import (
	"github.com/initd-dev/initd/cron"
	"github.com/initd-dev/initd/logredirect"
)

// jobLines is where cron jobs' lines of one stream ("stdout" or "stderr")
// go: out itself, each line marked "[NAME] ". With --log-format json, the
// lines a job writes to stderr, which is initd's own stream, become JSON
// events naming the job, so that every line there is JSON; stdout belongs
// to COMMAND and to what initd copies there (tailed files, syslog, jobs'
// stdout), which stay as they are.
func jobLines(o *options, out *logredirect.Output, stream string) cron.Lines {
	if out == nil {
		return nil
	}
	if o.logFormat == "json" && stream == "stderr" {
		return logredirect.NewJSONLines(out, "job", stream)
	}
	return out
}
