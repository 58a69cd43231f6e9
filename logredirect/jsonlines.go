package logredirect

import (
	"io"
	"strings"
	"sync"

	"github.com/rs/zerolog"
)

// JSONLines turns the lines of several named sources (cron jobs, services)
// into JSON events on an Output, one event a line, so that a stream of JSON
// log lines stays JSON with their output on it:
//
//	{"level":"info","job":"backup","stream":"stderr","time":"...","message":"disk full"}
//
// The field that names the source ("job", "service") and the stream are the
// caller's choice. It is a cron.Lines.
type JSONLines struct {
	out    *Output
	field  string
	stream string
}

// NewJSONLines returns a JSONLines writing to out; each event names its
// source in field and says stream ("stdout" or "stderr").
func NewJSONLines(out *Output, field, stream string) *JSONLines {
	return &JSONLines{out: out, field: field, stream: stream}
}

// Writer returns a writer that cuts what is written to it into lines and
// queues each as one JSON event with [Output.WriteLine]. The source's name
// is prefix without the brackets and the blank around it ("[backup] " is
// backup), the prefix the plain-text form would put before each line.
// Like [Output.Writer], a partial line waits for its newline, Close writes
// it out, and Write never blocks on the destination.
func (j *JSONLines) Writer(prefix string) io.WriteCloser {
	name := strings.TrimSuffix(strings.TrimPrefix(prefix, "["), "] ")
	w := &jsonWriter{split: lineSplitter{max: DefaultMaxLine}}
	w.log = zerolog.New(eventLine{j.out}).With().Timestamp().Str(j.field, name).Str("stream", j.stream).Logger()
	return w
}

type jsonWriter struct {
	log zerolog.Logger

	mu     sync.Mutex
	split  lineSplitter
	closed bool
}

func (w *jsonWriter) emit(line []byte) error {
	w.log.Info().Msg(string(line))
	return nil
}

// Write implements io.Writer.
func (w *jsonWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, errWriterClosed
	}
	_ = w.split.feed(p, w.emit) // emit never fails
	return len(p), nil
}

// Close writes out a last partial line, if any. It does not close the
// Output.
func (w *jsonWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return w.split.flush(w.emit)
}

// eventLine queues each zerolog event (one line ending in a newline) as one
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
