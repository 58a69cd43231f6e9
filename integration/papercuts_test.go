package integration

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// What a new user trips over (issue 16), through the real binary: error
// messages, option order for wait, validate and crontabs, day-of-week 7,
// typos in INITD_* variables, --syslog=false, JSON mode with cron jobs, and
// syslog messages without a hostname.

// Every usage error is one line "initd: ..." that names the bad value once,
// quoted (so a newline cannot split it) and cut when long, with no internal
// suffix.
func TestPapercutUsageMessages(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 100<<10) // an argument may hold at most 128 KiB
	tests := []struct {
		name string
		args []string
		env  []string
		want string // the whole of stderr
	}{
		{"typo in an option", []string{"--grce", "1s", "true"}, nil,
			`initd: unknown option "--grce": did you mean --grace? (see initd help)`},
		{"shortened option", []string{"--wait-time", "1s", "true"}, nil,
			`initd: unknown option "--wait-time": did you mean --wait-timeout? (see initd help)`},
		{"newline in an option", []string{"--fo\no", "true"}, nil,
			`initd: unknown option "--fo\no" (see initd help)`},
		{"invalid UTF-8", []string{"--\xff", "true"}, nil,
			`initd: unknown option "--\xff" (see initd help)`},
		{"duration too large", []string{"--grace", "99999999h", "true"}, nil,
			`initd: --grace "99999999h": out of range (at most 2562047h)`},
		{"not a duration", []string{"--grace", "soon", "true"}, nil,
			`initd: --grace "soon": not a duration (examples: 500ms, 10s, 2m)`},
		{"variable", []string{"true"}, []string{"INITD_STOP_SIGNAL=NOPE"},
			`initd: INITD_STOP_SIGNAL="NOPE": unknown signal (a name like TERM, SIGTERM or sigterm, or a number)`},
		{"long value cut", []string{"--stop-signal", long, "true"}, nil,
			`initd: --stop-signal "` + strings.Repeat("a", 64) + `"… (102400 bytes): unknown signal (a name like TERM, SIGTERM or sigterm, or a number)`},
		{"rewrite", []string{"--rewrite", "USR1:NOPE", "true"}, nil,
			`initd: --rewrite "USR1:NOPE": TO: unknown signal (a name like TERM, SIGTERM or sigterm, or a number)`},
		{"cron field", []string{"--cron", "0 3 * * 8 x", "true"}, nil,
			`initd: --cron "0 3 * * 8 x": day-of-week field "8": 8 is outside 0-7`},
		{"wait target", []string{"--wait", "db:5432", "true"}, nil,
			`initd: --wait: bad wait target "db:5432": want SCHEME://..., SCHEME being tcp, http, https, unix or file`},
		{"template without DEST", []string{"--template", "good.tmpl", "true"}, nil,
			`initd: --template "good.tmpl": want SRC:DEST`},
		{"missing template", []string{"--template", "/nonexistent/a.tmpl:/tmp/a", "true"}, nil,
			`initd: --template /nonexistent/a.tmpl:/tmp/a: stat /nonexistent/a.tmpl: no such file or directory`},
		{"missing env file", []string{"--env-file", "/nonexistent/env", "true"}, nil,
			`initd: env-file /nonexistent/env: open /nonexistent/env: no such file or directory`},
		{"newline in a path", []string{"--env-file", "/nonexistent/a\nb", "true"}, nil,
			`initd: env-file /nonexistent/a\nb: open /nonexistent/a\nb: no such file or directory`},
		{"bad user", []string{"--user", "a:b c", "true"}, nil,
			`initd: --user "a:b c": group "b c" contains ':', a blank or a control character`},
		{"wait option not for wait", []string{"wait", "--grace", "1s", "tcp://127.0.0.1:1"}, nil,
			`initd: --grace is not an option here: initd wait and initd check take only the waiting and logging options (see initd help)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runInitd(t, ctxFor(t, 30*time.Second), tt.args, withEnv(tt.env...))
			if r.Code != 2 || r.Stderr != tt.want+"\n" {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 and:\n%s", r.Code, r.Stderr, tt.want)
			}
		})
	}
}

// initd wait and initd check take their options after the targets too.
func TestPapercutWaitOptionsAfterTargets(t *testing.T) {
	t.Parallel()
	down := closedPort(t)
	start := time.Now()
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"wait", "tcp://" + down, "--wait-timeout", "1s"})
	if took := time.Since(start); r.Code != 124 || took > 10*time.Second {
		t.Errorf("exit %d after %v, want 124 after about 1s (the --wait-timeout given after the target)\n%s", r.Code, took, r.Stderr)
	}
	want := "initd ERR wait: timed out after 1s: tcp://" + down + ": connection refused\n"
	if !strings.HasSuffix(r.Stderr, want) {
		t.Errorf("stderr %q, want it to end with %q", r.Stderr, want)
	}
	up := openPort(t)
	r = runInitd(t, ctxFor(t, 30*time.Second), []string{"check", "tcp://" + up, "--log-level=debug", "tcp://" + up})
	if r.Code != 0 {
		t.Errorf("check with an option between targets: exit %d\n%s", r.Code, r.Stderr)
	}
}

// The progress line says "not ready yet" with the reasons; the last line
// says how long it waited.
func TestPapercutWaitProgressWords(t *testing.T) {
	t.Parallel()
	down := closedPort(t)
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"wait", "--wait-timeout", "6s", "tcp://" + down})
	wantProgress := []string{"initd INF not ready yet ", `not_ready="tcp://` + down + ` (connection refused)"`, "elapsed=5s"}
	progress := false
	for _, line := range strings.Split(r.Stderr, "\n") {
		progress = progress || strings.HasPrefix(line, wantProgress[0]) &&
			strings.Contains(line, " "+wantProgress[1]) && strings.Contains(line, " "+wantProgress[2])
	}
	wantFinal := "initd ERR wait: timed out after 6s: tcp://" + down + ": connection refused"
	if r.Code != 124 || !progress || !strings.HasSuffix(r.Stderr, wantFinal+"\n") {
		t.Errorf("exit %d, stderr:\n%s\nwant 124, a line with %q and last %q", r.Code, r.Stderr, wantProgress, wantFinal)
	}
}

// validate reports every bad line of a crontab, one line each.
func TestPapercutValidateEveryBadCrontabLine(t *testing.T) {
	t.Parallel()
	tab := filepath.Join(t.TempDir(), "crontab")
	text := "# nightly\n61 * * * * a\n0 3 * * 7 fine\nCRON_TZ=Mars/Base\n\n@fortnightly b\n"
	if err := os.WriteFile(tab, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"validate", "--crontab", tab})
	want := "initd: crontab " + tab + `:2: minute field "61": 61 is outside 0-59` + "\n" +
		"initd: crontab " + tab + `:4: CRON_TZ="Mars/Base": unknown time zone Mars/Base` + "\n" +
		"initd: crontab " + tab + `:6: unknown descriptor "@fortnightly" (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every DURATION)` + "\n"
	if r.Code != 2 || r.Stderr != want {
		t.Errorf("exit %d, stderr:\n%s\nwant 2 and:\n%s", r.Code, r.Stderr, want)
	}
	// The same file at start: the same lines, nothing started.
	r = runInitd(t, ctxFor(t, 30*time.Second), []string{"--crontab", tab})
	if r.Code != 2 || r.Stderr != want {
		t.Errorf("start: exit %d, stderr:\n%s\nwant 2 and:\n%s", r.Code, r.Stderr, want)
	}
}

// 7 is Sunday, as in Vixie cron and cronie.
func TestPapercutDayOfWeekSeven(t *testing.T) {
	t.Parallel()
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"validate", "--cron", "CRON_TZ=UTC 0 3 * * 7 true", "--cron", "CRON_TZ=UTC 0 3 * * 6-7 true"})
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	var days []string
	for _, line := range strings.Split(r.Stdout, "\n") {
		if next, ok := strings.CutPrefix(strings.TrimSpace(line), "next: "); ok {
			when, err := time.Parse("2006-01-02 15:04:05 MST", next)
			if err != nil {
				t.Fatalf("next run %q: %v", next, err)
			}
			days = append(days, when.Weekday().String())
		}
	}
	got := strings.Join(days, " ")
	if !strings.HasPrefix(got, "Sunday Sunday Sunday ") || strings.Count(got, "Saturday") == 0 || strings.Count(got, "Sunday") < 4 {
		t.Errorf("next runs fall on %s; want three Sundays, then Saturdays and Sundays\n%s", got, r.Stdout)
	}
}

// A typo in an INITD_* variable gets a warning on initd's log (stderr, not
// stdout), with the nearest name; the variables initd sets itself do not.
func TestPapercutUnknownVariables(t *testing.T) {
	t.Parallel()
	// A clean environment: the test's own may hold INITD_* variables.
	env := withEnv("INITD_STOP_SINGAL=QUIT", "INITD_MEMORY_LIMIT_BYTES=1", "INITD_CPU_LIMIT=1", "INITD_EXIT_STATUS=0", "INITD_HOOK_ENV=/x")
	want := `unknown variable "INITD_STOP_SINGAL" ignored: did you mean INITD_STOP_SIGNAL?`
	for _, args := range [][]string{
		{"--", "echo", "out"},
		{"validate", "echo", "out"},
		{"wait", "file:///"},
	} {
		r := runInitd(t, ctxFor(t, 30*time.Second), args, withCleanEnv(), env)
		if r.Code != 0 || strings.Count(r.Stderr, "initd WRN "+want+"\n") != 1 || strings.Contains(r.Stdout, "INITD") {
			t.Errorf("initd %q: exit %d\nstdout:\n%s\nstderr:\n%s\nwant 0 and one warning %q on stderr", args, r.Code, r.Stdout, r.Stderr, want)
		}
		if strings.Count(r.Stderr, "unknown variable") != 1 {
			t.Errorf("initd %q warned about a variable initd sets itself:\n%s", args, r.Stderr)
		}
	}
}

// --syslog=false and INITD_SYSLOG=false or 0 turn syslog off; true and 1
// mean the default socket.
func TestPapercutSyslogFalse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		env  []string
		want string // validate's syslog line, "" for none
	}{
		{[]string{"--syslog=false"}, nil, ""},
		{[]string{"--syslog=0"}, nil, ""},
		{nil, []string{"INITD_SYSLOG=false"}, ""},
		{nil, []string{"INITD_SYSLOG=0"}, ""},
		{nil, []string{"INITD_SYSLOG=true"}, "syslog: /dev/log -> stdout"},
		{[]string{"--syslog=1"}, nil, "syslog: /dev/log -> stdout"},
		{[]string{"--syslog=./false"}, nil, "syslog: ./false -> stdout"},
	}
	for _, tt := range tests {
		args := append(append([]string{"validate"}, tt.args...), "true")
		r := runInitd(t, ctxFor(t, 30*time.Second), args, withEnv(tt.env...))
		got := ""
		for _, line := range strings.Split(r.Stdout, "\n") {
			if strings.HasPrefix(line, "syslog:") {
				got = line
			}
		}
		if r.Code != 0 || got != tt.want {
			t.Errorf("%q %q: exit %d, syslog line %q, want %q\n%s", tt.args, tt.env, r.Code, got, tt.want, r.Stderr)
		}
	}
	// Started for real, --syslog=false listens on no socket called false
	// in the working directory.
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"--syslog=false", "--", "sh", "-c", `if [ -e false ]; then echo exists; fi`})
	if r.Code != 0 || r.Stdout != "" {
		t.Errorf("exit %d, stdout %q\n%s", r.Code, r.Stdout, r.Stderr)
	}
}

// With --log-format json every line of initd's stderr is JSON, cron jobs'
// stderr lines included, as events naming the job; their stdout lines stay
// "[job1] ..." on stdout, COMMAND's stream.
func TestPapercutJSONModeCronOutput(t *testing.T) {
	t.Parallel()
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{
		"--log-format", "json", "--cron", "@every 1s echo to-out; echo to-err >&2",
		"--", selfBinary(t), "sleep", "2500ms",
	}, withEnv("INITD_TEST_HELPER=1"))
	if r.Code != 0 {
		t.Fatalf("exit %d\n%s", r.Code, r.Stderr)
	}
	type event struct{ Level, Logger, Job, Stream, Message string }
	parse := func(stream, text string) []event {
		var evs []event
		for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			var ev event
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Errorf("%s line is not JSON: %q", stream, line)
				continue
			}
			evs = append(evs, ev)
		}
		return evs
	}
	jobLines := func(evs []event, stream, msg string) int {
		n := 0
		for _, ev := range evs {
			if ev.Logger == "" && ev.Job == "job1" && ev.Stream == stream && ev.Message == msg && ev.Level == "info" {
				n++
			}
		}
		return n
	}
	if jobLines(parse("stderr", r.Stderr), "stderr", "to-err") == 0 || !strings.HasPrefix(r.Stdout, "[job1] to-out\n") {
		t.Errorf("no job event on stderr, or no [job1] line on stdout\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	}
}

// A syslog message with an empty hostname, as nginx sends it, keeps its
// program name.
func TestPapercutSyslogEmptyHostname(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "log")
	p := startInitd(t, ctxFor(t, 30*time.Second), []string{"--syslog=" + sock, "--", selfBinary(t), "sleep", "60s"},
		withEnv("INITD_TEST_HELPER=1"))
	waitUntil(t, 10*time.Second, "the syslog socket", func() bool {
		fi, err := os.Lstat(sock)
		return err == nil && fi.Mode()&os.ModeSocket != 0
	})
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(`<189>Nov 29 02:35:45  nginx: 127.0.0.1 - - "GET / HTTP/1.1" 200`)); err != nil {
		t.Fatal(err)
	}
	want := `nginx notice: 127.0.0.1 - - "GET / HTTP/1.1" 200` + "\n"
	waitUntil(t, 10*time.Second, "the syslog line", func() bool { return strings.Contains(p.Stdout(), want) })
	p.Signal(syscall.SIGTERM)
	r := p.Wait(20 * time.Second)
	if r.Stdout != want {
		t.Errorf("stdout %q, want %q", r.Stdout, want)
	}
}
