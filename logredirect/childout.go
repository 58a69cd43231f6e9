package logredirect

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Lines receives lines, each preceded by a prefix; *Output is one, and
// so is a JSON writer ([NewJSONLines]).
type Lines interface {
	Writer(prefix string) io.WriteCloser
}

// ChildOutputs carries the output of child processes (cron job runs,
// services) into Lines through pipes, one pipe per stream per process,
// and keeps track of the copies so that they can be drained at the end.
// The zero value is ready to use.
type ChildOutputs struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	open map[*os.File]struct{}
}

// ChildPipe is one stream of one child: a pipe whose read end is copied
// into Lines, or the child's own descriptor when there are no Lines.
type ChildPipe struct {
	fd    uintptr
	w, rd *os.File // nil for a direct descriptor
	sink  io.WriteCloser
	o     *ChildOutputs
}

// Pipe makes the pipe for a child's descriptor fd (1 or 2) whose read end
// is copied into lines with prefix. With lines nil the child writes to
// initd's own fd directly.
func (o *ChildOutputs) Pipe(lines Lines, prefix string, fd uintptr) (*ChildPipe, error) {
	if lines == nil {
		return &ChildPipe{fd: fd}, nil
	}
	rd, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pipe for fd %d: %w", fd, err)
	}
	// Fd puts the write end into blocking mode, which is what the child
	// expects of its stdout; the read end stays with Go's poller.
	return &ChildPipe{fd: w.Fd(), w: w, rd: rd, sink: lines.Writer(prefix), o: o}, nil
}

// Fd is the descriptor to give the child.
func (p *ChildPipe) Fd() uintptr { return p.fd }

// Started closes the parent's write end and, if the child runs (ok),
// starts copying; otherwise it releases everything. Call it once.
func (p *ChildPipe) Started(ok bool) {
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
		// Read errors end the copy: EOF when the last writer (the child
		// and anything it left behind) closed the pipe, a deadline when
		// Drain gives up. Write never fails before Close.
		_, _ = io.Copy(p.sink, p.rd)
		p.sink.Close()
		p.o.mu.Lock()
		delete(p.o.open, p.rd)
		p.o.mu.Unlock()
		p.rd.Close()
	})
}

// Drain waits until ctx is done for every copy to reach EOF (the child
// and whatever it left behind closed the pipe), then ends the rest; the
// partial last line of each is still written out.
func (o *ChildOutputs) Drain(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		o.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	o.mu.Lock()
	for f := range o.open {
		_ = f.SetReadDeadline(time.Now())
	}
	o.mu.Unlock()
	<-done
}
