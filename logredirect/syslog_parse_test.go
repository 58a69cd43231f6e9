package logredirect

import (
	"bytes"
	"testing"
)

// Senders that leave the hostname empty (nginx: two spaces after the
// timestamp) keep their program name.
func TestFormatSyslogEmptyHostname(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"<189>Nov 29 02:35:45  nginx: 127.0.0.1 - - \"GET / HTTP/1.1\" 200", `nginx notice: 127.0.0.1 - - "GET / HTTP/1.1" 200`},
		{"<187>Nov 29 02:35:45  nginx[7]: *1 open() failed", "nginx[7] err: *1 open() failed"},
		{"<14> app: x", "app info: x"},
		{"<14>Nov 29 02:35:45  no tag here", "info:  no tag here"},
	}
	for _, tt := range tests {
		if got := string(formatSyslog(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("formatSyslog(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSyslogHostname: a BSD message reads the same with an empty hostname
// as with a named one, whatever the tag and message.
func FuzzSyslogHostname(f *testing.F) {
	f.Add("nginx", "12", "hello")
	f.Add("app", "", "a: b c")
	f.Fuzz(func(t *testing.T, prog, pid, msg string) {
		if !validTagPart(prog) || (pid != "" && !validTagPart(pid)) {
			t.Skip()
		}
		tag := prog
		if pid != "" {
			tag += "[" + pid + "]"
		}
		named := formatSyslog(nil, []byte("<13>Nov 29 02:35:45 host "+tag+": "+msg))
		empty := formatSyslog(nil, []byte("<13>Nov 29 02:35:45  "+tag+": "+msg))
		if !bytes.Equal(named, empty) {
			t.Fatalf("hostname changes the line:\n named %q\n empty %q", named, empty)
		}
	})
}

// validTagPart: a tag's program or pid, which has no blank, bracket, colon
// or control character.
func validTagPart(s string) bool {
	for _, c := range []byte(s) {
		if c <= ' ' || c == 0x7f || c == '[' || c == ']' || c == ':' {
			return false
		}
	}
	return s != ""
}
