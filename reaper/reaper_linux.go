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
	started chan struct{} // a process was started (for Run, which may wait for one)

	orphans atomic.Uint64
}

// New returns a Reaper. Call [Reaper.Run] in a goroutine before relying on
// exits being delivered.
func New() *Reaper {
	return &Reaper{
		procs:   make(map[int]*Process),
		empty:   make(chan struct{}),
		started: make(chan struct{}, 1),
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
	return p.kill(p.Pid, sig)
}

// SignalGroup sends sig to the process group whose id is the process's pid
// (a process started with SysProcAttr.Setpgid). Like Signal it refuses
// once the leader was reaped: members the leader left behind are reached
// through the process tree instead (see [SignalDescendants]).
func (p *Process) SignalGroup(sig syscall.Signal) error {
	return p.kill(-p.Pid, sig)
}

func (p *Process) kill(pid int, sig syscall.Signal) error {
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	if p.reaped {
		return ErrFinished
	}
	err := unix.Kill(pid, sig)
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
// inherited, and with default dispositions for every signal initd catches.
func (r *Reaper) Start(argv0 string, argv []string, attr *syscall.ProcAttr) (*Process, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, err := forkExec(argv0, argv, attr)
	if err != nil {
		return nil, err
	}
	p := &Process{Pid: pid, r: r, done: make(chan struct{})}
	r.procs[pid] = p
	if r.isEmpty {
		r.isEmpty = false
		r.empty = make(chan struct{})
	}
	select {
	case r.started <- struct{}{}: // wakes Run if it waits for a first child
	default:
	}
	return p, nil
}

// forkExec runs syscall.ForkExec from a thread whose signal mask is empty:
// the child starts with the forking thread's mask, and a thread of initd
// may have inherited blocked signals from initd's parent.
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

// Run collects exits until ctx is done, and returns ctx.Err(). It is the
// only caller of wait4 in the process. It sleeps while no child exits.
//
// While there are children it sleeps in waitid(P_ALL, WEXITED|WNOWAIT),
// which only looks: the kernel wakes it when a child has exited, and the
// reaping happens in reap, under the lock Start holds. SIGCHLD is not
// asked of os/signal then, so an exit costs one wake-up of this goroutine
// rather than two hand-overs through the runtime's signal goroutine. With
// no children at all, waitid cannot wait: Run then waits for a Start, or
// for a SIGCHLD from a child initd adopted meanwhile (a process whose
// parent outside the PID namespace died). Once ctx is done, Run returns
// when it next wakes, without reaping.
func (r *Reaper) Run(ctx context.Context) error {
	chld := make(chan os.Signal, 1)
	for {
		err := waitExited()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			r.reap()
			continue
		}
		// No children (ECHILD; any other error is not expected, and is
		// waited out the same way rather than retried at once): an exit
		// can only follow a Start or an adoption. Ask for SIGCHLD first,
		// then look once more, so that no exit between the two is missed.
		signal.Notify(chld, unix.SIGCHLD)
		if err := waitExitedNow(); err == nil {
			signal.Stop(chld)
			r.reap()
			continue
		}
		r.reap() // records that there are no children
		select {
		case <-ctx.Done():
			signal.Stop(chld)
			return ctx.Err()
		case <-r.started:
		case <-chld:
		}
		signal.Stop(chld)
		drain(chld)
	}
}

// drain empties c of a delivery left from before signal.Stop.
func drain(c chan os.Signal) {
	select {
	case <-c:
	default:
	}
}

// waitExited sleeps until a child has exited, without reaping it.
func waitExited() error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOWAIT|unix.WALL, nil)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// waitExitedNow is waitExited without sleeping: ECHILD when there are no
// children.
func waitExitedNow() error {
	var info unix.Siginfo
	return unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOWAIT|unix.WALL|unix.WNOHANG, nil)
}

// reap collects every exited child without blocking, and delivers the
// exits of registered processes.
func (r *Reaper) reap() {
	var done []*Process
	r.mu.Lock()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG|unix.WALL, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.ECHILD) && !r.isEmpty {
			r.isEmpty = true
			close(r.empty)
		}
		if err != nil || pid <= 0 {
			break
		}
		p := r.procs[pid]
		if p == nil {
			r.orphans.Add(1)
			continue
		}
		delete(r.procs, pid)
		p.status = Status{syscall.WaitStatus(ws)}
		p.reaped = true
		done = append(done, p)
	}
	r.mu.Unlock()
	for _, p := range done {
		close(p.done)
	}
}
