package environ

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/initd-dev/initd/safefile"
)

// maxLine is the longest env-file line accepted. Longer lines are an error
// rather than a silent truncation.
const maxLine = 1 << 20

// Var is one NAME=VALUE pair from an env file.
type Var struct {
	// Name is the variable name, always matching [A-Za-z_][A-Za-z0-9_]*.
	Name string
	// Value is the value after quote removal and escape processing.
	Value string
}

// LineError is a malformed env-file line. It names the source and the line
// number, and the variable when one was recognised, never the value.
type LineError struct {
	// Source names the file (or other input) the line came from.
	Source string
	// Line is the 1-based line number.
	Line int
	// Reason says what is wrong with the line.
	Reason string
}

// Error implements error.
func (e *LineError) Error() string {
	return fmt.Sprintf("env-file %s:%d: %s", e.Source, e.Line, e.Reason)
}

// Is reports that every LineError is a usage error.
func (e *LineError) Is(target error) bool { return target == ErrUsage }

// MaxEnvFile is the largest env file ReadFile reads.
const MaxEnvFile = 1 << 20

// ReadFile reads and parses the env file at path. An unreadable file, one
// that is not a regular file (a FIFO, device, socket or directory: see
// package safefile), one larger than [MaxEnvFile] and a malformed line are
// all usage errors (errors.Is(err, ErrUsage)). It never blocks.
func ReadFile(path string) ([]Var, error) {
	r, err := safefile.OpenLimited(path, MaxEnvFile)
	if err != nil {
		return nil, fileError("env-file", path, err)
	}
	defer r.Close()
	vars, err := Parse(r, path)
	var te *safefile.TooLargeError
	if errors.As(err, &te) {
		return nil, fileError("env-file", path, te)
	}
	return vars, err
}

// fileError wraps a failure to open or read path as a usage error, naming
// the path once.
func fileError(what, path string, err error) error {
	var ke *safefile.KindError
	var te *safefile.TooLargeError
	if errors.As(err, &ke) || errors.As(err, &te) {
		return usage(fmt.Errorf("%s: %w", what, err))
	}
	return usage(fmt.Errorf("%s %s: %w", what, path, err))
}

// Parse reads env-file lines from r. source names r in errors.
//
// Accepted, line by line (a trailing "\r" is dropped, so CRLF files work,
// and a UTF-8 byte order mark at the start of the file is ignored):
//
//   - blank lines and lines whose first non-blank character is '#';
//   - NAME=VALUE, optionally preceded by "export " and by blanks; NAME is
//     [A-Za-z_][A-Za-z0-9_]* and is followed directly by '=';
//   - an unquoted VALUE is the rest of the line with surrounding blanks
//     removed; '#', '$', quotes and backslashes inside it are literal;
//   - 'VALUE' is literal up to the closing single quote;
//   - "VALUE" understands \" \\ \n \t \r and \$; any other backslash is kept
//     as written;
//   - after a closing quote only blanks and a "# comment" may follow.
//
// Rejected, as a [*LineError]: a line without '=', an invalid NAME, an
// unterminated quote, text after a closing quote, a NUL byte and a line
// longer than 1 MiB. Later lines win over earlier ones for the same NAME in
// [Merge]; Parse itself returns every line in order.
func Parse(r io.Reader, source string) ([]Var, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var vars []Var
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // a UTF-8 BOM from Windows editors
		}
		v, ok, reason := parseLine(line)
		if reason != "" {
			return nil, &LineError{Source: source, Line: n, Reason: reason}
		}
		if ok {
			vars = append(vars, v)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &LineError{Source: source, Line: n + 1, Reason: "line longer than 1 MiB"}
		}
		return nil, fmt.Errorf("env-file %s: read: %w", source, err)
	}
	return vars, nil
}

