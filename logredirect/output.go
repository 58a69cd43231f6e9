package logredirect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
)

// DefaultQueueLimit is the number of bytes an [Output] queues while its
// destination does not accept writes, before lossy sources start to drop
// lines. It is well above the 1 MiB a single long line may need.
const DefaultQueueLimit = 8 << 20

// pipeBuf is PIPE_BUF on Linux: a write of at most this many bytes to a
// pipe is atomic, so it is never mixed with a write of the command, which
// shares initd's stdout. Batches of whole lines are kept within it; a longer
// line is written alone, still in one write call.
const pipeBuf = 4096

// ErrClosed is returned by [Output.WriteLineWait] once the Output is closed.
var ErrClosed = errors.New("logredirect: output closed")

// OutputOption configures an [Output].
type OutputOption func(*outputConfig)

type outputConfig struct {
	limit        int
	onBrokenPipe func()
	onWriteError func(error)
}

// WithQueueLimit sets how many bytes may wait for the destination before
// [Output.WriteLine] drops lines and [Output.WriteLineWait] waits. A single
// line longer than the limit is still accepted when nothing else is queued.
// Values below 1 mean [DefaultQueueLimit].
func WithQueueLimit(bytes int) OutputOption {
	return func(c *outputConfig) {
		if bytes > 0 {
			c.limit = bytes
		}
	}
}

// WithOnBrokenPipe sets a function called once, from the goroutine that
// was writing (the Output's own or a Follower's), when a write fails with
// EPIPE and the Output stops writing. (initd itself no longer needs it:
// its signal handler tells its own SIGPIPE apart by the sender.)
func WithOnBrokenPipe(f func()) OutputOption {
	return func(c *outputConfig) { c.onBrokenPipe = f }
}

// WithOnWriteError sets a function called, from the goroutine that was
// writing, for every failed write other than EPIPE. The lines of that
// write are counted as dropped; later writes are tried again. The function
// may log through the same Output with WriteLine (which never waits), but
// must not call WriteLineWait on it: that could wait for room that only
// the calling goroutine can make.
func WithOnWriteError(f func(error)) OutputOption {
	return func(c *outputConfig) { c.onWriteError = f }
}

// Output is the single writer of one destination (initd's stdout or
// stderr). It serializes whole lines from any number of sources: each line
// reaches the destination in one write(2), alone or batched with other whole
// lines, never split and never mixed with another line. Writes happen on a
// goroutine of the Output's own, so a destination that blocks never blocks
// a caller of [Output.WriteLine]. (A [Follower], which may wait, writes its
// own batches when nobody else is writing, saving a goroutine switch per
// batch; the order of writes is the same either way.)
//
// All methods are safe for concurrent use.
type Output struct {
	w    io.Writer
	cfg  outputConfig
	wake chan struct{} // capacity 1: "the queue is not empty or closing"
	done chan struct{} // closed when the writer goroutine has returned

	dropped atomic.Uint64

	mu       sync.Mutex
	queue    []byte        // whole lines, each ending in '\n'
	ends     []int         // end offset of each line in queue
	room     chan struct{} // closed (and replaced) whenever queue is emptied
	unmarked uint64        // lines dropped since the last "dropped" marker line
	closed   bool
	broken   bool
	// writing is the right to write to w: held by the writer goroutine, or
	// by a Follower that writes its lines itself to save a goroutine
	// switch per batch (see flushNow). Only its holder uses spare.
	writing   bool
	spare     []byte
	spareEnds []int
}

// NewOutput returns an Output writing to w and starts its writer goroutine.
// Call [Output.Close] to flush and stop it.
func NewOutput(w io.Writer, opts ...OutputOption) *Output {
	cfg := outputConfig{limit: DefaultQueueLimit}
	for _, opt := range opts {
		opt(&cfg)
	}
	o := &Output{
		w:    w,
		cfg:  cfg,
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
		room: make(chan struct{}),
	}
	go o.run()
	return o
}

// WriteLine queues prefix+line+"\n" and returns at once. line is the line
// without its newline; it is copied, so the caller may reuse it. When the
// queue is full (the destination is stuck), the output is broken or
// closed, the line is dropped and counted: sources that a child process
// would block on (syslog, pipes) must never wait for stdout.
func (o *Output) WriteLine(prefix string, line []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed || o.broken {
		o.dropped.Add(1)
		return
	}
	if !o.fits(len(prefix) + len(line) + 1) {
		o.dropped.Add(1)
		o.unmarked++
		return
	}
	o.appendLine(prefix, line, true)
}

// WriteLineWait queues prefix+line+"\n" like [Output.WriteLine], but when
// the queue is full it waits for room instead of dropping (back-pressure),
// until ctx is done. It is for sources that can safely lag behind, such as
// files on disk. It returns ctx's error if ctx ends first and [ErrClosed]
// after Close; a broken output discards the line and returns nil.
func (o *Output) WriteLineWait(ctx context.Context, prefix string, line []byte) error {
	return o.queueLine(ctx, prefix, line, false)
}

// Dropped returns how many lines were dropped so far: because the
// destination was stuck and the queue full, because it is a closed pipe,
// because a write failed, or because they came after Close.
func (o *Output) Dropped() uint64 { return o.dropped.Load() }

// Close stops accepting lines and waits until everything queued has been
// written, or until ctx is done (a destination that never accepts the
// write). Lines written after Close are dropped and counted. Close may be
// called more than once.
func (o *Output) Close(ctx context.Context) error {
	o.mu.Lock()
	if !o.closed {
		o.closed = true
		close(o.room) // wake WriteLineWait callers; they return ErrClosed
	}
	o.mu.Unlock()
	o.poke()
	select {
	case <-o.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("logredirect: flushing the output: %w", ctx.Err())
	}
}

