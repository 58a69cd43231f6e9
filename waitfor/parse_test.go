package waitfor

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // String() of the target; "" means a bad target
	}{
		{"tcp://db:5432", "tcp://db:5432"},
		{"  tcp://127.0.0.1:80  ", "tcp://127.0.0.1:80"},
		{"tcp://[::1]:5432", "tcp://[::1]:5432"},
		{"tcp://db:5432/", "tcp://db:5432"},
		{"TCP://db:1", "tcp://db:1"},
		{"http://web", "http://web"},
		{"http://web:8080/health?full=1", "http://web:8080/health?full=1"},
		{"http://web/health#frag", "http://web/health"},
		{"http://user:secret@web/", "http://user:xxxxx@web/"},
		{"unix:///run/app.sock", "unix:///run/app.sock"},
		{"file:///tmp/ready", "file:///tmp/ready"},
		{"file:///tmp/with%20space", "file:///tmp/with space"},

		{"", ""},
		{"db:5432", ""},
		{"tcp://db", ""},
		{"tcp://db:", ""},
		{"tcp://:5432", ""},
		{"tcp://db:0", ""},
		{"tcp://db:65536", ""},
		{"tcp://db:http", ""},
		{"tcp://db:5432/path", ""},
		{"tcp://u:p@db:5432", ""},
		{"tcp://db:5432?x=1", ""},
		{"http://", ""},
		{"http://web:", ""},
		{"http://web:99999/", ""},
		{"http:web", ""},
		{"ftp://web/", ""},
		{"unix://relative.sock", ""},
		{"unix:///", ""},
		{"file://host/tmp/x", ""},
		{"file://", ""},
		{"file:///tmp/x?y", ""},
		{"file:///tmp/%00", ""},
		{"http://web/%zz", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in, Options{})
			if tt.want == "" {
				if !errors.Is(err, ErrBadTarget) {
					t.Fatalf("Parse(%q) = %v, %v; want an error wrapping ErrBadTarget", tt.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got.String(), tt.want)
			}
		})
	}
}

func TestParseNeverShowsPassword(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"http://user:hunter2@web:99999/",
		"http://user:hunter2@/",
		"tcp://user:hunter2@db:5432",
		"http://user:hunter2@web/%zz",
		"https://user:hunter2@web/",
	} {
		tg, err := Parse(in, Options{})
		msg := ""
		if err != nil {
			msg = err.Error()
		} else {
			msg = tg.String()
		}
		if strings.Contains(msg, "hunter2") {
			t.Errorf("Parse(%q) shows the password: %s", in, msg)
		}
	}
}

func TestParseAllStopsAtFirstBad(t *testing.T) {
	t.Parallel()
	_, err := ParseAll([]string{"tcp://a:1", "nope", "tcp://b:2"}, Options{})
	if !errors.Is(err, ErrBadTarget) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("ParseAll: %v; want ErrBadTarget naming \"nope\"", err)
	}
	got, err := ParseAll([]string{"tcp://a:1", "file:///x"}, Options{})
	if err != nil || len(got) != 2 {
		t.Fatalf("ParseAll = %v, %v", got, err)
	}
}

func TestParseStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list    string
		want    string // String() of the set; "" means an error
		yes, no []int
	}{
		{list: "200", want: "200", yes: []int{200}, no: []int{201, 204}},
		{list: "200,204,300-399", want: "200,204,300-399", yes: []int{200, 204, 302, 399}, no: []int{201, 404}},
		{list: " 200 - 299 , 418", want: "200-299,418", yes: []int{250, 418}, no: []int{300}},
		{list: "100-599", want: "100-599", yes: []int{100, 599}},
		{list: ""},
		{list: ","},
		{list: "200,"},
		{list: "2xx"},
		{list: "99"},
		{list: "600"},
		{list: "0200"},
		{list: "299-200"},
		{list: "200-"},
		{list: "-200"},
		{list: "200-300-400"},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			t.Parallel()
			set, err := ParseStatuses(tt.list)
			if tt.want == "" {
				if !errors.Is(err, ErrBadOption) {
					t.Fatalf("ParseStatuses(%q) = %v, %v; want ErrBadOption", tt.list, set, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseStatuses(%q): %v", tt.list, err)
			}
			if set.String() != tt.want {
				t.Errorf("String() = %q, want %q", set.String(), tt.want)
			}
			for _, c := range tt.yes {
				if !set.Contains(c) {
					t.Errorf("%q does not contain %d", tt.list, c)
				}
			}
			for _, c := range tt.no {
				if set.Contains(c) {
					t.Errorf("%q contains %d", tt.list, c)
				}
			}
		})
	}
}

func TestEmptyStatusSetIs2xx(t *testing.T) {
	t.Parallel()
	var s StatusSet
	if !s.Contains(200) || !s.Contains(299) || s.Contains(302) || s.Contains(199) || s.String() != "200-299" {
		t.Fatalf("empty StatusSet is not 200-299")
	}
}

func TestParseHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		name, value string
		bad         bool
	}{
		{in: "Authorization: Bearer abc", name: "Authorization", value: "Bearer abc"},
		{in: "X-Empty:", name: "X-Empty", value: ""},
		{in: "X-Colon: a:b:c", name: "X-Colon", value: "a:b:c"},
		{in: " X-Trim :\t v \t", name: "X-Trim", value: "v"},
		{in: "NoColon", bad: true},
		{in: ": value", bad: true},
		{in: "Bad Name: v", bad: true},
		{in: "X-A: line\r\nInjected: yes", bad: true},
		{in: "X-A: nul\x00", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			h, err := ParseHeader(tt.in)
			if tt.bad {
				if !errors.Is(err, ErrBadOption) {
					t.Fatalf("ParseHeader(%q) = %v, %v; want ErrBadOption", tt.in, h, err)
				}
				if strings.Contains(tt.in, "Bearer") && strings.Contains(err.Error(), "Bearer") {
					t.Errorf("the error shows the value: %v", err)
				}
				return
			}
			if err != nil || h.Name != tt.name || h.Value != tt.value {
				t.Fatalf("ParseHeader(%q) = %q, %q, %v; want %q, %q", tt.in, h.Name, h.Value, err, tt.name, tt.value)
			}
			if strings.Contains(h.String(), "Bearer") {
				t.Errorf("Header.String() shows the value: %s", h)
			}
		})
	}
}
