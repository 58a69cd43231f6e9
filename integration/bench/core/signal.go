package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// signalTarget is the bound on the median round trip through initd
// as a multiple of the round trip straight to the child (the Go child).
const signalTarget = 2.0

// Arguments of the signal children. A Go child answers from os/signal; a
// minimal child blocks SIGUSR1 ("sigchild"), re-executes itself
// ("sigchild-blocked") and answers from a signalfd.
const (
	sigChildGo      = "sigchild-go"
	sigChildStart   = "sigchild"
	sigChildBlocked = "sigchild-blocked"
)

// childKind is one kind of signal child.
type childKind struct {
	name string // for tables
	arg  string // first argument to this program
}

// sigPath is one way of reaching a signal child: straight, or through an
// init that forwards to it.
type sigPath struct {
	kind   int    // index into the child kinds
	via    int    // index into peers, or -1 for straight to the child
	label  string // for tables
	cmd    *exec.Cmd
	target int // the pid the benchmark signals
	rfd    int // read end of the child's stdout
	us     []float64
	// switches counts the init's context switches over the timed pings
	// (the straight path leaves it zero).
	switches int64
}

// benchSignal measures the round trip benchmark -> SIGUSR1 -> (init ->)
// child -> one byte on a pipe -> benchmark, for each kind of child alone
// and behind each init, all interleaved ping by ping in a random order.
// Each init runs with its defaults (initd and dumb-init signal the
// child's process group, tini and catatonit the child).
//
// Two children, because the ratio depends on the denominator: a Go child
// answering through os/signal is what most containers run and is the
// setup the target is judged on (a naive Go init measures about
// 1.8x on it); a minimal child that takes the signal from a signalfd adds
// as little as a process can, which makes the ratio as sensitive to the
// init's own latency as it can be (printed beside, not judged).
func benchSignal(ctx context.Context, log zerolog.Logger, peers []peer, pings int) (string, []targetRow, error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("signal: own binary: %w", err)
	}
	// The Go child first: the target is judged on it.
	childKinds := []childKind{
		{name: "Go child (os/signal)", arg: sigChildGo},
		{name: "minimal child (signalfd)", arg: sigChildStart},
	}
	var paths []*sigPath
	defer func() {
		for _, sp := range paths {
			sp.close()
		}
	}()
	for k, kind := range childKinds {
		for via := -1; via < len(peers); via++ {
			sp := &sigPath{kind: k, via: via, label: "straight to the child"}
			argv := []string{self, kind.arg}
			if via >= 0 {
				sp.label = "through " + peers[via].name
				argv = peers[via].argv(argv...)
			}
			paths = append(paths, sp)
			if err := sp.start(argv); err != nil {
				return "", nil, fmt.Errorf("signal: %s, %s: %w", kind.name, sp.label, err)
			}
		}
	}

	log.Info().Int("pings", pings).Int("paths", len(paths)).Msg("signal round trip")
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const warmup = 200
	for r := 0; r < warmup+pings; r++ {
		if err := ctx.Err(); err != nil {
			return "", nil, fmt.Errorf("signal: %w", err)
		}
		if r == warmup {
			if err := countInitSwitches(paths, -1); err != nil {
				return "", nil, fmt.Errorf("signal: %w", err)
			}
		}
		for _, i := range shuffled(len(paths)) {
			sp := paths[i]
			d, err := sp.ping()
			if err != nil {
				return "", nil, fmt.Errorf("signal: %s, %s: %w", childKinds[sp.kind].name, sp.label, err)
			}
			if r >= warmup {
				sp.us = append(sp.us, float64(d)/float64(time.Microsecond))
			}
		}
	}

	if err := countInitSwitches(paths, 1); err != nil {
		return "", nil, fmt.Errorf("signal: %w", err)
	}

	med := func(kind, via int) float64 {
		for _, sp := range paths {
			if sp.kind == kind && sp.via == via {
				return median(sp.us)
			}
		}
		return 0
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### Signal round trip\n\n")
	fmt.Fprintf(&b, "The benchmark sends SIGUSR1 and times until the child's answer (one byte on a pipe) arrives: "+
		"straight to the child, or to an init (not PID 1, default options) that forwards it. Two children: "+
		"a Go program answering through `os/signal` (what most containers run; the target is judged on it), "+
		"and a minimal one that takes the signal from a signalfd, so that nearly all of the difference is the "+
		"init's. %d round trips per path after %d untimed, all %d paths interleaved ping by ping in a random "+
		"order. The init's context switches per signal (summed over its threads) count the thread wake-ups "+
		"forwarding takes; one is the floor.\n\n", pings, warmup, len(paths))
	fmt.Fprintf(&b, "| child | path | median | p10 | p90 | added to straight (median) | ratio to straight | init's context switches per signal | target | result |\n")
	fmt.Fprintf(&b, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, sp := range paths {
		m, direct := median(sp.us), med(sp.kind, -1)
		target, result := "", ""
		if sp.kind == 0 && sp.via == peerInitd {
			target, result = fmt.Sprintf("≤ %.2f×", signalTarget), verdict(m <= signalTarget*direct)
		}
		perSignal := ""
		if sp.via >= 0 {
			perSignal = fmt.Sprintf("%.2f", float64(sp.switches)/float64(len(sp.us)))
		}
		fmt.Fprintf(&b, "| %s | %s | %.1f µs | %.1f µs | %.1f µs | %+.1f µs | %s | %s | %s | %s |\n",
			childKinds[sp.kind].name, sp.label, m, quantile(sp.us, 0.1), quantile(sp.us, 0.9), m-direct,
			ratio(m, direct), perSignal, target, result)
	}
	direct := med(0, -1)
	cell := func(via int) string {
		return fmt.Sprintf("%s (%.1f µs; minimal child %s)", ratio(med(0, via), direct), med(0, via),
			ratio(med(1, via), med(1, -1)))
	}
	row := targetRow{
		what: fmt.Sprintf("signal round trip through the init to a Go child (median), ratio to straight to it (%.1f µs); "+
			"the minimal child's ratio beside, not judged", direct),
		target: fmt.Sprintf("≤ %.2f×", signalTarget),
		initd:  cell(peerInitd),
		naive:  cell(peerNaive),
		tini:   cell(peerTini),
		ok:     med(0, peerInitd) <= signalTarget*direct,
	}
	return b.String(), []targetRow{row}, nil
}

// countInitSwitches adds sign times the current context switch count of
// every path's init to its switches: -1 before the timed pings, +1 after.
func countInitSwitches(paths []*sigPath, sign int64) error {
	for _, sp := range paths {
		if sp.via < 0 {
			continue
		}
		n, err := contextSwitches(sp.target)
		if err != nil {
			return err
		}
		sp.switches += sign * n
	}
	return nil
}

// start runs argv with its stdout on a fresh blocking pipe, waits for the
// child's ready byte and finds the pid to signal: the process itself when
// it is the child, else the init.
func (sp *sigPath) start(argv []string) error {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return fmt.Errorf("pipe: %w", err)
	}
	sp.rfd = fds[0]
	w := os.NewFile(uintptr(fds[1]), "child stdout")
	sp.cmd = exec.Command(argv[0], argv[1:]...)
	sp.cmd.Stdout = w
	sp.cmd.Stderr = os.Stderr
	err := sp.cmd.Start()
	w.Close()
	if err != nil {
		return err
	}
	sp.target = sp.cmd.Process.Pid
	if err := sp.read(10 * time.Second); err != nil {
		return fmt.Errorf("waiting for the child to be ready: %w", err)
	}
	return nil
}

