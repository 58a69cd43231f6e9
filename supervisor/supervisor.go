package supervisor

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/initd-dev/initd/reaper"
	"github.com/initd-dev/initd/signals"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// Config is what the supervisor needs to know; the zero value of each
// field is a sensible default except Reaper and Signals.
type Config struct {
	// Reaper starts every process and delivers its exit. Required; Run
	// does not run it.
	Reaper *reaper.Reaper
	// Signals are the signals initd caught (signals.Catcher.C). Required.
	Signals <-chan os.Signal
	Log     zerolog.Logger

	// StopSignal is what a graceful stop sends (default SIGTERM);
	// SIGTERM, SIGINT and StopSignal itself received are stop requests.
	StopSignal syscall.Signal
	// StopDelay is waited after a stop request (and its pre-stop hooks)
	// before the stop signal is sent.
	StopDelay time.Duration
	// Grace is how long processes get after the stop signal before
	// SIGKILL; 0 never escalates. It also bounds each pre-stop and
	// finish hook.
	Grace time.Duration
	// Rewrites change or drop signals before they are forwarded.
	Rewrites signals.Rewrites
	// SingleChild forwards to COMMAND's pid only, not to its group.
	SingleChild bool
	// RemapExit maps the exit status Run would return to another.
	RemapExit map[int]int
	// OnStop is called once, in the loop, when the end begins (a stop
	// request, COMMAND's exit, a failed service): cron stops scheduling.
	OnStop func()
}

// Launch is what start-up produced: the processes to run.
type Launch struct {
	// Command is COMMAND; nil to run services (or cron) only.
	Command *Spec
	// Services run beside COMMAND.
	Services []Spec
	// PreStop hooks run, one at a time, on a stop request before the stop
	// signal; Finish hooks once everything has ended, with
	// INITD_EXIT_STATUS set.
	PreStop, Finish []Spec
	// Stay keeps initd running, when there is no COMMAND and every
	// service is done, until a stop request (cron jobs are scheduled).
	Stay bool
	// Running is called in the loop once COMMAND and the services have
	// started (cron starts scheduling).
	Running func()
}

// ErrStopping is returned by Start once the end has begun: nothing new
// starts then, but pre-stop and finish hooks.
var ErrStopping = errors.New("initd is stopping: nothing new is started")

// killPoll is how often, after the grace period, what is left is killed
// again: the children of killed processes are re-parented to initd and
// need their own SIGKILL.
const killPoll = 20 * time.Millisecond

// noProcWait bounds the wait for leftovers after their SIGKILL when /proc
// cannot be read: initd cannot find processes that left the groups it
// started.
const noProcWait = 2 * time.Second

// Supervisor runs processes and stops them; see the package doc. Make one
// with [New] and call [Supervisor.Run] once.
type Supervisor struct {
	cfg Config
	log zerolog.Logger

	reqs    chan any    // startReq, stopReq: from other goroutines
	exits   chan *proc  // a started process was reaped
	timers  chan func() // timer callbacks, run in the loop
	startup chan startupResult
	closed  chan struct{} // closed when Run returns

	// Everything below is the loop's alone.
	procs    map[*proc]struct{}
	groups   []int // every process group started, for the no-/proc fallback
	launch   *Launch
	cmd      *proc
	services []*service

	cancelStartup context.CancelFunc
	stopping      bool // a stop request began the stop sequence
	ending        bool // the end began: nothing new starts
	stopSig       syscall.Signal
	stopSent      bool
	graceStart    time.Time
	graceTimer    *time.Timer
	killed        bool
	killedAt      time.Time
	killTick      *time.Timer
	leftoversSent bool
	noProcWarned  bool
	onStopCalled  bool
	preStop       int   // next pre-stop hook
	preRunning    *proc // the pre-stop hook running
	delayTimer    *time.Timer
	finish        int // next finish hook
	status        int
	statusSet     bool
	final         int
	done          bool
}

type proc struct {
	spec     *Spec
	p        *reaper.Process
	started  time.Time
	svc      *service // for services
	stopSent bool     // the stop signal was sent to it
	bounded  bool     // a pre-stop or finish hook: its own grace
	kill     *time.Timer
}

type service struct {
	spec     *Spec
	running  *proc
	restarts int // restarts in a row
	backoff  time.Duration
	timer    *time.Timer
	done     bool
}

type startReq struct {
	spec  Spec
	reply chan startReply
}

type startReply struct {
	p   *reaper.Process
	err error
}

type stopReq struct{ p *reaper.Process }

type startupResult struct {
	launch *Launch
	err    error
}

// New returns a Supervisor for cfg.
func New(cfg Config) *Supervisor {
	if cfg.StopSignal == 0 {
		cfg.StopSignal = unix.SIGTERM
	}
	if cfg.OnStop == nil {
		cfg.OnStop = func() {}
	}
	return &Supervisor{
		cfg:     cfg,
		log:     cfg.Log,
		reqs:    make(chan any),
		exits:   make(chan *proc),
		timers:  make(chan func()),
		startup: make(chan startupResult, 1),
		closed:  make(chan struct{}),
		procs:   make(map[*proc]struct{}),
	}
}

