package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/initd-dev/initd/logredirect"
	"golang.org/x/sys/unix"
)

// outputs are initd's own stdout and stderr. When lines from other sources
// are copied there (tailed files, syslog, cron jobs), everything, initd's
// own log included, goes through one logredirect.Output per stream, so no
// two lines ever mix. Otherwise initd's log is written directly.
//
// Both write to duplicates of fds 1 and 2: for a failed write to fd 1 or 2
// itself, the Go runtime would end initd with SIGPIPE (os/signal is not
// catching it; initd's own handler is). A SIGPIPE the kernel raises at
// initd for a write to a closed pipe is told apart by the handler and
// never forwarded.
type outputs struct {
	stdout, stderr *logredirect.Output // nil when nothing is copied
	log            io.Writer           // where initd's own log goes
}

func newOutputs(o *options, p *plan) *outputs {
	out := &outputs{}
	copying := len(o.tails) > 0 || len(o.tailsStderr) > 0 || o.syslog != "" || len(p.cronJobs) > 0
	if !copying {
		out.log = &pipeGuard{w: dupFile(2, os.Stderr)}
		return out
	}
	out.stdout = logredirect.NewOutput(dupFile(1, os.Stdout))
	out.stderr = logredirect.NewOutput(dupFile(2, os.Stderr))
	out.log = lineWriter{out.stderr}
	return out
}

// close writes out what is queued, for at most d.
func (out *outputs) close(d time.Duration) {
	if out.stdout == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out.stdout.Close(ctx)
	out.stderr.Close(ctx)
}

// dupFile returns a close-on-exec duplicate of fd, or fallback.
func dupFile(fd int, fallback *os.File) *os.File {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return fallback
	}
	return os.NewFile(uintptr(nfd), fallback.Name())
}

// lineWriter writes each log event (one line) as one whole line.
type lineWriter struct{ o *logredirect.Output }

func (w lineWriter) Write(p []byte) (int, error) {
	line := p
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	w.o.WriteLine("", line)
	return len(p), nil
}
