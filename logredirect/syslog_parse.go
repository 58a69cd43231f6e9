package logredirect

import (
	"bytes"
	"strconv"
)

// severityNames are syslog(3)'s names of the eight severities, by number.
var severityNames = [8]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// syslogMessage is the part of a syslog message that reaches the output.
type syslogMessage struct {
	severity int    // 0..7
	program  []byte // APP-NAME or TAG; empty when the message has none
	pid      []byte // PROCID or the TAG's [PID]; empty when none
	msg      []byte
}

// formatSyslog appends to dst the output line for one datagram:
//
//	PROGRAM[PID] SEVERITY: MESSAGE
//
// with "[PID]" left out when the message has no pid and "PROGRAM[PID] "
// when it has no program. A datagram that does not start with a valid
// <PRI> is kept as it is. Either way, control characters (newlines
// included) are written as rsyslog does, '#' and three octal digits, so
// that one message is always one line; trailing newlines and NULs are
// dropped.
func formatSyslog(dst, datagram []byte) []byte {
	datagram = bytes.TrimRight(datagram, "\n\r\x00")
	m, ok := parseSyslog(datagram)
	if !ok {
		return appendEscaped(dst, datagram)
	}
	if len(m.program) > 0 {
		dst = appendEscaped(dst, m.program)
		if len(m.pid) > 0 {
			dst = append(dst, '[')
			dst = appendEscaped(dst, m.pid)
			dst = append(dst, ']')
		}
		dst = append(dst, ' ')
	}
	dst = append(dst, severityNames[m.severity]...)
	dst = append(dst, ": "...)
	return appendEscaped(dst, m.msg)
}

// appendEscaped appends p with control characters other than tab written
// as #ooo.
func appendEscaped(dst, p []byte) []byte {
	for _, c := range p {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			dst = append(dst, '#', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// parseSyslog parses an RFC 5424 message, or else an RFC 3164 (BSD, what
// glibc's syslog(3) sends) one. ok is false when b has no valid <PRI>.
func parseSyslog(b []byte) (m syslogMessage, ok bool) {
	pri, rest, ok := parsePRI(b)
	if !ok {
		return m, false
	}
	m.severity = pri & 7
	if m5424, ok := parse5424(rest); ok {
		m5424.severity = m.severity
		return m5424, true
	}
	parse3164(&m, rest)
	return m, true
}

// parsePRI reads "<N>" with N in 0..191 (facility*8 + severity).
func parsePRI(b []byte) (pri int, rest []byte, ok bool) {
	if len(b) < 3 || b[0] != '<' {
		return 0, nil, false
	}
	end := bytes.IndexByte(b[:min(len(b), 5)], '>')
	if end < 2 {
		return 0, nil, false
	}
	n, err := strconv.Atoi(string(b[1:end]))
	if err != nil || n < 0 || n > 191 || (end > 2 && b[1] == '0') || b[1] == '+' || b[1] == '-' {
		return 0, nil, false
	}
	return n, b[end+1:], true
}

// parse5424 parses what follows <PRI> in an RFC 5424 message:
// VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG].
// Structured data is skipped.
func parse5424(b []byte) (m syslogMessage, ok bool) {
	if !bytes.HasPrefix(b, []byte("1 ")) {
		return m, false
	}
	b = b[2:]
	var fields [5][]byte // timestamp, hostname, app-name, procid, msgid
	for i := range fields {
		sp := bytes.IndexByte(b, ' ')
		if sp <= 0 {
			return m, false
		}
		fields[i], b = b[:sp], b[sp+1:]
	}
	rest, ok := skipStructuredData(b)
	if !ok {
		return m, false
	}
	switch {
	case len(rest) == 0:
	case rest[0] == ' ':
		m.msg = bytes.TrimPrefix(rest[1:], []byte("\xef\xbb\xbf")) // BOM
	default:
		return m, false
	}
	if !bytes.Equal(fields[2], []byte("-")) {
		m.program = fields[2]
	}
	if !bytes.Equal(fields[3], []byte("-")) {
		m.pid = fields[3]
	}
	return m, true
}

// skipStructuredData skips "-" or one or more [ID PARAM="VALUE" ...]
// elements, where a VALUE may contain \" \\ \] escapes.
func skipStructuredData(b []byte) ([]byte, bool) {
	if len(b) > 0 && b[0] == '-' {
		return b[1:], true
	}
	if len(b) == 0 || b[0] != '[' {
		return nil, false
	}
	inValue := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inValue && c == '\\':
			i++
		case c == '"':
			inValue = !inValue
		case !inValue && c == ']':
			if i+1 == len(b) || b[i+1] != '[' {
				return b[i+1:], true
			}
			i++ // the next element
		}
	}
	return nil, false
}

// parse3164 parses what follows <PRI> in a BSD syslog message:
// [TIMESTAMP] [HOSTNAME] TAG[PID]: MSG, where the timestamp is
// "Mmm dd hh:mm:ss" or RFC 3339, the hostname is there for messages that
// went through a relay, and everything that does not fit is message text.
// The hostname may be empty: nginx sends "<189>Nov 29 02:35:45  nginx: ...",
// two spaces after the timestamp.
func parse3164(m *syslogMessage, b []byte) {
	b = skip3164Timestamp(b)
	m.msg = b
	word, rest, _ := bytes.Cut(b, []byte(" "))
	if prog, pid, ok := parseTag(word); ok {
		m.program, m.pid, m.msg = prog, pid, rest
		return
	}
	word2, rest2, _ := bytes.Cut(rest, []byte(" "))
	if prog, pid, ok := parseTag(word2); ok {
		m.program, m.pid, m.msg = prog, pid, rest2
	}
}

// skip3164Timestamp removes a leading "Mmm dd hh:mm:ss " or RFC 3339
// timestamp and the space after it.
func skip3164Timestamp(b []byte) []byte {
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	if len(b) >= 16 && b[3] == ' ' && b[6] == ' ' && b[9] == ':' && b[12] == ':' && b[15] == ' ' &&
		bytes.Contains([]byte(months), b[:3]) && bytes.Index([]byte(months), b[:3])%3 == 0 {
		return b[16:]
	}
	if len(b) >= 20 && isDigits(b[:4]) && b[4] == '-' && b[10] == 'T' {
		if sp := bytes.IndexByte(b, ' '); sp > 0 {
			return b[sp+1:]
		}
	}
	return b
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// parseTag reads "NAME:" or "NAME[PID]:", NAME without '[' or ':'.
func parseTag(w []byte) (prog, pid []byte, ok bool) {
	w, found := bytes.CutSuffix(w, []byte(":"))
	if !found || len(w) == 0 {
		return nil, nil, false
	}
	if w[len(w)-1] == ']' {
		open := bytes.IndexByte(w, '[')
		if open <= 0 {
			return nil, nil, false
		}
		prog, pid = w[:open], w[open+1:len(w)-1]
	} else {
		prog = w
	}
	if bytes.ContainsAny(prog, "[]:") || bytes.ContainsAny(pid, "[]:") {
		return nil, nil, false
	}
	return prog, pid, true
}
