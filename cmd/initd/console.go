package main

import (
	"bytes"
	"io"
	"strconv"
	"strings"
)

// consoleWriter turns zerolog's JSON events into short human lines:
//
//	initd INF started pid=7 argv=["sleep","9"]
//
// zerolog's own ConsoleWriter decodes every event through encoding/json
// and costs more than the rest of initd's start-up; events here are flat
// objects written by initd itself, so a small scanner is enough. Each
// event is one Write, so a line is never split.
type consoleWriter struct{ out io.Writer }

var levelAbbrev = map[string]string{
	"debug": "DBG", "info": "INF", "warn": "WRN", "error": "ERR", "fatal": "FTL", "panic": "PNC", "trace": "TRC",
}

func (c consoleWriter) Write(p []byte) (int, error) {
	var level, msg string
	var fields [][2]string
	scanFlatJSON(p, func(key string, raw []byte) {
		switch key {
		case "level":
			level = unquoteJSON(raw)
		case "message":
			msg = unquoteJSON(raw)
		default:
			fields = append(fields, [2]string{key, fieldValue(raw)})
		}
	})
	b := make([]byte, 0, len(p)+16)
	b = append(b, "initd "...)
	if a, ok := levelAbbrev[level]; ok {
		b = append(b, a...)
	} else {
		b = append(b, "???"...)
	}
	if msg != "" {
		b = append(b, ' ')
		b = append(b, msg...)
	}
	for _, f := range fields {
		b = append(b, ' ')
		b = append(b, f[0]...)
		b = append(b, '=')
		b = append(b, f[1]...)
	}
	// Whatever the event held, it stays one line.
	for i, ch := range b {
		if ch == '\n' || ch == '\r' {
			b[i] = ' '
		}
	}
	b = append(b, '\n')
	if _, err := c.out.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// fieldValue shows a string plainly when it has no spaces or quotes, and
// anything else as its JSON text.
func fieldValue(raw []byte) string {
	if len(raw) > 0 && raw[0] == '"' {
		s := unquoteJSON(raw)
		if s != "" && !strings.ContainsAny(s, " \"=\t\n\r") {
			return s
		}
	}
	return string(raw)
}

func unquoteJSON(raw []byte) string {
	if s, err := strconv.Unquote(string(raw)); err == nil {
		return s
	}
	return string(bytes.Trim(raw, `"`))
}

// scanFlatJSON calls fn for each key of a one-level JSON object with the
// raw bytes of its value (a string, number, literal, array or object).
func scanFlatJSON(p []byte, fn func(key string, raw []byte)) {
	i := bytes.IndexByte(p, '{')
	if i < 0 {
		return
	}
	for i++; i < len(p); {
		for i < len(p) && (p[i] == ',' || p[i] == ' ' || p[i] == '\n') {
			i++
		}
		if i >= len(p) || p[i] != '"' {
			return
		}
		end := stringEnd(p, i)
		key := unquoteJSON(p[i:end])
		i = end
		for i < len(p) && (p[i] == ':' || p[i] == ' ') {
			i++
		}
		start := i
		i = valueEnd(p, i)
		if i <= start {
			return
		}
		fn(key, p[start:i])
	}
}

// stringEnd returns the index just past the JSON string starting at p[i].
func stringEnd(p []byte, i int) int {
	for j := i + 1; j < len(p); j++ {
		switch p[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(p)
}

// valueEnd returns the index just past the JSON value starting at p[i].
func valueEnd(p []byte, i int) int {
	if i >= len(p) {
		return i
	}
	if p[i] == '"' {
		return stringEnd(p, i)
	}
	depth := 0
	for j := i; j < len(p); j++ {
		switch p[j] {
		case '"':
			j = stringEnd(p, j) - 1
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				return j
			}
			depth--
			if depth == 0 {
				return j + 1
			}
		case ',':
			if depth == 0 {
				return j
			}
		}
	}
	return len(p)
}
