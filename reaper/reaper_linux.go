package reaper

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxWatched is how many started processes the SIGCHLD handler can keep
// its hands off by pid; with more alive at once, it leaves all reaping to
// Run.
const maxWatched = 64

// Reaper starts processes and reaps every child of the calling process.
// The zero value is not usable; use [New]. Exactly one Reaper may run in a
// process.
type Reaper struct {
	mu      sync.Mutex
	procs   map[int]*Process
	empty   chan struct{} // closed while the process is known to have no children
	isEmpty bool

	orphans atomic.Uint64
}

// New returns a Reaper. Call [Reaper.Run] in a goroutine before relying on
// exits being delivered.
func New() *Reaper {
	return &Reaper{
		procs: make(map[int]*Process),
		empty: make(chan struct{}),
	}
}

// Process is a child started by [Reaper.Start].
type Process struct {
	// Pid is the process id. It stays valid as an identity until Done is
	// closed; after that the kernel may give it to another process.
	Pid int

	r      *Reaper
	done   chan struct{}
	exited func(pid int) // Watch.Exited
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
func (r *Reaper) Orphans() uint64 { return r.orphans.Load() + handlerOrphans() }

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
	return r.StartWatched(argv0, argv, attr, Watch{})
}

// Watch is told of one process's start and end, under the reaper's lock,
// at the two moments its pid is sure to name it.
type Watch struct {
	// Started runs right after the fork, before any exit of the process
	// can be reaped.
	Started func(pid int)
	// Exited runs once the process has exited, right before it is reaped:
	// until Exited returns, the pid cannot be given to another process.
	Exited func(pid int)
}

// StartWatched is Start, with w told of the process's start and end. It
// lets something outside the reaper signal the process by pid without
// ever reaching a process that reused the pid (see signals.Trap.Arm).
func (r *Reaper) StartWatched(argv0 string, argv []string, attr *syscall.ProcAttr, w Watch) (*Process, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	closeGate() // the SIGCHLD handler must not reap the child before it is listed
	pid, err := forkExec(argv0, argv, attr)
	if err != nil {
		setWatched(r.procs)
		return nil, err
	}
	p := &Process{Pid: pid, r: r, done: make(chan struct{}), exited: w.Exited}
	r.procs[pid] = p
	setWatched(r.procs)
	if r.isEmpty {
		r.isEmpty = false
		r.empty = make(chan struct{})
	}
	if w.Started != nil {
		w.Started(pid)
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

// Run collects exits until ctx is done, and returns ctx.Err(). It is the
// only caller of wait4 in the process.
func (r *Reaper) Run(ctx context.Context) error {
	wake, err := listenSIGCHLD()
	if err != nil {
		// Not expected (it takes a pipe and a sigaction); reap on a timer
		// rather than not at all.
		return r.poll(ctx)
	}
	defer wake.close()
	stop := context.AfterFunc(ctx, func() { _ = wake.r.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		r.reap()
		if err := wake.wait(); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// poll reaps every 50 ms until ctx is done.
func (r *Reaper) poll(ctx context.Context) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		r.reap()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// wakeup is a pipe that the signal handler writes to on every SIGCHLD.
type wakeup struct {
	r   *os.File
	rc  syscall.RawConn // of r
	w   int
	buf [512]byte
}

func newWakeup() (*wakeup, error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	w := &wakeup{r: os.NewFile(uintptr(fds[0]), "SIGCHLD"), w: fds[1]}
	rc, err := w.r.SyscallConn()
	if err != nil {
		w.r.Close()
		unix.Close(w.w)
		return nil, err
	}
	w.rc = rc
	return w, nil
}

// wait sleeps in the Go runtime's netpoller until the handler has written
// to the pipe, and empties it.
//
// Every system call on the way is a raw one: a Go system call
// (syscall.Syscall, os.File.Read) wakes the runtime's sysmon thread if it
// is asleep, and sysmon then polls every 20 µs for as long as initd is
// busy. For an init that is woken once per orphan, that was more CPU than
// the reaping itself.
func (w *wakeup) wait() error {
	return w.rc.Read(func(fd uintptr) bool {
		_, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&w.buf[0])), uintptr(len(w.buf)))
		return e != unix.EAGAIN
	})
}

func (w *wakeup) close() {
	stopListening()
	w.r.Close()
	unix.Close(w.w)
}

// reap collects every exited child without blocking, and delivers the
// exits of registered processes.
//
// It looks before it reaps (waitid with WNOWAIT), so that a watched
// process's Exited runs while its pid still names it, and it holds the
// lock Start holds across fork, so that an exit is never reaped before its
// process is registered.
func (r *Reaper) reap() {
	var done []*Process
	empty := false
	r.mu.Lock()
	for {
		pid, err := nextExited()
		if err != nil {
			empty = errors.Is(err, unix.ECHILD)
			break
		}
		if pid == 0 {
			break
		}
		p := r.procs[pid]
		if p != nil && p.exited != nil {
			p.exited(pid)
		}
		var ws unix.WaitStatus
		got, err := wait4(pid, &ws)
		if errors.Is(err, unix.ECHILD) && p == nil {
			continue // an orphan the SIGCHLD handler reaped meanwhile
		}
		if err != nil || got != pid {
			break // not expected: the child was there a moment ago
		}
		if p != nil {
			delete(r.procs, pid)
			p.status = Status{syscall.WaitStatus(ws)}
			p.reaped = true
			done = append(done, p)
		} else {
			r.orphans.Add(1)
		}
	}
	if len(done) > 0 {
		setWatched(r.procs)
	}
	if empty && !r.isEmpty {
		r.isEmpty = true
		close(r.empty)
	}
	r.mu.Unlock()
	for _, p := range done {
		close(p.done)
	}
}

// nextExited returns the pid of a child that has exited, without reaping
// it; 0 if none has.
func nextExited() (int, error) {
	for {
		// Raw system calls (see wakeup.wait); neither blocks.
		var info unix.Siginfo
		_, _, e := unix.RawSyscall6(unix.SYS_WAITID, unix.P_ALL, 0, uintptr(unsafe.Pointer(&info)),
			unix.WEXITED|unix.WNOHANG|unix.WNOWAIT|unix.WALL, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		// si_pid follows si_signo, si_errno, si_code and padding.
		return int(*(*int32)(unsafe.Add(unsafe.Pointer(&info), 16))), nil
	}
}

func wait4(pid int, ws *unix.WaitStatus) (int, error) {
	for {
		got, _, e := unix.RawSyscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(ws)),
			unix.WNOHANG|unix.WALL, 0, 0, 0)
		switch e {
		case 0:
			return int(got), nil
		case unix.EINTR:
			continue
		}
		return 0, e
	}
}
