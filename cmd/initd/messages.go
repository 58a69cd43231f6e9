package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// Messages for the user: unknown options and variables with the nearest
// known name, and errors printed on one line with values quoted and cut.

// unknownOption is the error for an option word that is not in the table,
// or not one of this subcommand's: it names the word once, quoted, and the
// closest option there is.
func unknownOption(word, name string, d *optDef, defs []optDef, allow func(*optDef) bool) error {
	if d != nil {
		return usagef("--%s is not an option here: initd wait and initd check take only the waiting and logging options (see initd help)", name)
	}
	var names []string
	for i := range defs {
		if allow(&defs[i]) {
			names = append(names, defs[i].name)
		}
	}
	if near := closest(name, names); near != "" {
		return usagef("unknown option %s: did you mean --%s? (see initd help)", quote(word), near)
	}
	return usagef("unknown option %s (see initd help)", quote(word))
}

// maxQuoted bounds how much of a value a message repeats.
const maxQuoted = 64

// quote returns v as a message shows it: in double quotes with newlines,
// control bytes and invalid UTF-8 escaped (strconv.Quote), so that one
// error stays one line; a value longer than maxQuoted bytes is cut, and its
// length said: "aaaa"… (300 bytes).
func quote(v string) string {
	if len(v) <= maxQuoted {
		return strconv.Quote(v)
	}
	cut := maxQuoted
	for cut > maxQuoted-utf8.UTFMax && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(v[:cut]), len(v))
}

// closest returns the candidate nearest to word when it is near enough to
// be what was meant (a typo or a shortened name), or "".
func closest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(word, c)
		if len(word) >= 4 && strings.HasPrefix(c, word) {
			d = min(d, 1)
		}
		if d <= max(1, len(c)/4) && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the number of single-byte insertions, deletions,
// substitutions and swaps of neighbours that turn a into b.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	// d[i][j] is the distance between a[:i] and b[:j].
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// selfSetVariables are the INITD_* variables initd sets for the processes
// it starts (and the test suite sets for itself), not options: seeing one
// in the environment is no typo.
var selfSetVariables = [...]string{
	"INITD_MEMORY_LIMIT_BYTES", "INITD_CPU_LIMIT", "INITD_EXIT_STATUS", "INITD_HOOK_ENV",
	"INITD_TEST_HELPER", "INITD_BINARY",
}

// unknownVariables returns one warning for each INITD_* variable in env
// (NAME=VALUE entries) that is neither an option's variable nor one initd
// sets itself, with the closest option variable when there is one. Such a
// variable is most likely a typo that would otherwise be ignored silently.
func unknownVariables(env []string) []string {
	defs := optionDefs()
	known := make(map[string]bool, len(defs)+len(selfSetVariables))
	var names []string
	for i := range defs {
		known[defs[i].envName()] = true
		names = append(names, defs[i].envName())
	}
	for _, n := range selfSetVariables {
		known[n] = true
	}
	var warnings []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "INITD_") || known[name] {
			continue
		}
		w := "unknown variable " + quote(name) + " ignored"
		if near := closest(name, names); near != "" {
			w += ": did you mean " + near + "?"
		}
		warnings = append(warnings, w)
	}
	return warnings
}

// warnUnknownVariables logs unknownVariables(env), one warning each.
func warnUnknownVariables(log zerolog.Logger, env []string) {
	for _, w := range unknownVariables(env) {
		log.Warn().Msg(w)
	}
}

// printError writes err to w as initd's message: "initd: " and the error,
// on one line, control characters and invalid UTF-8 escaped (a path or a
// value with a newline in it cannot split it); errors joined with
// errors.Join (validate's bad crontab lines) get one line each.
func printError(w io.Writer, err error) {
	msg := err.Error()
	prefix, parts := "", []string{msg}
	for e := err; e != nil; e = errors.Unwrap(e) {
		j, ok := e.(interface{ Unwrap() []error })
		if !ok {
			continue
		}
		joined := e.Error()
		var ps []string
		for _, p := range j.Unwrap() {
			ps = append(ps, p.Error())
		}
		if strings.Join(ps, "\n") == joined && strings.HasSuffix(msg, joined) {
			prefix, parts = msg[:len(msg)-len(joined)], ps
		}
		break
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("initd: ")
		writeEscaped(&b, prefix+p)
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}

// writeEscaped writes s with control characters and invalid UTF-8 bytes
// escaped as Go would (\n, \t, \x00, \xff) and everything else as it is.
func writeEscaped(b *strings.Builder, s string) {
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(b, "\\x%02x", s[0])
		case r < 0x20 || r == 0x7f:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
}
