package main

import (
	"context"
	"os"
	"runtime"
	"syscall"

	"github.com/initd-dev/initd/reaper"
	"github.com/initd-dev/initd/signals"
	"github.com/initd-dev/initd/supervisor"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// supervise runs the start-up steps, COMMAND and everything beside it
// under one supervisor and returns initd's exit status.
func supervise(ctx context.Context, o *options, p *plan, out *outputs, log zerolog.Logger, caught *signals.Catcher) int {
	r := reaper.New()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go r.Run(rctx)
	if os.Getpid() != 1 {
		if err := reaper.SetSubreaper(); err != nil {
			log.Warn().Err(err).Msg("not PID 1 and not a child subreaper: orphaned descendants will not be reaped by initd and may outlive it")
		}
	}
	setPdeathsig(rctx, o.pdeathsig, log, caught)

	st := &started{}
	sup := supervisor.New(supervisor.Config{
		Reaper:      r,
		Signals:     caught.C(),
		Log:         log,
		StopSignal:  o.stopSignal,
		StopDelay:   o.stopDelay,
		Grace:       o.grace,
		Rewrites:    o.rewrites,
		SingleChild: o.singleChild,
		RemapExit:   o.remapExit,
		OnStop:      st.stopCron,
	})
	s := &startup{o: o, p: p, out: out, log: log, sup: sup, st: st}
	code := sup.Run(ctx, s.run)
	st.waitCron()
	st.children.Drain(out.drain.Context())
	st.stopLogs()
	return code
}

// setPdeathsig asks the kernel for sig when initd's parent dies, and acts
// on it at once if the parent is already gone. The kernel keeps the
// setting per thread and forgets it when that thread exits, so it is made
// on a thread kept for the purpose until ctx is done.
func setPdeathsig(ctx context.Context, sig syscall.Signal, log zerolog.Logger, caught *signals.Catcher) {
	if sig == 0 {
		return
	}
	ppid := os.Getppid()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		errc <- unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(sig), 0, 0, 0)
		<-ctx.Done()
	}()
	if err := <-errc; err != nil {
		log.Warn().Err(err).Msg("--pdeathsig: prctl(PR_SET_PDEATHSIG) failed")
		return
	}
	if os.Getppid() != ppid {
		log.Info().Str("signal", signals.Name(sig)).Msg("parent process already gone")
		caught.Inject(sig)
	}
}
