package waitfor

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that any input either parses into a target whose String
// parses again to the same target, or fails with ErrBadTarget; never a
// panic, never a password in the output.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"tcp://db:5432", "tcp://[::1]:1", "http://web/health?x=1", "https://u:p@web:8443/",
		"unix:///run/a.sock", "file:///tmp/x", "file:///%00", "http://[::1", "tcp://db:99999",
		"", "://", "http://web/%zz", "unix://host/x", "HTTPS://WEB",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := Parse(s, Options{})
		if err != nil {
			if !errors.Is(err, ErrBadTarget) {
				t.Fatalf("Parse(%q): error %v does not wrap ErrBadTarget", s, err)
			}
			return
		}
		name := tg.String()
		if strings.Contains(name, "xxxxx@") {
			return // a redacted password does not parse back to the same request
		}
		again, err := Parse(name, Options{})
		if err != nil {
			t.Fatalf("Parse(%q) gave %q, which does not parse: %v", s, name, err)
		}
		if again.String() != name {
			t.Fatalf("Parse(%q) = %q, then %q", s, name, again.String())
		}
	})
}

func FuzzParseStatuses(f *testing.F) {
	for _, seed := range []string{"200", "200,204,300-399", "", "599-100", " 200 - 299 ", "2xx", "100-599,"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, list string) {
		set, err := ParseStatuses(list)
		if err != nil {
			if !errors.Is(err, ErrBadOption) {
				t.Fatalf("ParseStatuses(%q): %v does not wrap ErrBadOption", list, err)
			}
			return
		}
		again, err := ParseStatuses(set.String())
		if err != nil || again.String() != set.String() {
			t.Fatalf("ParseStatuses(%q) = %q, which parses to %q, %v", list, set, again, err)
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	for _, seed := range []string{"A: b", "Authorization: Bearer x", ":", "a:\r\nb", "X: \x00", "bad name: v"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHeader(s)
		if err != nil {
			if !errors.Is(err, ErrBadOption) {
				t.Fatalf("ParseHeader(%q): %v does not wrap ErrBadOption", s, err)
			}
			return
		}
		if !isToken(h.Name) || strings.ContainsAny(h.Value, "\r\n\x00") {
			t.Fatalf("ParseHeader(%q) = %q, %q: would break the request", s, h.Name, h.Value)
		}
	})
}

// FuzzReadStatus feeds arbitrary server answers to the status reader.
func FuzzReadStatus(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.0 503\r\n", "HTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 204 No Content\r\n",
		"SSH-2.0-OpenSSH\r\n", "", "HTTP/1.1 2000 x\r\n", strings.Repeat("a", 5000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, answer string) {
		code, err := readStatus(bufio.NewReaderSize(strings.NewReader(answer), maxStatusLine))
		if err == nil && (code < 100 || code > 999) {
			t.Fatalf("readStatus(%q) = %d", answer, code)
		}
	})
}
