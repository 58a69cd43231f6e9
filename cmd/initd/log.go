package main

import (
	"io"

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
