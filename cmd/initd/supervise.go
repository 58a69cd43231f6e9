package main

import (
	"context"
	"errors"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/initd-dev/initd/reaper"
	"github.com/initd-dev/initd/signals"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// supervisor owns COMMAND's lifetime: start, forwarding, the stop sequence
// (delay, stop signal, grace, SIGKILL) and the clean-up of whatever is left
// when COMMAND exits.
type supervisor struct {
	o    *options
	p    *plan
	out  *outputs
	log  zerolog.Logger
	r    *reaper.Reaper
	trap *signals.Trap
	pid1 bool

	// The stop sequence.
	stopping   bool
	stopSig    syscall.Signal // what the stop request sends
	stopSent   bool
	graceStart time.Time
	killed     bool
	delayC     <-chan time.Time
	graceC     <-chan time.Time
	onStop     func() // also told of the stop request (cron)
}

// supervise runs COMMAND (and everything around it) and returns initd's
// exit status.
func supervise(ctx context.Context, o *options, p *plan, out *outputs, log zerolog.Logger, trap *signals.Trap) int {
	ppid := os.Getppid()
	s := &supervisor{
		o:      o,
		p:      p,
		out:    out,
		log:    log,
		r:      reaper.New(),
		trap:   trap,
		pid1:   os.Getpid() == 1,
		onStop: func() {},
	}
	s.setPdeathsig(ctx, ppid)
	if !s.pid1 {
		if err := reaper.SetSubreaper(); err != nil {
			log.Warn().Err(err).Msg("not PID 1 and not a child subreaper: orphaned descendants will not be reaped by initd and may outlive it")
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.r.Run(rctx)

	st, code, ok := s.startup(ctx)
	if !ok {
		return code
	}
	return s.runCommand(ctx, st)
}

// setPdeathsig asks the kernel for o.pdeathsig when initd's parent dies,
// and delivers it at once if the parent is already gone. The kernel keeps
// the setting per thread and forgets it when that thread exits, so it is
// made on a thread kept for the purpose until ctx is done.
func (s *supervisor) setPdeathsig(ctx context.Context, ppid int) {
	if s.o.pdeathsig == 0 {
		return
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		errc <- unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(s.o.pdeathsig), 0, 0, 0)
		<-ctx.Done()
	}()
	if err := <-errc; err != nil {
		s.log.Warn().Err(err).Msg("--pdeathsig: prctl(PR_SET_PDEATHSIG) failed")
		return
	}
	if os.Getppid() != ppid {
		s.log.Info().Str("signal", signals.Name(s.o.pdeathsig)).Msg("parent process already gone")
		s.trap.Deliver(signals.Event{Signal: s.o.pdeathsig})
	}
}

// runCommand starts COMMAND, supervises it until it exits, cleans up the
// rest of the tree and returns the exit status.
func (s *supervisor) runCommand(ctx context.Context, st *started) int {
	if len(s.o.command) == 0 {
		return s.cronOnly(ctx, st)
	}
	p, err := s.start(st)
	if err != nil {
		st.stopLogs()
		var ee *execError
		if errors.As(err, &ee) {
			s.log.Error().Msg(err.Error())
			return ee.code
		}
		s.log.Error().Err(err).Msg("cannot start COMMAND")
		return exitStartup
	}
	s.log.Info().Int("pid", p.Pid).Strs("argv", s.o.command).Msg("started")
	s.startCron(st)
	s.onStop = st.stopCron
	settle := time.AfterFunc(settleDelay, releaseStartupMemory)
	defer settle.Stop()

	s.loop(p)
	status := p.Status()
	st.waitCron()
	s.cleanup()
	st.stopLogs()

	code := status.Code()
	ev := s.log.Info().Int("pid", p.Pid).Str("status", status.String()).Uint64("orphans_reaped", s.r.Orphans())
	if to, ok := s.o.remapExit[code]; ok {
		ev = ev.Int("remapped_from", code)
		code = to
	}
	ev.Int("exit", code).Msg("exited")
	return code
}

// cronOnly runs the cron schedule with no COMMAND until a stop request,
// then stops it and exits 0.
func (s *supervisor) cronOnly(ctx context.Context, st *started) int {
	s.startCron(st)
	s.log.Info().Int("jobs", len(s.p.cronJobs)).Msg("cron only: running the schedule until stopped")
	settle := time.AfterFunc(settleDelay, releaseStartupMemory)
	defer settle.Stop()
	for stop := false; !stop; {
		ev := <-s.trap.Events()
		sig := ev.Signal
		if ev.Self {
			continue
		}
		if _, ok := s.o.rewrites.Apply(sig); ok && s.isStopRequest(sig) {
			s.log.Info().Str("signal", signals.Name(sig)).Dur("grace", s.o.grace).Msg("stop requested")
			stop = true
		}
	}
	s.stopping, s.stopSent, s.graceStart = true, true, time.Now()
	st.waitCron()
	s.cleanup()
	st.stopLogs()
	s.log.Info().Uint64("orphans_reaped", s.r.Orphans()).Int("exit", 0).Msg("exited")
	return 0
}

// start resolves and starts COMMAND in its own process group, in the
// terminal's foreground when initd has one.
func (s *supervisor) start(st *started) (*reaper.Process, error) {
	path, err := lookPath(s.o.command[0], st.env)
	if err != nil {
		return nil, err
	}
	sys := &syscall.SysProcAttr{Setpgid: true, Credential: st.cred}
	if signals.ForegroundTerminal(0) {
		sys.Foreground, sys.Ctty = true, 0
	}
	attr := &syscall.ProcAttr{Env: st.env, Files: []uintptr{0, 1, 2}, Sys: sys}
	s.setActions()
	// The signal handler forwards to COMMAND from the moment it exists
	// until the moment before it is reaped.
	p, err := s.r.StartWatched(path, s.o.command, attr, reaper.Watch{
		Started: func(pid int) { s.trap.Arm(pid, !s.o.singleChild) },
		Exited:  func(int) { s.trap.Disarm() },
	})
	if err != nil {
		return nil, classifyStartError(path, err)
	}
	return p, nil
}

// loop forwards signals and runs the stop sequence until p exits.
func (s *supervisor) loop(p *reaper.Process) {
	for {
		select {
		case <-p.Done():
			return
		case ev := <-s.trap.Events():
			s.onSignal(p, ev)
		case <-s.delayC:
			s.delayC = nil
			s.sendStop(p)
		case <-s.graceC:
			s.graceC = nil
			s.log.Warn().Dur("grace", s.o.grace).Msg("grace period over: killing every remaining process")
			s.killAll(p)
		}
	}
}

// isStopRequest reports whether sig asks initd to stop: TERM, INT or the
// configured stop signal.
func (s *supervisor) isStopRequest(sig syscall.Signal) bool {
	return sig == unix.SIGTERM || sig == unix.SIGINT || sig == s.o.stopSignal
}

// setActions tells the signal handler what to do with each signal in the
// current state of the stop sequence, so that forwarding happens in the
// handler itself, the moment a signal arrives, with no goroutine in the
// way. The loop hears of a signal (an Event) only when it has something to
// do or log about it: stop requests always, the rest at debug level.
func (s *supervisor) setActions() {
	debug := s.log.GetLevel() <= zerolog.DebugLevel
	for sig := syscall.Signal(1); sig <= 64; sig++ {
		if !signals.Forwardable(sig) {
			continue
		}
		a := signals.Action{Report: debug}
		out, ok := s.o.rewrites.Apply(sig)
		switch {
		case !ok: // dropped
		case s.isStopRequest(sig):
			a.Report = true
			if s.stopSent || (!s.stopping && s.o.stopDelay == 0) {
				a.Send = s.stopOut(sig, out)
			}
		default:
			a.Send = out
		}
		s.trap.Set(sig, a)
	}
}

// stopOut is what a stop request sig sends: the stop signal, unless
// --rewrite says otherwise for sig (out).
func (s *supervisor) stopOut(sig, out syscall.Signal) syscall.Signal {
	if _, rewritten := s.o.rewrites[sig]; rewritten {
		return out
	}
	return s.o.stopSignal
}

// onSignal handles a signal the handler reported. ev.Forwarded says the
// handler already sent it on; otherwise (not armed yet, or a stop request
// held back by --stop-delay) the loop decides and sends.
func (s *supervisor) onSignal(p *reaper.Process, ev signals.Event) {
	if ev.Self {
		return
	}
	sig := ev.Signal
	out, ok := s.o.rewrites.Apply(sig)
	if !ok {
		s.log.Debug().Str("signal", signals.Name(sig)).Msg("dropped (--rewrite)")
		return
	}
	if !s.isStopRequest(sig) {
		s.forward(p, out, ev.Forwarded)
		return
	}
	out = s.stopOut(sig, out)
	switch {
	case !s.stopping:
		s.stopping, s.stopSig = true, out
		s.onStop()
		s.log.Info().Str("signal", signals.Name(sig)).Str("stop_signal", signals.Name(out)).
			Dur("delay", s.o.stopDelay).Dur("grace", s.o.grace).Msg("stop requested")
		switch {
		case ev.Forwarded != 0:
			s.stopSent = true
			s.startGrace()
			s.log.Debug().Str("signal", signals.Name(ev.Forwarded)).Int("pid", p.Pid).Bool("group", !s.o.singleChild).Msg("forwarded")
		case s.o.stopDelay > 0:
			s.delayC = time.After(s.o.stopDelay)
		default:
			s.sendStop(p)
		}
	case s.stopSent:
		// Asked again (a second Ctrl-C, say): pass it on; the grace
		// period keeps running from the first request.
		s.forward(p, out, ev.Forwarded)
	}
}

// sendStop sends the stop signal and starts the grace period.
func (s *supervisor) sendStop(p *reaper.Process) {
	s.stopSent = true
	s.setActions() // from now on the handler sends stop requests on
	s.forward(p, s.stopSig, 0)
	s.startGrace()
}

func (s *supervisor) startGrace() {
	s.graceStart = time.Now()
	if s.o.grace > 0 {
		s.graceC = time.After(s.o.grace)
	}
}

// forward delivers sig to COMMAND's process group, or to COMMAND alone
// with --single-child (or when COMMAND left its group), unless the signal
// handler already did (sent).
func (s *supervisor) forward(p *reaper.Process, sig, sent syscall.Signal) {
	if sent != 0 {
		s.log.Debug().Str("signal", signals.Name(sent)).Int("pid", p.Pid).Bool("group", !s.o.singleChild).Msg("forwarded")
		return
	}
	var err error
	if !s.o.singleChild {
		err = p.SignalGroup(sig)
	}
	if s.o.singleChild || errors.Is(err, reaper.ErrFinished) {
		err = p.Signal(sig)
	}
	ev := s.log.Debug()
	if err != nil && !errors.Is(err, reaper.ErrFinished) {
		ev = s.log.Warn().Err(err)
	}
	ev.Str("signal", signals.Name(sig)).Int("pid", p.Pid).Bool("group", !s.o.singleChild).Msg("forwarded")
}

// killAll sends SIGKILL to COMMAND's group and every other descendant.
func (s *supervisor) killAll(p *reaper.Process) {
	s.killed = true
	if p != nil {
		_ = p.SignalGroup(unix.SIGKILL)
	}
	if _, err := reaper.SignalDescendants(unix.SIGKILL); err != nil {
		s.log.Warn().Err(err).Msg("killing remaining processes")
	}
}

// cleanup runs when COMMAND has exited: every remaining descendant gets
// SIGTERM, then SIGKILL when the grace period ends (counted from the stop
// signal if there was one), and initd waits until none is left. A stop
// request meanwhile escalates at once.
func (s *supervisor) cleanup() {
	if s.noChildren() {
		return
	}
	deadline := time.Now().Add(s.o.grace)
	if s.stopSent {
		deadline = s.graceStart.Add(s.o.grace)
	}
	if !s.killed {
		n, err := reaper.SignalDescendants(unix.SIGTERM)
		s.log.Info().Int("signalled", n).AnErr("error", err).Msg("COMMAND exited: sending SIGTERM to the remaining processes")
		var graceC <-chan time.Time
		if s.o.grace > 0 {
			t := time.NewTimer(time.Until(deadline))
			defer t.Stop()
			graceC = t.C
		}
	wait:
		for {
			select {
			case <-s.r.NoChildren():
				return
			case <-graceC:
				s.log.Warn().Msg("grace period over: killing the remaining processes")
				break wait
			case ev := <-s.trap.Events():
				if !ev.Self && s.isStopRequest(ev.Signal) {
					s.log.Info().Str("signal", signals.Name(ev.Signal)).Msg("stop requested during clean-up: killing the remaining processes")
					break wait
				}
			}
		}
	}
	// SIGKILL until nothing is left: children of killed processes are
	// re-parented to initd and need their own SIGKILL.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.killAll(nil)
		select {
		case <-s.r.NoChildren():
			return
		case <-tick.C:
		}
	}
}

func (s *supervisor) noChildren() bool {
	select {
	case <-s.r.NoChildren():
		return true
	default:
		return false
	}
}
