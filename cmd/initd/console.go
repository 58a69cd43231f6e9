package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"
)

// newConsoleWriter turns zerolog's JSON events into short plain lines,
// with zerolog's own ConsoleWriter:
//
//	initd INF started argv=["sleep","9"] pid=7
//
// No colour and no time stamp (the container runtime stamps lines); fields
// follow the message in name order, a string value is quoted when it holds
// a blank, a quote or a control character. Each event stays one line: a
// line break in the message becomes a blank, one in a value is quoted.
func newConsoleWriter(w io.Writer) zerolog.ConsoleWriter {
	return zerolog.ConsoleWriter{
		Out:        w,
		NoColor:    true,
		PartsOrder: []string{zerolog.LevelFieldName, zerolog.MessageFieldName},
		FormatLevel: func(i any) string {
			s, _ := i.(string)
			level, err := zerolog.ParseLevel(s)
			if err != nil || s == "" {
				return "initd ???"
			}
			return "initd " + zerolog.FormattedLevels[level]
		},
		FormatMessage: func(i any) string {
			if i == nil {
				return ""
			}
			return strings.NewReplacer("\n", " ", "\r", " ").Replace(fmt.Sprint(i))
		},
	}
}
