package supervisor

import (
	"strconv"
	"syscall"
	"time"

	"github.com/initd-dev/initd/reaper"
)

// Restart back-off: from firstBackoff, doubling up to maxBackoff; a run
// that lasted resetAfter starts the count again.
const (
	firstBackoff = time.Second
	maxBackoff   = 30 * time.Second
	resetAfter   = 10 * time.Second
)

// onStartup starts what start-up produced, or ends on its error.
func (s *Supervisor) onStartup(r startupResult) {
	if s.ending {
		return // stopped meanwhile: the error is the cancellation
	}
	if r.err != nil {
		s.setStatus(ExitCode(r.err))
		s.end()
		return
	}
	s.launch = r.launch
	if s.launch == nil {
		s.launch = &Launch{}
	}
	if c := s.launch.Command; c != nil {
		c.Role = Command
		pr, err := s.start(c)
		if err != nil {
			s.log.Error().Msg(err.Error())
			s.setStatus(ExitCode(err))
			s.end()
			return
		}
		s.cmd = pr
		s.log.Info().Int("pid", pr.p.Pid).Strs("argv", c.Argv).Msg("started")
	}
	for i := range s.launch.Services {
		spec := &s.launch.Services[i]
		spec.Role = Service
		svc := &service{spec: spec}
		s.services = append(s.services, svc)
		s.startService(svc)
		if s.ending {
			return
		}
	}
	if s.launch.Running != nil {
		s.launch.Running()
	}
	s.checkServicesDone()
}

func (s *Supervisor) startService(svc *service) {
	svc.timer = nil
	pr, err := s.start(svc.spec)
	if err != nil {
		s.log.Error().Str("service", svc.spec.Name).Msg(err.Error())
		svc.done = true
		s.setStatus(ExitCode(err))
		s.end()
		return
	}
	pr.svc, svc.running = svc, pr
	s.log.Info().Str("service", svc.spec.Name).Int("pid", pr.p.Pid).Strs("argv", svc.spec.Argv).Msg("service started")
}

// onExit handles the exit of a process the supervisor started.
func (s *Supervisor) onExit(pr *proc) {
	delete(s.procs, pr)
	stopTimer(pr.kill)
	st := pr.p.Status()
	switch pr.spec.Role {
	case Command:
		s.log.Info().Int("pid", pr.p.Pid).Str("status", st.String()).Msg("COMMAND exited")
		s.setStatus(st.Code())
		s.end()
	case Service:
		s.onServiceExit(pr, st)
	case Hook:
		if pr.bounded {
			s.log.Info().Str("hook", pr.spec.Name).Int("pid", pr.p.Pid).Str("status", st.String()).Msg("hook finished")
		}
		if pr == s.preRunning {
			s.nextPreStop()
		}
	}
}

func (s *Supervisor) onServiceExit(pr *proc, st reaper.Status) {
	svc := pr.svc
	svc.running = nil
	code := st.Code()
	ran := time.Since(pr.started)
	ev := s.log.Info()
	if code != 0 && !s.stopping {
		ev = s.log.Warn()
	}
	ev.Str("service", svc.spec.Name).Int("pid", pr.p.Pid).Str("status", st.String()).Stringer("ran", ran.Round(time.Millisecond)).Msg("service exited")
	if s.stopping || s.ending {
		svc.done = true
		return
	}
	if ran >= resetAfter {
		svc.restarts, svc.backoff = 0, 0
	}
	policy := svc.spec.Restart
	again := policy == RestartAlways || policy == RestartOnFailure && code != 0
	limit := svc.spec.RestartLimit
	if again && (limit == 0 || svc.restarts < limit) {
		svc.restarts++
		svc.backoff = min(max(2*svc.backoff, firstBackoff), maxBackoff)
		attempt := strconv.Itoa(svc.restarts)
		if limit > 0 {
			attempt += " of " + strconv.Itoa(limit)
		}
		s.log.Info().Str("service", svc.spec.Name).Stringer("in", svc.backoff).Str("restart", attempt).Msg("restarting the service (--restart " + policy.String() + ")")
		svc.timer = s.after(svc.backoff, func() {
			if svc.timer != nil && !s.stopping && !s.ending {
				s.startService(svc)
			}
		})
		return
	}
	if again {
		s.log.Warn().Str("service", svc.spec.Name).Int("restarts", svc.restarts).Msg("restart limit reached: the service counts as exited")
	}
	svc.done = true
	if code != 0 {
		s.log.Error().Str("service", svc.spec.Name).Str("status", st.String()).Msg("service failed: stopping everything")
		s.setStatus(code)
		s.end()
		return
	}
	s.checkServicesDone()
}

