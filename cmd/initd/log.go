package main

import (
	"errors"
	"io"
	"sync/atomic"
	"syscall"

	"github.com/rs/zerolog"
)

// newLogger makes initd's own logger: short console lines ("initd INF
// started pid=7 ...") or JSON, on w (stderr).
func newLogger(o *options, w io.Writer) zerolog.Logger {
	level, err := zerolog.ParseLevel(o.logLevel)
	if err != nil {
		level = zerolog.InfoLevel
	}
	if o.logFormat == "json" {
		return zerolog.New(w).Level(level).With().Timestamp().Str("logger", "initd").Logger()
	}
	return zerolog.New(newConsoleWriter(w)).Level(level)
}

// pipeGuard wraps one of initd's own output streams. When a write fails
// because the reader went away (EPIPE), it stops writing to the stream, so
// it happens only once. Writes never fail upward: initd keeps supervising.
type pipeGuard struct {
	w      io.Writer
	broken atomic.Bool
}

func (g *pipeGuard) Write(p []byte) (int, error) {
	if g.broken.Load() {
		return len(p), nil
	}
	if _, err := g.w.Write(p); err != nil && errors.Is(err, syscall.EPIPE) {
		g.broken.Store(true)
	}
	return len(p), nil
}