// fits reports whether n more bytes may be queued. A line longer than the
// limit fits into an empty queue, so that long lines pass intact. o.mu is
// held.
func (o *Output) fits(n int) bool {
	return len(o.queue) == 0 || len(o.queue)+n <= o.cfg.limit
}

// appendLine queues one line, preceded by a marker line if lines were
// dropped since the last one, and wakes the writer goroutine if wake is
// set. o.mu is held.
func (o *Output) appendLine(prefix string, line []byte, wake bool) {
	if o.unmarked > 0 {
		o.queue = append(o.queue, "initd: "...)
		o.queue = strconv.AppendUint(o.queue, o.unmarked, 10)
		o.queue = append(o.queue, " lines dropped: the output was not accepting writes\n"...)
		o.ends = append(o.ends, len(o.queue))
		o.unmarked = 0
	}
	o.queue = append(o.queue, prefix...)
	o.queue = append(o.queue, line...)
	o.queue = append(o.queue, '\n')
	o.ends = append(o.ends, len(o.queue))
	if wake {
		o.poke()
	}
}

// poke wakes the writer goroutine without blocking.
func (o *Output) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// run is the writer goroutine: whenever woken, it writes what is queued,
// unless a Follower is writing it already.
func (o *Output) run() {
	defer close(o.done)
	for {
		o.mu.Lock()
		if !o.writing && len(o.ends) > 0 {
			o.writing = true
			o.writeQueued()
			o.writing = false
		}
		exit := o.closed && !o.writing && len(o.ends) == 0
		o.mu.Unlock()
		if exit {
			return
		}
		<-o.wake
	}
}

// writeQueued writes until the queue is empty, taking the whole queue at
// once so that others can queue the next lines meanwhile. The caller holds
// the right to write and o.mu, which is released during the writes.
func (o *Output) writeQueued() {
	for len(o.ends) > 0 {
		buf, ends := o.queue, o.ends
		o.queue, o.ends = o.spare[:0], o.spareEnds[:0]
		if !o.closed {
			close(o.room)
			o.room = make(chan struct{})
		}
		o.mu.Unlock()
		o.flush(buf, ends)
		if cap(buf) > 2*o.cfg.limit {
			buf = nil // do not keep the memory of one huge burst forever
		}
		o.mu.Lock()
		o.spare, o.spareEnds = buf, ends
	}
}

// flushNow writes what is queued in the calling goroutine, unless someone
// is writing already (who then writes it too). A Follower calls it after
// queueing a chunk's lines with queueWait: the same goroutine reads the file
// and writes stdout, like tail does, with no hand-off per batch.
func (o *Output) flushNow() {
	o.mu.Lock()
	if o.writing || len(o.ends) == 0 {
		o.mu.Unlock()
		return
	}
	o.writing = true
	o.writeQueued()
	o.writing = false
	closed := o.closed
	o.mu.Unlock()
	if closed {
		o.poke() // Close waits for the writer goroutine, which waits for us
	}
}

// queueWait queues a line like WriteLineWait but does not wake the writer
// goroutine: the caller calls flushNow after a batch. When the queue is
// full it writes it itself, or waits for room while someone else does.
func (o *Output) queueWait(ctx context.Context, prefix string, line []byte) error {
	return o.queueLine(ctx, prefix, line, true)
}

// queueLine is WriteLineWait (batch false: the writer goroutine is woken
// for the line) and queueWait (batch true).
func (o *Output) queueLine(ctx context.Context, prefix string, line []byte, batch bool) error {
	for {
		o.mu.Lock()
		switch {
		case o.closed:
			o.mu.Unlock()
			o.dropped.Add(1)
			return ErrClosed
		case o.broken:
			o.mu.Unlock()
			o.dropped.Add(1)
			return nil
		case o.fits(len(prefix) + len(line) + 1):
			o.appendLine(prefix, line, !batch)
			o.mu.Unlock()
			return nil
		case batch && !o.writing:
			o.writing = true
			o.writeQueued()
			o.writing = false
			o.mu.Unlock()
			o.poke() // in case Close came meanwhile
			continue
		}
		room := o.room
		o.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			o.dropped.Add(1)
			return fmt.Errorf("logredirect: waiting for the output: %w", ctx.Err())
		}
	}
}

// flush writes buf, whose lines end at ends, in writes of whole lines of
// at most pipeBuf bytes (or one longer line alone).
func (o *Output) flush(buf []byte, ends []int) {
	start, i := 0, 0
	for i < len(ends) {
		j := i + 1
		for j < len(ends) && ends[j]-start <= pipeBuf {
			j++
		}
		if o.isBroken() {
			o.dropped.Add(uint64(len(ends) - i))
			return
		}
		if _, err := o.w.Write(buf[start:ends[j-1]]); err != nil {
			o.dropped.Add(uint64(j - i))
			o.writeFailed(err)
		}
		start, i = ends[j-1], j
	}
}

func (o *Output) isBroken() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.broken
}

// writeFailed records a failed write: EPIPE breaks the output for good,
// anything else is reported and the next write is tried.
func (o *Output) writeFailed(err error) {
	if !errors.Is(err, syscall.EPIPE) {
		if o.cfg.onWriteError != nil {
			o.cfg.onWriteError(err)
		}
		return
	}
	o.mu.Lock()
	first := !o.broken
	o.broken = true
	o.mu.Unlock()
	if first && o.cfg.onBrokenPipe != nil {
		o.cfg.onBrokenPipe()
	}
}
