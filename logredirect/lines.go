package logredirect

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// DefaultMaxLine is the longest line kept whole. A line that grows past it
// without a newline is written out in pieces of about this size, so that a
// source that never writes a newline cannot make initd buffer without bound.
const DefaultMaxLine = 16 << 20

// errWriterClosed is returned by a line writer's Write after its Close.
var errWriterClosed = errors.New("logredirect: line writer closed")

// lineSplitter cuts a byte stream into lines. It keeps the bytes after the
// last newline until more arrive (or until flush), so a line split across
// reads or writes is still handed on whole. The zero value is not usable:
// set max.
type lineSplitter struct {
	partial []byte
	max     int
}

// feed hands every line completed by p to emit, without its newline. The
// slice passed to emit is only valid during the call. feed stops at the
// first error of emit and returns it; the rest of p is lost then.
func (s *lineSplitter) feed(p []byte, emit func(line []byte) error) error {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.partial = append(s.partial, p...)
			if len(s.partial) < s.max {
				return nil
			}
			return s.flush(emit)
		}
		line := p[:i]
		if len(s.partial) > 0 {
			s.partial = append(s.partial, line...)
			line = s.partial
		}
		err := emit(line)
		s.partial = s.partial[:0]
		if err != nil {
			return err
		}
		p = p[i+1:]
	}
	return nil
}

// flush hands a pending partial line, if any, to emit as a line of its own.
func (s *lineSplitter) flush(emit func(line []byte) error) error {
	if len(s.partial) == 0 {
		return nil
	}
	err := emit(s.partial)
	s.partial = s.partial[:0]
	if cap(s.partial) > s.max {
		s.partial = nil
	}
	return err
}

// Writer returns a writer that cuts what is written to it into lines and
// queues each with [Output.WriteLine], preceded by prefix. A partial line is
// kept until its newline arrives; Close writes it out as a last line. Write
// never blocks on the destination and never fails before Close, so a pipe
// copied into it (cron job output, initd's own log) is always read on.
// Lines are dropped and counted when the destination is stuck.
func (o *Output) Writer(prefix string) io.WriteCloser {
	return newLineWriter(func(line []byte) { o.WriteLine(prefix, line) })
}

// LogWriter returns a writer for a logger: each Write is one event ending
// in a newline, queued with [Output.WriteLine] as one line without prefix.
func (o *Output) LogWriter() io.Writer {
	return eventLine{o}
}

// eventLine queues each log event (one line ending in a newline) as one
// line of out.
type eventLine struct{ out *Output }

func (e eventLine) Write(p []byte) (int, error) {
	line := p
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	e.out.WriteLine("", line)
	return len(p), nil
}

// lineWriter is the io.WriteCloser of [Output.Writer] and
// [JSONLines.Writer]: it cuts what is written into lines and hands each to
// emit, which must not block (it queues).
type lineWriter struct {
	emit func(line []byte)

	mu     sync.Mutex
	split  lineSplitter
	closed bool
}

func newLineWriter(emit func(line []byte)) *lineWriter {
	return &lineWriter{emit: emit, split: lineSplitter{max: DefaultMaxLine}}
}

func (w *lineWriter) emitLine(line []byte) error {
	w.emit(line)
	return nil
}

// Write implements io.Writer.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, errWriterClosed
	}
	_ = w.split.feed(p, w.emitLine) // emitLine never fails
	return len(p), nil
}

// Close writes out a last partial line, if any. It does not close the
// Output.
func (w *lineWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return w.split.flush(w.emitLine)
}
