package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func TestParseOptions(t *testing.T) {
	t.Parallel()
	all := func(*optDef) bool { return true }
	tests := []struct {
		name  string
		args  []string
		env   []string
		rest  []string
		check func(*options) bool
	}{
		{name: "stops at first word", args: []string{"sh", "-c", "exit 3"}, rest: []string{"sh", "-c", "exit 3"}},
		{name: "double dash", args: []string{"--grace", "3s", "--", "--weird"}, rest: []string{"--weird"},
			check: func(o *options) bool { return o.grace == 3*time.Second }},
		{name: "equals form", args: []string{"--stop-signal=usr1", "x"}, rest: []string{"x"},
			check: func(o *options) bool { return o.stopSignal == unix.SIGUSR1 }},
		{name: "single dash", args: []string{"-single-child", "x"}, rest: []string{"x"},
			check: func(o *options) bool { return o.singleChild }},
		{name: "env fallback", args: []string{"x"}, env: []string{"INITD_GRACE=2s", "INITD_SINGLE_CHILD=true"}, rest: []string{"x"},
			check: func(o *options) bool { return o.grace == 2*time.Second && o.singleChild }},
		{name: "flag wins", args: []string{"--grace", "1s", "x"}, env: []string{"INITD_GRACE=junk"}, rest: []string{"x"},
			check: func(o *options) bool { return o.grace == time.Second }},
		{name: "repeatable env lines and commas", args: []string{"x"}, env: []string{"INITD_REWRITE=USR1:USR2\nHUP:0,INT:TERM", "INITD_WAIT=tcp://a:1\ntcp://b,c:2"},
			rest: []string{"x"}, check: func(o *options) bool {
				return len(o.rewrites) == 3 && o.rewrites[unix.SIGHUP] == 0 && len(o.waits) == 2 && o.waits[1] == "tcp://b,c:2"
			}},
		{name: "syslog takes no next word", args: []string{"--syslog", "nginx"}, rest: []string{"nginx"},
			check: func(o *options) bool { return o.syslog == "/dev/log" }},
		{name: "syslog path", args: []string{"--syslog=/tmp/s", "x"}, rest: []string{"x"},
			check: func(o *options) bool { return o.syslog == "/tmp/s" }},
		{name: "syslog env true", args: []string{"x"}, env: []string{"INITD_SYSLOG=true"}, rest: []string{"x"},
			check: func(o *options) bool { return o.syslog == "/dev/log" }},
		{name: "syslog false", args: []string{"--syslog=false", "x"}, rest: []string{"x"},
			check: func(o *options) bool { return o.syslog == "" }},
		{name: "syslog 1", args: []string{"--syslog=1", "x"}, rest: []string{"x"},
			check: func(o *options) bool { return o.syslog == "/dev/log" }},
		{name: "syslog env false", args: []string{"x"}, env: []string{"INITD_SYSLOG=false"}, rest: []string{"x"},
			check: func(o *options) bool { return o.syslog == "" }},
		{name: "syslog env 0", args: []string{"x"}, env: []string{"INITD_SYSLOG=0"}, rest: []string{"x"},
			check: func(o *options) bool { return o.syslog == "" }},
		{name: "syslog socket named false", args: []string{"--syslog=./false", "x"}, rest: []string{"x"},
			check: func(o *options) bool { return o.syslog == "./false" }},
		{name: "grace 0", args: []string{"--grace", "0", "x"}, rest: []string{"x"},
			check: func(o *options) bool { return o.grace == 0 }},
		{name: "services, one a line, commas kept", args: []string{"--service", "a=sleep 1", "x"}, env: []string{"INITD_SERVICE=ignored=true"},
			rest: []string{"x"}, check: func(o *options) bool { return len(o.services) == 1 && o.services[0].Name == "a" }},
		{name: "services from the environment", args: []string{"x"}, env: []string{"INITD_SERVICE=a=echo a,b\n\n  b=sh -c 'x; y'  ", "INITD_RESTART=ALWAYS", "INITD_RESTART_LIMIT=0"},
			rest: []string{"x"}, check: func(o *options) bool {
				return len(o.services) == 2 && strings.Join(o.services[0].Argv, "|") == "echo|a,b" &&
					strings.Join(o.services[1].Argv, "|") == "sh|-c|x; y" && o.restart == "always" && o.restartLimit == 0
			}},
		{name: "hooks split into words", args: []string{"--pre-stop", "nginx -s quit", "--finish", `sh -c "echo $INITD_EXIT_STATUS"`, "--pre-stop", "sleep 1", "x"},
			rest: []string{"x"}, check: func(o *options) bool {
				return len(o.preStop) == 2 && o.preStop[0][2] == "quit" && len(o.finish) == 1 && o.finish[0][2] == "echo $INITD_EXIT_STATUS"
			}},
		{name: "defaults", args: []string{"x"}, rest: []string{"x"},
			check: func(o *options) bool {
				return o.grace == defaultGrace && o.stopSignal == unix.SIGTERM && o.waitTimeout == 60*time.Second && o.cronOverlap == "skip" &&
					o.restart == "no" && o.restartLimit == 5
			}},
	}
	for _, tt := range tests {
		o, rest, err := parseOptions(tt.args, env(tt.env...), all)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if strings.Join(rest, " ") != strings.Join(tt.rest, " ") {
			t.Errorf("%s: rest %q, want %q", tt.name, rest, tt.rest)
		}
		if tt.check != nil && !tt.check(o) {
			t.Errorf("%s: options %+v", tt.name, o)
		}
	}
}