// checkServicesDone ends initd, with 0, when there is no COMMAND and every
// service is done, unless it is to stay (cron).
func (s *Supervisor) checkServicesDone() {
	if s.ending || s.launch == nil || s.launch.Command != nil || s.launch.Stay {
		return
	}
	for _, svc := range s.services {
		if !svc.done {
			return
		}
	}
	s.log.Info().Msg("every service is done")
	s.setStatus(0)
	s.end()
}

// advance moves the end on once what it waits for has happened: the
// processes initd started are gone, then what they left behind, then the
// finish hooks.
func (s *Supervisor) advance() {
	if !s.ending || len(s.procs) > 0 || s.preRunning != nil || s.done {
		return
	}
	select {
	case <-s.cfg.Reaper.NoChildren():
	default:
		s.leftovers()
		return
	}
	// Everything is gone: the grace period is over for good, and a finish
	// hook has a grace period of its own.
	stopTimer(s.graceTimer)
	stopTimer(s.killTick)
	s.killed = true
	if !s.statusSet {
		s.setStatus(0)
	}
	if s.finish == 0 {
		s.final = s.status
		if to, ok := s.cfg.RemapExit[s.status]; ok {
			s.log.Info().Int("status", s.status).Int("exit", to).Msg("exit status remapped (--remap-exit)")
			s.final = to
		}
	}
	for s.launch != nil && s.finish < len(s.launch.Finish) {
		spec := &s.launch.Finish[s.finish]
		s.finish++
		attr := spec.Attr
		status := "INITD_EXIT_STATUS=" + strconv.Itoa(s.final)
		spec.Attr = func() (*syscall.ProcAttr, func(bool), error) {
			a, done, err := defaultAttr(), func(bool) {}, error(nil)
			if attr != nil {
				a, done, err = attr()
			}
			if err == nil {
				a = withEnv(a, status)
			}
			return a, done, err
		}
		if _, err := s.startBounded(spec, "finish hook"); err == nil {
			return
		}
	}
	stopTimer(s.graceTimer)
	stopTimer(s.killTick)
	stopTimer(s.delayTimer)
	s.done = true
}

// leftovers deals with what the processes initd started left behind:
// SIGTERM once, SIGKILL when the grace period is over, and again every
// killPoll until nothing is left.
func (s *Supervisor) leftovers() {
	if !s.leftoversSent && !s.killed {
		s.leftoversSent = true
		found, err := s.signalTree(syscall.SIGTERM)
		switch {
		case err != nil:
			s.log.Warn().Err(err).Msg("sending SIGTERM to the processes left behind")
		case len(found) > 0:
			s.log.Info().Int("count", len(found)).Str("processes", describe(found)).Msg("sent SIGTERM to the processes left behind")
		}
		if !s.stopSent {
			s.stopSent = true
			s.startGrace()
		}
		return
	}
	if !s.killed || s.killTick != nil {
		return
	}
	if s.noProcWarned && time.Since(s.killedAt) > noProcWait {
		s.log.Warn().Msg("children are left that initd cannot find without /proc: exiting without them")
		s.done = true
		return
	}
	s.killTick = s.after(killPoll, func() {
		s.killTick = nil
		if len(s.procs) == 0 { // not once a finish hook runs
			_, _ = s.signalTree(syscall.SIGKILL)
		}
	})
}