// Run runs startup in a goroutine while it watches for a stop request,
// then starts what startup returned and supervises it until everything
// has ended; it returns initd's exit status.
//
// startup may call [Supervisor.RunHook] and [Supervisor.Start]. Its ctx
// is cancelled by a stop request; Run does not wait for it to return
// then. An error from startup (which logs it) ends Run with [ExitCode] of
// the error.
func (s *Supervisor) Run(ctx context.Context, startup func(ctx context.Context) (*Launch, error)) int {
	defer close(s.closed)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.cancelStartup = cancel
	go func() {
		l, err := startup(sctx)
		s.startup <- startupResult{l, err}
	}()
	ctxDone := ctx.Done()
	for !s.done {
		var noChildren <-chan struct{}
		if s.ending && len(s.procs) == 0 && s.preRunning == nil {
			noChildren = s.cfg.Reaper.NoChildren()
		}
		select {
		case sig := <-s.cfg.Signals:
			if sig, ok := sig.(syscall.Signal); ok {
				s.onSignal(sig)
			}
		case <-ctxDone:
			ctxDone = nil
			s.onSignal(unix.SIGTERM)
		case pr := <-s.exits:
			s.onExit(pr)
		case req := <-s.reqs:
			s.onRequest(req)
		case f := <-s.timers:
			f()
		case r := <-s.startup:
			s.onStartup(r)
		case <-noChildren:
		}
		s.advance()
	}
	s.log.Info().Uint64("orphans_reaped", s.cfg.Reaper.Orphans()).Int("exit", s.final).Msg("exited")
	return s.final
}

// Start starts spec (a hook or a job) on behalf of another goroutine; the
// supervisor signals it on stop like everything else. It returns
// ErrStopping once the end has begun.
func (s *Supervisor) Start(spec Spec) (*reaper.Process, error) {
	reply := make(chan startReply, 1)
	select {
	case s.reqs <- startReq{spec, reply}:
	case <-s.closed:
		return nil, ErrStopping
	}
	r := <-reply
	return r.p, r.err
}

// RunHook runs spec to its end and returns how it ended. A stop request
// meanwhile stops it with the rest.
func (s *Supervisor) RunHook(spec Spec) (reaper.Status, error) {
	spec.Role = Hook
	p, err := s.Start(spec)
	if err != nil {
		return reaper.Status{}, err
	}
	<-p.Done()
	return p.Status(), nil
}

// Jobs is the supervisor as cron's Starter: each job run is a process of
// the Job role.
func (s *Supervisor) Jobs() JobStarter { return JobStarter{s} }

// JobStarter starts and stops cron job runs through a Supervisor.
type JobStarter struct{ s *Supervisor }

// Start starts one run of a job.
func (j JobStarter) Start(argv0 string, argv []string, attr *syscall.ProcAttr) (*reaper.Process, error) {
	return j.s.Start(Spec{Role: Job, Path: argv0, Argv: argv, Attr: func() (*syscall.ProcAttr, func(bool), error) {
		return attr, nil, nil
	}})
}

// Stop stops one run (see [Supervisor.Stop]).
func (j JobStarter) Stop(p *reaper.Process) { j.s.Stop(p) }

// Stop runs the stop sequence for p alone: the stop signal to its process
// group, SIGKILL of the group when the grace period ends. It does not
// wait.
func (s *Supervisor) Stop(p *reaper.Process) {
	select {
	case s.reqs <- stopReq{p}:
	case <-s.closed:
	}
}

// after runs f in the loop after d.
func (s *Supervisor) after(d time.Duration, f func()) *time.Timer {
	return time.AfterFunc(d, func() {
		select {
		case s.timers <- f:
		case <-s.closed:
		}
	})
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

func (s *Supervisor) onRequest(req any) {
	switch req := req.(type) {
	case startReq:
		if s.ending || s.stopping {
			req.reply <- startReply{err: ErrStopping}
			return
		}
		spec := req.spec
		pr, err := s.start(&spec)
		if err != nil {
			req.reply <- startReply{err: err}
			return
		}
		req.reply <- startReply{p: pr.p}
	case stopReq:
		for pr := range s.procs {
			if pr.p == req.p && !pr.stopSent {
				s.stopOne(pr, s.cfg.StopSignal)
				return
			}
		}
	}
}

// start starts spec through the reaper and adds it to the set.
func (s *Supervisor) start(spec *Spec) (*proc, error) {
	var attr *syscall.ProcAttr
	var done func(bool)
	if spec.Attr != nil {
		var err error
		if attr, done, err = spec.Attr(); err != nil {
			return nil, err
		}
	}
	if attr == nil {
		attr = defaultAttr()
	}
	if attr.Sys == nil {
		attr.Sys = &syscall.SysProcAttr{}
	}
	attr.Sys.Setpgid = true
	p, err := s.cfg.Reaper.Start(spec.Path, spec.Argv, attr)
	if done != nil {
		done(err == nil)
	}
	if err != nil {
		return nil, startError(spec.Path, attr.Env, err)
	}
	pr := &proc{spec: spec, p: p, started: time.Now()}
	s.procs[pr] = struct{}{}
	s.groups = append(s.groups, p.Pid)
	go func() {
		<-p.Done()
		select {
		case s.exits <- pr:
		case <-s.closed:
		}
	}()
	return pr, nil
}

// defaultAttr is a Spec's attributes when it gives none: initd's
// environment and its descriptors 0, 1 and 2.
func defaultAttr() *syscall.ProcAttr {
	return &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}}
}

// withEnv returns attr with kv added to a copy of its environment (attr
// nil: the default attributes).
func withEnv(attr *syscall.ProcAttr, kv string) *syscall.ProcAttr {
	if attr == nil {
		attr = defaultAttr()
	}
	a := *attr
	a.Env = append(append([]string(nil), attr.Env...), kv)
	return &a
}

func (s *Supervisor) setStatus(code int) {
	if !s.statusSet {
		s.status, s.statusSet = code, true
	}
}

func (s *Supervisor) callOnStop() {
	if !s.onStopCalled {
		s.onStopCalled = true
		s.cfg.OnStop()
	}
}
