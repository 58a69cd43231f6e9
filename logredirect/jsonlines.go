package logredirect

import (
	"io"
	"strings"

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
	log := zerolog.New(j.out.LogWriter()).With().Timestamp().Str(j.field, name).Str("stream", j.stream).Logger()
	return newLineWriter(func(line []byte) { log.Info().Msg(string(line)) })
}
