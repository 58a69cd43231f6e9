package logredirect

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFormatSyslog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"glibc syslog(3)", "<30>Nov 22 01:37:10 nginx[12]: started", "nginx[12] info: started"},
		{"logger local", "<131>Nov  2 01:37:10 myapp: hello", "myapp err: hello"},
		{"logger rfc3164 with host", "<13>Nov 22 01:37:10 vm myapp[30676]: hello 3164", "myapp[30676] notice: hello 3164"},
		{"rfc5424 with sd", `<12>1 2026-11-22T01:37:10.156210+00:00 vm myapp - ID7 [timeQuality tzKnown="1" isSynced="0"] hello 5424`, "myapp warning: hello 5424"},
		{"rfc5424 pid and escaped sd", `<165>1 2003-10-11T22:14:15.003Z host evntslog 42 ID47 [exampleSDID@32473 iut="3" eventID="a\]b\"c"][x@1 y="z"] BOMapp`, "evntslog[42] notice: BOMapp"},
		{"rfc5424 bom", "<14>1 - - app - - - \xef\xbb\xbfbody", "app info: body"},
		{"rfc5424 no msg", "<14>1 - - app 7 - -", "app[7] info: "},
		{"rfc5424 nil app", "<14>1 - - - - - - just text", "info: just text"},
		{"broken rfc5424 read as 3164", "<14>1 2026 host", "info: 1 2026 host"},
		{"no tag", "<14>Nov 22 01:37:10 some text without a tag", "info: some text without a tag"},
		{"rfc3339 timestamp 3164", "<11>2026-11-22T01:37:10Z app[3]: x", "app[3] err: x"},
		{"no timestamp", "<15>cron[5]: job", "cron[5] debug: job"},
		{"newlines escaped", "<14>app: one\ntwo\n\n", "app info: one#012two"},
		{"no pri: raw", "plain text", "plain text"},
		{"bad pri: raw", "<192>app: x", "<192>app: x"},
		{"bad pri leading zero", "<013>app: x", "<013>app: x"},
		{"empty", "", ""},
		{"pri only", "<0>", "emerg: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(formatSyslog(nil, []byte(tt.in))); got != tt.want {
				t.Fatalf("formatSyslog(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzFormatSyslog checks that any datagram becomes exactly one line
// without control characters, that a datagram with a valid <PRI> always
// names its severity, and that nothing panics.
func FuzzFormatSyslog(f *testing.F) {
	for _, s := range []string{
		"<30>Nov 22 01:37:10 nginx[12]: started",
		"<13>Nov 22 01:37:10 vm myapp[30676]: hello",
		`<165>1 2003-10-11T22:14:15.003Z host app 42 ID47 [a b="\]"] msg`,
		"<14>1 - - - - - -",
		"<0>", "<", "<1", "[", "plain", "<14>1 - - - - - [unterminated",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := formatSyslog(nil, in)
		for _, c := range out {
			if (c < 0x20 && c != '\t') || c == 0x7f {
				t.Fatalf("control character %#x in %q", c, out)
			}
		}
		if pri, _, ok := parsePRI(bytes.TrimRight(in, "\n\r\x00")); ok {
			if !bytes.Contains(out, []byte(severityNames[pri&7]+": ")) {
				t.Fatalf("severity %s missing in %q", severityNames[pri&7], out)
			}
		}
	})
}

func TestSyslogListenerWithLogger(t *testing.T) {
	t.Parallel()
	loggerBin, err := exec.LookPath("logger")
	if err != nil {
		t.Skip("logger(1) not installed")
	}
	sock := filepath.Join(t.TempDir(), "log")
	rec := &recorder{}
	out := NewOutput(rec)
	l := NewSyslogListener(out, SyslogConfig{Path: sock})
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o666 {
		t.Fatalf("socket mode: %v, %v; want 0666", fi.Mode(), err)
	}
	runs := []struct {
		args []string
		want string
	}{
		{[]string{"-t", "plain", "-p", "local0.err", "default format"}, "plain err: default format"},
		{[]string{"--rfc3164", "-t", "bsd", "-p", "user.notice", "rfc 3164"}, "bsd notice: rfc 3164"},
		{[]string{"--rfc5424", "-t", "new", "--msgid", "M1", "-p", "daemon.warning", "rfc 5424"}, "new warning: rfc 5424"},
		{[]string{"--rfc5424", "--id=4242", "-t", "withpid", "-p", "user.debug", "pid"}, "withpid[4242] debug: pid"},
	}
	for _, r := range runs {
		cmd := exec.Command(loggerBin, append([]string{"-u", sock, "--socket-errors=on"}, r.args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("logger %v: %v: %s", r.args, err, b)
		}
	}
	// Messages sent right before Stop are still copied.
	c, err := net.Dial("unixgram", sock)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		fmt.Fprintf(c, "<14>burst[1]: %d", i)
	}
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	closeOutput(t, out)
	got := strings.Split(strings.TrimSuffix(rec.text(), "\n"), "\n")
	if len(got) != len(runs)+100 {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(runs)+100, rec.text())
	}
	for i, r := range runs {
		if got[i] != r.want {
			t.Errorf("line %d = %q, want %q", i, got[i], r.want)
		}
	}
	if got[len(got)-1] != "burst[1] info: 99" {
		t.Errorf("last line %q", got[len(got)-1])
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("socket file still there after Stop: %v", err)
	}
}

func TestSyslogListenerSocketFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	regular := filepath.Join(dir, "file")
	if err := os.WriteFile(regular, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "stale")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: stale, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	c.Close() // leaves the file behind, nobody listening
	live := filepath.Join(dir, "live")
	lc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: live, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close()
	tests := []struct {
		name, path string
		wantErr    string
	}{
		{"regular file is kept", regular, "not a socket"},
		{"stale socket is replaced", stale, ""},
		{"live socket is kept", live, "another program"},
		{"missing directory", filepath.Join(dir, "no", "log"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := NewOutput(&recorder{})
			defer closeOutput(t, out)
			l := NewSyslogListener(out, SyslogConfig{Path: tt.path})
			err := l.Start()
			defer l.Stop(context.Background())
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Start() = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestSyslogNeverBlocksSendersWhenOutputStuck(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "log")
	gate := make(chan struct{})
	defer close(gate)
	out := NewOutput(&recorder{gate: gate}, WithQueueLimit(16<<10))
	l := NewSyslogListener(out, SyslogConfig{Path: sock})
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("unixgram", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A sender blocks only if the listener stops reading; with stdout stuck
	// it must read on and drop instead.
	if err := c.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	const n = 20000
	for i := range n {
		if _, err := fmt.Fprintf(c, "<14>app[1]: message %d %s", i, strings.Repeat("x", 100)); err != nil {
			t.Fatalf("send %d blocked or failed: %v", i, err)
		}
	}
	waitFor(t, 10*time.Second, "lines to be dropped", func() bool { return out.Dropped() > n/2 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}