// parseLine parses one line. ok is false for blank and comment lines; a
// non-empty reason means the line is malformed. reason never contains the
// value.
func parseLine(line string) (v Var, ok bool, reason string) {
	line = strings.TrimSuffix(line, "\r")
	if strings.IndexByte(line, 0) >= 0 {
		return Var{}, false, "NUL byte in line"
	}
	line = strings.TrimLeft(line, " \t")
	if line == "" || line[0] == '#' {
		return Var{}, false, ""
	}
	if rest, found := strings.CutPrefix(line, "export"); found && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
		line = strings.TrimLeft(rest, " \t")
	}
	name, raw, found := strings.Cut(line, "=")
	if !found {
		return Var{}, false, "expected NAME=VALUE"
	}
	if !ValidName(name) {
		if n := strings.TrimRight(name, " \t"); n != name && ValidName(n) {
			return Var{}, false, fmt.Sprintf("%s: blank before '='", n)
		}
		return Var{}, false, fmt.Sprintf("invalid variable name %q", name)
	}
	value, reason := parseValue(strings.Trim(raw, " \t"))
	if reason != "" {
		return Var{}, false, name + ": " + reason
	}
	return Var{Name: name, Value: value}, true, ""
}

// parseValue removes quotes from raw (already trimmed of blanks).
func parseValue(raw string) (string, string) {
	if raw == "" || (raw[0] != '\'' && raw[0] != '"') {
		return raw, ""
	}
	quote := raw[0]
	var b strings.Builder
	i := 1
	for ; i < len(raw) && raw[i] != quote; i++ {
		c := raw[i]
		if quote == '"' && c == '\\' && i+1 < len(raw) {
			i++
			switch raw[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '"', '\\', '$':
				b.WriteByte(raw[i])
			default:
				b.WriteByte('\\')
				b.WriteByte(raw[i])
			}
			continue
		}
		b.WriteByte(c)
	}
	if i >= len(raw) {
		return "", "unterminated quoted value"
	}
	tail := strings.TrimLeft(raw[i+1:], " \t")
	if tail != "" && tail[0] != '#' {
		return "", "unexpected text after closing quote"
	}
	return b.String(), ""
}

// ValidName reports whether name can be an environment variable name
// accepted by initd: [A-Za-z_][A-Za-z0-9_]*.
func ValidName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Merge returns base ("NAME=VALUE" entries, as from os.Environ) with the
// variables of files added. The process environment wins: a NAME already in
// base keeps its value. Among files, the later file (and within a file the
// later line) wins. base is not modified; the result keeps base's order and
// appends new names in first-seen order.
func Merge(base []string, files ...[]Var) []string {
	have := make(map[string]bool, len(base))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		have[name] = true
	}
	added := map[string]string{}
	var order []string
	for _, vars := range files {
		for _, v := range vars {
			if have[v.Name] {
				continue
			}
			if _, seen := added[v.Name]; !seen {
				order = append(order, v.Name)
			}
			added[v.Name] = v.Value
		}
	}
	out := make([]string, 0, len(base)+len(order))
	out = append(out, base...)
	for _, name := range order {
		out = append(out, name+"="+added[name])
	}
	return out
}

// Map turns "NAME=VALUE" entries into a map (the template's .Env). For a
// repeated NAME the last entry wins, as with getenv on most libcs' setenv.
func Map(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		m[name] = value
	}
	return m
}

// hasNUL reports whether b contains a NUL byte (impossible in environ).
func hasNUL(b []byte) bool { return bytes.IndexByte(b, 0) >= 0 }

// Override returns env with each of vars set, replacing an earlier value:
// what an init hook sets (through INITD_HOOK_ENV) wins over what was
// there. env is not modified.
func Override(env []string, vars []Var) []string {
	set := make(map[string]string, len(vars))
	for _, v := range vars {
		set[v.Name] = v.Value
	}
	out := make([]string, 0, len(env)+len(vars))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if _, ok := set[name]; !ok {
			out = append(out, kv)
		}
	}
	for _, v := range vars {
		if value, ok := set[v.Name]; ok {
			out = append(out, v.Name+"="+value)
			delete(set, v.Name)
		}
	}
	return out
}
