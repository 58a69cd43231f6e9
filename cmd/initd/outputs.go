package main

import (
	"io"
	"os"
	"runtime"

	"github.com/initd-dev/initd/logredirect"
	"golang.org/x/sys/unix"
)

// outputs are initd's own stdout and stderr. When lines from other sources
// are copied there (tailed files, syslog, cron jobs, services), everything, initd's
// own log included, goes through one logredirect.Output per stream, so no
// two lines ever mix. Otherwise initd's log is written directly.
//
// A write to a closed pipe fails with EPIPE and never ends initd: the
// signals package catches SIGPIPE.
type outputs struct {
	stdout, stderr *logredirect.Output // nil when nothing is copied
	log            io.Writer           // where initd's own log goes
	drain          *logredirect.Drain  // one deadline for the whole write-out at exit
}

func newOutputs(o *options, p *plan) *outputs {
	out := &outputs{drain: logredirect.NewDrain(logDrain)}
	copying := len(o.tails) > 0 || len(o.tailsStderr) > 0 || o.syslog != "" || len(p.cronJobs) > 0 || len(p.services) > 0
	if !copying {
		out.log = terminalSafe(os.Stderr)
		return out
	}
	out.stdout = logredirect.NewOutput(terminalSafe(os.Stdout))
	out.stderr = logredirect.NewOutput(terminalSafe(os.Stderr))
	out.log = out.stderr.LogWriter()
	return out
}

// close writes out what is queued, within what is left of the drain.
func (out *outputs) close() {
	defer out.drain.Release()
	if out.stdout == nil {
		return
	}
	ctx := out.drain.Context()
	out.stdout.Close(ctx)
	out.stderr.Close(ctx)
}

// terminalSafe returns f, or when f is a terminal a writer that writes to
// it with SIGTTOU blocked on the writing thread.
//
// initd hands its terminal to COMMAND's process group and is from then on
// a background process there. With TOSTOP set (stty tostop) the kernel
// answers a background write with SIGTTOU at the writer's process group
// and a restart of the write, unless the writing thread blocks or ignores
// SIGTTOU: with the signal caught the write would restart forever (a
// SIGTTOU each time), and when initd's group is orphaned (PID 1 of a
// container) it fails with EIO and the line is lost. With the signal
// blocked the write goes through, as it does for tini, which blocks every
// signal. A SIGTTOU sent to initd meanwhile goes to another thread, or
// waits until the write is done, and is forwarded as usual.
func terminalSafe(f *os.File) io.Writer {
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		return f
	}
	return ttyWriter{f}
}

type ttyWriter struct{ f *os.File }

func (w ttyWriter) Write(p []byte) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ttou, old unix.Sigset_t
	ttou.Val[(unix.SIGTTOU-1)/64] = 1 << ((unix.SIGTTOU - 1) % 64)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &ttou, &old); err != nil {
		return w.f.Write(p)
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	return w.f.Write(p)
}