func TestParseOptionsErrors(t *testing.T) {
	t.Parallel()
	all := func(*optDef) bool { return true }
	for _, args := range [][]string{
		{"--nope", "x"}, {"--grace"}, {"--grace", "1", "x"}, {"--stop-signal", "KILL", "x"},
		{"--single-child=maybe", "x"}, {"--grace", "1s", "--grace", "2s", "x"}, {"--log-format", "xml", "x"},
		{"--cron-overlap", "never", "x"}, {"--wait-interval", "0", "x"}, {"--remap-exit", "a:b", "x"},
		{"--service", "my web=x", "x"}, {"--service", "web", "x"}, {"--service", "web=a 'b", "x"},
		{"--restart", "maybe", "x"}, {"--restart-limit", "-2", "x"}, {"--restart-limit", "1.5", "x"},
		{"--pre-stop", "a;b", "x"}, {"--finish", "", "x"}, {"--service-dir", "/a", "--service-dir", "/b", "x"},
	} {
		_, _, err := parseOptions(args, env(), all)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	if _, _, err := parseOptions([]string{"--help"}, env(), all); !errors.Is(err, errHelp) {
		t.Errorf("--help: %v", err)
	}
	// wait and check accept only wait options.
	if _, _, err := parseOptions([]string{"--grace", "1s", "tcp://a:1"}, env(), func(d *optDef) bool { return d.wait }); err == nil {
		t.Error("initd wait accepted --grace")
	}
}

func TestEveryOptionHasEnvAndHelp(t *testing.T) {
	t.Parallel()
	var help bytes.Buffer
	writeHelp(&help)
	for _, d := range optionDefs() {
		if d.help == "" || d.group == "" {
			t.Errorf("--%s has no help or group", d.name)
		}
		if !strings.Contains(help.String(), "--"+d.name) || !strings.Contains(help.String(), d.envName()) {
			t.Errorf("help lacks --%s or %s", d.name, d.envName())
		}
	}
}

func FuzzParseOptions(f *testing.F) {
	f.Add("--grace=1s\x00--rewrite\x00USR1:0\x00sh", "INITD_STOP_SIGNAL=usr2")
	f.Add("--syslog\x00--\x00x", "INITD_REWRITE=a:b\nc")
	f.Fuzz(func(t *testing.T, args, envv string) {
		all := func(*optDef) bool { return true }
		_, _, _ = parseOptions(strings.Split(args, "\x00"), env(strings.Split(envv, "|")...), all)
	})
}
func TestParseArgsInterleaved(t *testing.T) {
	t.Parallel()
	wait := func(d *optDef) bool { return d.wait }
	o, rest, err := parseArgs([]string{"tcp://a:1", "--wait-timeout", "30s", "tcp://b:2", "--log-level=debug", "--", "--odd"}, env(), wait, true)
	if err != nil {
		t.Fatal(err)
	}
	if o.waitTimeout != 30*time.Second || o.logLevel != "debug" || strings.Join(rest, " ") != "tcp://a:1 tcp://b:2 --odd" {
		t.Errorf("timeout %v, level %s, rest %q", o.waitTimeout, o.logLevel, rest)
	}
}

// Every error is one line that names the bad value once, quoted and cut,
// with no internal suffix; a near miss gets a suggestion.
func TestParseErrorMessages(t *testing.T) {
	t.Parallel()
	all := func(*optDef) bool { return true }
	long := strings.Repeat("a", 128<<10)
	tests := []struct {
		args []string
		env  []string
		want string
	}{
		{args: []string{"--grce", "1s", "x"}, want: `unknown option "--grce": did you mean --grace? (see initd help)`},
		{args: []string{"--wait-time", "1s", "x"}, want: `unknown option "--wait-time": did you mean --wait-timeout? (see initd help)`},
		{args: []string{"--zzz", "x"}, want: `unknown option "--zzz" (see initd help)`},
		{args: []string{"--fo\no\xff", "x"}, want: `unknown option "--fo\no\xff" (see initd help)`},
		{args: []string{"--grace", "99999999h", "x"}, want: `--grace "99999999h": out of range (at most 2562047h)`},
		{args: []string{"--grace", "soon", "x"}, want: `--grace "soon": not a duration (examples: 500ms, 10s, 2m)`},
		{args: []string{"--grace", "10", "x"}, want: `--grace "10": not a duration (examples: 500ms, 10s, 2m)`},
		{args: []string{"--grace", "", "x"}, want: `--grace "": not a duration (examples: 500ms, 10s, 2m)`},
		{args: []string{"--stop-signal", "FOO", "x"}, want: `--stop-signal "FOO": unknown signal (a name like TERM, SIGTERM or sigterm, or a number)`},
		{args: []string{"--rewrite", "USR1:BAR", "x"}, want: `--rewrite "USR1:BAR": TO: unknown signal (a name like TERM, SIGTERM or sigterm, or a number)`},
		{args: []string{"--rewrite", "KILL:TERM", "x"}, want: `--rewrite "KILL:TERM": SIGKILL is never forwarded, so it cannot be rewritten`},
		{args: []string{"x"}, env: []string{"INITD_GRACE=1 s"}, want: `INITD_GRACE="1 s": not a duration (examples: 500ms, 10s, 2m)`},
		{args: []string{"--stop-signal", long, "x"},
			want: `--stop-signal "` + strings.Repeat("a", 64) + `"… (131072 bytes): unknown signal (a name like TERM, SIGTERM or sigterm, or a number)`},
	}
	for _, tt := range tests {
		_, _, err := parseOptions(tt.args, env(tt.env...), all)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%.40q: got  %v\nwant %s", tt.args, err, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"a\nb", `"a\nb"`},
		{"\xff", `"\xff"`},
		{strings.Repeat("x", 64), `"` + strings.Repeat("x", 64) + `"`},
		{strings.Repeat("x", 65), `"` + strings.Repeat("x", 64) + `"… (65 bytes)`},
		// A cut never splits a character: é is two bytes, at 63-64.
		{strings.Repeat("x", 63) + "é" + "yyy", `"` + strings.Repeat("x", 63) + `"… (68 bytes)`},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%.70q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestUnknownVariables(t *testing.T) {
	t.Parallel()
	got := unknownVariables([]string{
		"INITD_STOP_SINGAL=QUIT", "INITD_GRACE=1s", "INITD_MEMORY_LIMIT_BYTES=1", "INITD_CPU_LIMIT=1",
		"INITD_EXIT_STATUS=0", "INITD_HOOK_ENV=/x", "INITD_TEST_HELPER=x", "PATH=/bin", "INITD_WHATEVER=1", "XINITD_X=1",
	})
	want := []string{
		`unknown variable "INITD_STOP_SINGAL" ignored: did you mean INITD_STOP_SIGNAL?`,
		`unknown variable "INITD_WHATEVER" ignored`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestPrintError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{errors.Join(errors.New("one"), errors.New("two")), "initd: one\ninitd: two\n"},
		{usagef("%w", errors.Join(errors.New("one"), errors.New("two"))), "initd: one\ninitd: two\n"},
		{usagef("x: %w", errors.Join(errors.New("a\nb"), errors.New("c"))), "initd: x: a\\nb\ninitd: x: c\n"},
		{usagef("env-file a\nb\xff: open a\tb: é"), "initd: env-file a\\nb\\xff: open a\\tb: é\n"},
		{fmt.Errorf("plain"), "initd: plain\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		printError(&b, tt.err)
		if b.String() != tt.want {
			t.Errorf("printError(%q) = %q, want %q", tt.err, b.String(), tt.want)
		}
	}
}

// FuzzMessageText: whatever a value holds, a message is one line per
// error, each "initd: ...", with no control character and valid UTF-8,
// and a quoted value stays bounded.
func FuzzMessageText(f *testing.F) {
	f.Add("plain", "x")
	f.Add("a\nb\xff\x00", "\t\r")
	f.Fuzz(func(t *testing.T, a, b string) {
		var buf bytes.Buffer
		printError(&buf, usagef("--x %s: %w", quote(a), errors.Join(errors.New(b), errors.New(a))))
		out := buf.String()
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 2 || !utf8.ValidString(out) {
			t.Fatalf("%d lines or invalid UTF-8: %q", len(lines), out)
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "initd: ") || strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("bad line %q", l)
			}
		}
		if q := quote(a); len(q) > 4*maxQuoted+40 {
			t.Fatalf("quote(%d bytes) is %d bytes", len(a), len(q))
		}
	})
}