// ping sends SIGUSR1 and waits for the child's byte.
func (sp *sigPath) ping() (time.Duration, error) {
	t0 := time.Now()
	if err := unix.Kill(sp.target, unix.SIGUSR1); err != nil {
		return 0, fmt.Errorf("kill %d: %w", sp.target, err)
	}
	if err := sp.read(5 * time.Second); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// read waits up to limit for one byte from the child.
func (sp *sigPath) read(limit time.Duration) error {
	pfd := []unix.PollFd{{Fd: int32(sp.rfd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(pfd, int(limit/time.Millisecond))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll child's stdout: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("no answer within %v", limit)
		}
		break
	}
	var b [1]byte
	n, err := unix.Read(sp.rfd, b[:])
	if err != nil || n != 1 {
		return fmt.Errorf("read child's stdout: %d bytes, %v", n, err)
	}
	return nil
}

// close stops the path's processes: SIGTERM to the init or child (an init
// forwards it), SIGKILL if that is not enough.
func (sp *sigPath) close() {
	if sp.cmd == nil || sp.cmd.Process == nil {
		return
	}
	_ = sp.cmd.Process.Signal(unix.SIGTERM)
	done := make(chan struct{})
	go func() { _ = sp.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = sp.cmd.Process.Kill()
		<-done
	}
	unix.Close(sp.rfd)
}

// sigChild is the signal benchmark's child: it writes one byte to stdout
// when ready and then one per SIGUSR1. As "sigchild-go" it takes the
// signal from os/signal like any Go service. Started as "sigchild", it
// blocks SIGUSR1 and re-executes itself: a new Go program's threads all
// keep the signal mask it started with, so as "sigchild-blocked" the
// signal stays pending for its signalfd instead of going to Go's handler.
func sigChild(mode string) int {
	var set unix.Sigset_t
	set.Val[(unix.SIGUSR1-1)/64] |= 1 << ((uint(unix.SIGUSR1) - 1) % 64)
	if mode == sigChildGo {
		c := make(chan os.Signal, 16)
		signal.Notify(c, unix.SIGUSR1)
		one := []byte{'x'}
		if _, err := os.Stdout.Write(one); err != nil {
			return 1
		}
		for range c {
			if _, err := os.Stdout.Write(one); err != nil {
				return 0
			}
		}
	}
	if mode == sigChildStart {
		runtime.LockOSThread()
		if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, nil); err != nil {
			fmt.Fprintln(os.Stderr, "sigchild: block SIGUSR1:", err)
			return 1
		}
		err := unix.Exec("/proc/self/exe", []string{os.Args[0], sigChildBlocked}, os.Environ())
		fmt.Fprintln(os.Stderr, "sigchild: re-exec:", err)
		return 1
	}
	if err := checkBlocked(unix.SIGUSR1); err != nil {
		fmt.Fprintln(os.Stderr, "sigchild:", err)
		return 1
	}
	fd, err := unix.Signalfd(-1, &set, unix.SFD_CLOEXEC)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sigchild: signalfd:", err)
		return 1
	}
	one := []byte{'x'}
	if _, err := unix.Write(1, one); err != nil {
		return 1
	}
	var info [128]byte // one struct signalfd_siginfo
	for {
		if _, err := unix.Read(fd, info[:]); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			fmt.Fprintln(os.Stderr, "sigchild: read signalfd:", err)
			return 1
		}
		if _, err := unix.Write(1, one); err != nil {
			return 0 // the benchmark is gone
		}
	}
}

// checkBlocked makes sure every thread of this process blocks sig, or the
// Go runtime's handler would take it before the signalfd.
func checkBlocked(sig unix.Signal) error {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("list threads: %w", err)
	}
	for _, e := range ents {
		path := "/proc/self/task/" + e.Name() + "/status"
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the thread is gone
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			hex, ok := strings.CutPrefix(line, "SigBlk:")
			if !ok {
				continue
			}
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if err != nil {
				return fmt.Errorf("%s: SigBlk %q: %w", path, hex, err)
			}
			if mask&(1<<(uint(sig)-1)) == 0 {
				return fmt.Errorf("thread %s does not block %v (SigBlk %s)", e.Name(), sig, strings.TrimSpace(hex))
			}
		}
	}
	return nil
}
