package supervisor

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/initd-dev/initd/reaper"
	"github.com/initd-dev/initd/signals"
	"golang.org/x/sys/unix"
)

// isStopRequest reports whether receiving sig asks initd to stop.
func (s *Supervisor) isStopRequest(sig syscall.Signal) bool {
	return sig == unix.SIGTERM || sig == unix.SIGINT || sig == s.cfg.StopSignal
}

// stopOut is what the stop request sig sends: the stop signal, unless
// --rewrite says otherwise for sig (out).
func (s *Supervisor) stopOut(sig, out syscall.Signal) syscall.Signal {
	if _, rewritten := s.cfg.Rewrites[sig]; rewritten {
		return out
	}
	return s.cfg.StopSignal
}

// onSignal handles one caught signal.
func (s *Supervisor) onSignal(sig syscall.Signal) {
	if !signals.Forwardable(sig) {
		// SIGPIPE: most likely initd's own write to a closed pipe.
		s.log.Debug().Str("signal", signals.Name(sig)).Msg("not forwarded")
		return
	}
	out, ok := s.cfg.Rewrites.Apply(sig)
	if !ok {
		s.log.Debug().Str("signal", signals.Name(sig)).Msg("dropped (--rewrite)")
		return
	}
	if !s.isStopRequest(sig) {
		s.forward(out)
		return
	}
	out = s.stopOut(sig, out)
	switch {
	case s.launch == nil && !s.ending:
		// Start-up has not handed over anything to run yet.
		s.log.Info().Str("signal", signals.Name(sig)).Msg("stop requested before COMMAND started")
		s.setStatus(128 + int(sig))
		s.stopSig = out
		s.end()
	case !s.stopping && !s.ending:
		s.log.Info().Str("signal", signals.Name(sig)).Str("stop_signal", signals.Name(out)).
			Stringer("delay", s.cfg.StopDelay).Stringer("grace", s.cfg.Grace).Msg("stop requested")
		s.stopping, s.ending, s.stopSig = true, true, out
		s.cancelStartup()
		if s.launch.Command == nil {
			s.setStatus(0)
		}
		s.callOnStop()
		s.cancelRestarts()
		s.nextPreStop()
	case s.ending && len(s.procs) == 0:
		s.log.Info().Str("signal", signals.Name(sig)).Msg("stop requested again during clean-up: killing the remaining processes")
		s.killAll()
	case s.stopSent:
		// Asked again (a second Ctrl-C): pass it on; the grace period
		// keeps running from the first request.
		for pr := range s.procs {
			if pr.stopSent {
				s.signal(pr, out)
			}
		}
	default:
		s.log.Debug().Str("signal", signals.Name(sig)).Msg("stop already under way")
	}
}

// forward passes a signal on to COMMAND and every service, each in its
// own process group.
func (s *Supervisor) forward(sig syscall.Signal) {
	n := 0
	for pr := range s.procs {
		if pr.spec.Role == Command || pr.spec.Role == Service {
			s.signal(pr, sig)
			n++
		}
	}
	if n == 0 {
		s.log.Debug().Str("signal", signals.Name(sig)).Msg("nobody to forward to: dropped")
	}
}

// signal sends sig to pr's process group (COMMAND's pid alone with
// SingleChild), never after pr was reaped.
func (s *Supervisor) signal(pr *proc, sig syscall.Signal) {
	var err error
	group := !(s.cfg.SingleChild && pr.spec.Role == Command)
	if group {
		err = pr.p.SignalGroup(sig)
	} else {
		err = pr.p.Signal(sig)
	}
	ev := s.log.Debug()
	if err != nil && !errors.Is(err, reaper.ErrFinished) {
		ev = s.log.Warn().Err(err)
	}
	ev.Str("signal", signals.Name(sig)).Int("pid", pr.p.Pid).Bool("group", group).Str("to", pr.spec.label()).Msg("forwarded")
}

// nextPreStop starts the next pre-stop hook, or, when none is left, goes
// on with the stop delay and the stop signal.
func (s *Supervisor) nextPreStop() {
	s.preRunning = nil
	for s.launch != nil && s.preStop < len(s.launch.PreStop) {
		spec := &s.launch.PreStop[s.preStop]
		s.preStop++
		pr, err := s.startBounded(spec, "pre-stop hook")
		if err == nil {
			s.preRunning = pr
			return
		}
	}
	if s.cfg.StopDelay > 0 {
		s.delayTimer = s.after(s.cfg.StopDelay, s.sendStop)
		return
	}
	s.sendStop()
}

