package reaper

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Reaper starts processes and reaps every child of the calling process.
// The zero value is not usable; use [New]. Exactly one Reaper may run in a
// process.
type Reaper struct {
	mu      sync.Mutex
	procs   map[int]*Process
	empty   chan struct{} // closed while the process is known to have no children
	isEmpty bool
	kick    chan struct{} // a process was started: wake a parked loop
	started bool          // a process was ever started (guarded by mu)

	orphans atomic.Uint64
	sigchld sigchld // touched by Run's goroutine only
}

// New returns a Reaper. Call [Reaper.Run] in a goroutine before relying on
// exits being delivered.
func New() *Reaper {
	return &Reaper{
		procs: make(map[int]*Process),
		empty: make(chan struct{}),
		kick:  make(chan struct{}, 1),
	}
}

// Process is a child started by [Reaper.Start].
type Process struct {
	// Pid is the process id. It stays valid as an identity until Done is
	// closed; after that the kernel may give it to another process.
	Pid int

	r      *Reaper
	done   chan struct{}
	status Status
	reaped bool // guarded by r.mu
}

// Done is closed when the process has exited and been reaped.
func (p *Process) Done() <-chan struct{} { return p.done }

// Status is the wait status of the process. It is valid once Done is closed.
func (p *Process) Status() Status { return p.status }

// ErrFinished is returned when signalling a process that was already reaped.
var ErrFinished = errors.New("process already finished")

// Signal sends sig to the process alone. It never signals a process that
// was already reaped, so it can never hit a pid the kernel reused.
func (p *Process) Signal(sig syscall.Signal) error {
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	if p.reaped {
		return ErrFinished
	}
	return unix.Kill(p.Pid, sig)
}

// SignalGroup sends sig to the process group whose id is the process's pid
// (a process started with SysProcAttr.Setpgid). The group outlives its
// leader: members left after the leader exited still receive the signal.
// A pid cannot be reused while a group of that id exists, so this never
// reaches an unrelated process.
func (p *Process) SignalGroup(sig syscall.Signal) error {
	err := unix.Kill(-p.Pid, sig)
	if errors.Is(err, unix.ESRCH) {
		return ErrFinished
	}
	return err
}

// Orphans is the number of children reaped that were not started through
// this Reaper (processes re-parented to initd).
func (r *Reaper) Orphans() uint64 { return r.orphans.Load() }

// NoChildren returns a channel that is closed while the process has no
// children at all (the last reap ended with ECHILD). Starting a process
// replaces it with a new, open channel, so call NoChildren again after a
// Start.
func (r *Reaper) NoChildren() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.empty
}

// Start starts a process like syscall.ForkExec (argv0 must be a path; no
// PATH lookup is done) and registers it before any exit can be reaped.
//
// The child starts with an empty signal mask, whatever mask initd itself
// inherited, and with default dispositions for every signal initd handles.
func (r *Reaper) Start(argv0 string, argv []string, attr *syscall.ProcAttr) (*Process, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, err := forkExec(argv0, argv, attr)
	if err != nil {
		return nil, err
	}
	p := &Process{Pid: pid, r: r, done: make(chan struct{})}
	r.procs[pid] = p
	r.started = true
	if r.isEmpty {
		r.isEmpty = false
		r.empty = make(chan struct{})
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
	return p, nil
}

// forkExec runs syscall.ForkExec from a thread whose signal mask is empty:
// the Go runtime gives the child the forking thread's mask, and a thread of
// initd may have inherited blocked signals from initd's parent.
func forkExec(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var empty, old unix.Sigset_t
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &empty, &old); err != nil {
		return 0, err
	}
	pid, err := syscall.ForkExec(argv0, argv, attr)
	_ = unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	return pid, err
}

// Run collects exits until ctx is done. It returns ctx.Err(); because it
// sleeps in the kernel, it notices ctx only when a child exits or when there
// are no children. Run is the only caller of wait4 in the process.
func (r *Reaper) Run(ctx context.Context) error {
	r.sigchld.quiet()
	for ctx.Err() == nil {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOWAIT|unix.WALL, nil)
		switch {
		case err == nil:
			r.reap()
		case errors.Is(err, unix.EINTR):
		case errors.Is(err, unix.ECHILD):
			if r.reap() {
				r.park(ctx)
			}
		default:
			// Not expected from waitid(P_ALL); reap anyway so no exit is
			// lost, and park rather than spin.
			if r.reap() {
				r.park(ctx)
			}
		}
	}
	return ctx.Err()
}

// reap collects every exited child without blocking, delivers the exits of
// registered processes, and reports whether no children are left.
func (r *Reaper) reap() (empty bool) {
	var done []*Process
	r.mu.Lock()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG|unix.WALL, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			empty = errors.Is(err, unix.ECHILD)
			break
		}
		if pid <= 0 {
			break
		}
		if p := r.procs[pid]; p != nil {
			delete(r.procs, pid)
			p.status = Status{syscall.WaitStatus(ws)}
			p.reaped = true
			done = append(done, p)
		} else {
			r.orphans.Add(1)
		}
	}
	if empty && !r.isEmpty {
		r.isEmpty = true
		close(r.empty)
	}
	r.mu.Unlock()
	for _, p := range done {
		close(p.done)
	}
	return empty
}

// park waits, with no children, until a process is started through Start,
// a child appears some other way (SIGCHLD), or ctx is done.
//
// Before the first Start it waits for Start alone: catching SIGCHLD costs a
// round trip to the Go runtime's signal thread, and before initd has started
// anything no process of its tree can exist to become its child.
func (r *Reaper) park(ctx context.Context) {
	r.mu.Lock()
	started := r.started
	r.mu.Unlock()
	if !started {
		select {
		case <-r.kick:
		case <-ctx.Done():
		}
		return
	}
	sigc := make(chan os.Signal, 1)
	r.sigchld.listen()
	signal.Notify(sigc, unix.SIGCHLD)
	defer r.sigchld.quiet()
	defer signal.Stop(sigc)
	// A child may have appeared and exited between ECHILD and Notify.
	if !r.reap() {
		return
	}
	select {
	case <-r.kick:
	case <-sigc:
	case <-ctx.Done():
	}
}
