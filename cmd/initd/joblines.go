package main

import (
	"github.com/initd-dev/initd/cron"
	"github.com/initd-dev/initd/logredirect"
)

// jobLines is where cron jobs' lines of one stream ("stdout" or "stderr")
// go: out itself, each line marked "[NAME] ", or with --log-format json one
// JSON event a line naming the job, so that initd's streams stay JSON.
func jobLines(o *options, out *logredirect.Output, stream string) cron.Lines {
	if out == nil {
		return nil
	}
	if o.logFormat == "json" {
		return logredirect.NewJSONLines(out, "job", stream)
	}
	return out
}