// startBounded starts a pre-stop or finish hook, which gets at most the
// grace period.
func (s *Supervisor) startBounded(spec *Spec, what string) (*proc, error) {
	spec.Role = Hook
	pr, err := s.start(spec)
	if err != nil {
		s.log.Error().Err(err).Str("hook", spec.Name).Msg(what + " not started")
		return nil, err
	}
	pr.bounded = true
	s.log.Info().Str("hook", spec.Name).Int("pid", pr.p.Pid).Msg(what + " started")
	if s.cfg.Grace > 0 {
		pr.kill = s.after(s.cfg.Grace, func() {
			if _, live := s.procs[pr]; live {
				s.log.Warn().Str("hook", spec.Name).Stringer("grace", s.cfg.Grace).Msg(what + " still running after the grace period: SIGKILL")
				_ = pr.p.SignalGroup(unix.SIGKILL)
			}
		})
	}
	return pr, nil
}

// sendStop sends the stop signal to everything running and starts the
// grace period.
func (s *Supervisor) sendStop() {
	if s.stopSent {
		return
	}
	s.stopSent = true
	for pr := range s.procs {
		if !pr.bounded && !pr.stopSent {
			pr.stopSent = true
			s.signal(pr, s.stopSig)
		}
	}
	s.startGrace()
}

func (s *Supervisor) startGrace() {
	s.graceStart = time.Now()
	if s.cfg.Grace > 0 {
		s.graceTimer = s.after(s.cfg.Grace, func() {
			if !s.killed {
				s.log.Warn().Stringer("grace", s.cfg.Grace).Msg("grace period over")
				s.killAll()
			}
		})
	}
}

// stopOne stops one process: the stop signal to its group, SIGKILL of
// the group after the grace period.
func (s *Supervisor) stopOne(pr *proc, sig syscall.Signal) {
	pr.stopSent = true
	s.signal(pr, sig)
	if s.cfg.Grace > 0 {
		pr.kill = s.after(s.cfg.Grace, func() {
			if _, live := s.procs[pr]; live {
				s.log.Warn().Str("to", pr.spec.label()).Int("pid", pr.p.Pid).Stringer("grace", s.cfg.Grace).Msg("still running after the grace period: SIGKILL")
				_ = pr.p.SignalGroup(unix.SIGKILL)
			}
		})
	}
}

// end begins the end without a stop request (COMMAND exited, a service
// failed for good, start-up failed or was stopped): nothing new starts,
// and everything running gets the stop signal, unless a stop sequence is
// already under way.
func (s *Supervisor) end() {
	if s.ending {
		return
	}
	s.ending = true
	s.cancelStartup()
	s.callOnStop()
	s.cancelRestarts()
	if s.stopping {
		return // the stop sequence goes on: hooks, delay, stop signal
	}
	if s.stopSig == 0 {
		s.stopSig = s.cfg.StopSignal
	}
	s.stopping = true
	s.sendStop()
}

func (s *Supervisor) cancelRestarts() {
	for _, svc := range s.services {
		if svc.timer != nil {
			svc.timer.Stop()
			svc.timer = nil
			svc.done = true
		}
	}
}

// killAll sends SIGKILL to every process initd started and to every other
// descendant, and says which.
func (s *Supervisor) killAll() {
	if !s.killed {
		s.killed, s.killedAt = true, time.Now()
	}
	killed, err := s.signalTree(unix.SIGKILL)
	for pr := range s.procs {
		// The groups too, for what /proc did not show.
		_ = pr.p.SignalGroup(unix.SIGKILL)
	}
	if len(killed) > 0 {
		s.log.Warn().Int("count", len(killed)).Str("processes", describe(killed)).Msg("killed (SIGKILL) the remaining processes")
	} else if err != nil {
		s.log.Warn().Err(err).Msg("killing the remaining processes")
	}
}

// signalTree signals every descendant; without /proc (as a subreaper) it
// falls back to the process groups initd started, and warns once.
func (s *Supervisor) signalTree(sig syscall.Signal) ([]reaper.Descendant, error) {
	found, err := reaper.SignalDescendants(sig)
	if !errors.Is(err, reaper.ErrNoProc) {
		return found, err
	}
	if !s.noProcWarned {
		s.noProcWarned = true
		s.log.Warn().Err(err).Msg("falling back to the process groups initd started: processes that left them (setsid) cannot be found and may outlive initd")
	}
	for _, pgid := range s.groups {
		// The fallback signals groups whose leader may have been reaped
		// (see the package doc).
		if unix.Kill(-pgid, sig) == nil {
			found = append(found, reaper.Descendant{Pid: -pgid})
		}
	}
	return found, nil
}

func describe(ds []reaper.Descendant) string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteString(", ")
		}
		if d.Pid < 0 {
			b.WriteString("group " + strconv.Itoa(-d.Pid))
			continue
		}
		b.WriteString(d.String())
	}
	return b.String()
}
