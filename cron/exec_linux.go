package cron

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// run starts one run of js through the Starter and follows it to its end:
// output copied line by line, the timeout enforced, the end logged. It
// never waits for the process in any way but the reaper's.
func (r *runner) run(ctx context.Context, js *jobState, seq int, scheduled time.Time) {
	if ctx.Err() != nil {
		return
	}
	log := js.log.With().Int("run", seq).Logger()
	stdout, err := r.out.pipe(r.opts.Stdout, js.Name, 1)
	if err != nil {
		log.Error().Err(err).Msg("cron: run not started")
		return
	}
	stderr, err := r.out.pipe(r.opts.Stderr, js.Name, 2)
	if err != nil {
		stdout.abort()
		log.Error().Err(err).Msg("cron: run not started")
		return
	}
	attr := &syscall.ProcAttr{
		Env:   js.env,
		Files: []uintptr{r.stdin.Fd(), stdout.childFd, stderr.childFd},
		Sys:   &syscall.SysProcAttr{Setpgid: true, Credential: r.opts.Credential},
	}
	start := time.Now()
	p, err := r.opts.Starter.Start(Shell, []string{"sh", "-c", js.Command}, attr)
	stdout.started(err == nil)
	stderr.started(err == nil)
	if err != nil {
		log.Error().Err(fmt.Errorf("start %s -c: %w", Shell, err)).Msg("cron: run not started")
		return
	}
	js.mu.Lock()
	js.lastPid = p.Pid
	js.mu.Unlock()
	log = log.With().Int("pid", p.Pid).Logger()
	log.Info().Time("scheduled", scheduled).Stringer("delay", start.Sub(scheduled).Round(time.Millisecond)).Msg("cron: run started")

	var timeout <-chan time.Time
	if r.opts.Timeout > 0 {
		t := time.NewTimer(r.opts.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-p.Done():
	case <-timeout:
		log.Warn().Stringer("timeout", r.opts.Timeout).Msg("cron: run timed out, stopping it (--cron-timeout)")
		r.opts.Starter.Stop(p)
	}
	// On a stop of initd the Starter stops the run with everything else.
	<-p.Done()
	st := p.Status()
	ev := log.Info()
	if st.Code() != 0 {
		ev = log.Warn()
	}
	ev.Int("code", st.Code()).Str("status", st.String()).Stringer("duration", time.Since(start).Round(time.Millisecond)).
		Msg("cron: run finished")
}

// outputs tracks the goroutines copying job output, so Run can drain them.
type outputs struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	open map[*os.File]struct{}
}

// jobPipe is one of a run's output pipes, or initd's own fd when there is
// no Lines to mark the output.
type jobPipe struct {
	childFd uintptr
	w, rd   *os.File // nil for a direct fd
	sink    io.WriteCloser
	o       *outputs
}

// pipe makes the pipe for the child's fd (1 or 2) whose read end is copied
// into lines with the prefix "[name] ".
func (o *outputs) pipe(lines Lines, name string, fd uintptr) (*jobPipe, error) {
	if lines == nil {
		return &jobPipe{childFd: fd}, nil
	}
	rd, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pipe for fd %d: %w", fd, err)
	}
	// Fd puts the write end into blocking mode, which is what the job
	// expects of its stdout; the read end stays with Go's poller.
	return &jobPipe{childFd: w.Fd(), w: w, rd: rd, sink: lines.Writer("[" + name + "] "), o: o}, nil
}

// started closes the parent's write end and, if the child runs, starts
// copying; otherwise it releases everything.
func (p *jobPipe) started(ok bool) {
	if p.w == nil {
		return
	}
	p.w.Close()
	if !ok {
		p.rd.Close()
		p.sink.Close()
		return
	}
	p.o.mu.Lock()
	if p.o.open == nil {
		p.o.open = make(map[*os.File]struct{})
	}
	p.o.open[p.rd] = struct{}{}
	p.o.mu.Unlock()
	p.o.wg.Go(func() {
		// Read errors end the copy: EOF when the last writer (the job and
		// anything it left behind) closed the pipe, a deadline when Run
		// drains. Write never fails before Close.
		_, _ = io.Copy(p.sink, p.rd)
		p.sink.Close()
		p.o.mu.Lock()
		delete(p.o.open, p.rd)
		p.o.mu.Unlock()
		p.rd.Close()
	})
}

// abort releases a pipe that was made for a run that will not start.
func (p *jobPipe) abort() { p.started(false) }

// drain waits up to d for every copy to reach EOF, then ends the rest; the
// partial last line of each is still written out.
func (o *outputs) drain(d time.Duration) {
	done := make(chan struct{})
	go func() {
		o.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return
	case <-time.After(d):
	}
	o.mu.Lock()
	for f := range o.open {
		_ = f.SetReadDeadline(time.Now())
	}
	o.mu.Unlock()
	<-done
}
