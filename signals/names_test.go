package signals

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want syscall.Signal
	}{
		{"TERM", unix.SIGTERM}, {"SIGTERM", unix.SIGTERM}, {"sigterm", unix.SIGTERM}, {"15", unix.SIGTERM},
		{"term", unix.SIGTERM}, {" HUP ", unix.SIGHUP}, {"KILL", unix.SIGKILL}, {"usr1", unix.SIGUSR1},
		{"SIGWINCH", unix.SIGWINCH}, {"IOT", unix.SIGABRT}, {"RTMIN", 34}, {"SIGRTMIN+3", 37},
		{"rtmax-1", 63}, {"RTMAX", 64}, {"64", 64}, {"1", unix.SIGHUP},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "0", "65", "-1", "FOO", "SIG", "RTMIN+31", "RTMIN-1", "RTMAX+1", "RTMIN++1", "15x", "TERM TERM"} {
		if got, err := Parse(bad); err == nil || !errors.Is(err, ErrUnknown) {
			t.Errorf("Parse(%q) = %v, %v; want ErrUnknown", bad, got, err)
		}
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	for sig, want := range map[syscall.Signal]string{
		unix.SIGTERM: "SIGTERM", 34: "SIGRTMIN", 36: "SIGRTMIN+2", 64: "SIGRTMAX", 33: "signal 33",
	} {
		if got := Name(sig); got != want {
			t.Errorf("Name(%d) = %q, want %q", sig, got, want)
		}
	}
}

func TestParseRewrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		from, to syscall.Signal
		bad      bool
	}{
		{in: "USR1:TERM", from: unix.SIGUSR1, to: unix.SIGTERM},
		{in: "10:15", from: unix.SIGUSR1, to: unix.SIGTERM},
		{in: "HUP:0", from: unix.SIGHUP, to: 0},
		{in: "TERM:QUIT", from: unix.SIGTERM, to: unix.SIGQUIT},
		{in: "TERM", bad: true}, {in: "CHLD:TERM", bad: true}, {in: "KILL:TERM", bad: true},
		{in: "TERM:FOO", bad: true}, {in: ":TERM", bad: true}, {in: "URG:0", bad: true},
	}
	for _, tt := range tests {
		from, to, err := ParseRewrite(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseRewrite(%q) = %v,%v; want error", tt.in, from, to)
			}
			continue
		}
		if err != nil || from != tt.from || to != tt.to {
			t.Errorf("ParseRewrite(%q) = %v,%v,%v; want %v,%v", tt.in, from, to, err, tt.from, tt.to)
		}
	}
	r := Rewrites{unix.SIGHUP: 0, unix.SIGUSR1: unix.SIGTERM}
	if s, ok := r.Apply(unix.SIGHUP); ok {
		t.Errorf("HUP:0 forwarded as %v", s)
	}
	if s, ok := r.Apply(unix.SIGUSR1); !ok || s != unix.SIGTERM {
		t.Errorf("USR1:TERM gave %v %v", s, ok)
	}
	if s, ok := r.Apply(unix.SIGINT); !ok || s != unix.SIGINT {
		t.Errorf("INT unrewritten gave %v %v", s, ok)
	}
}

func TestForwardable(t *testing.T) {
	t.Parallel()
	for _, never := range []syscall.Signal{0, unix.SIGCHLD, unix.SIGURG, unix.SIGKILL, unix.SIGSTOP, unix.SIGPROF, unix.SIGPIPE, 32, 33, 34, 65} {
		if Forwardable(never) {
			t.Errorf("%v is caught", never)
		}
	}
	for _, must := range []syscall.Signal{unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGWINCH, unix.SIGSEGV, 35, 64} {
		if !Forwardable(must) {
			t.Errorf("%v is not caught", must)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"TERM", "sigterm", "15", "RTMIN+3", "rtmax-2", "", "SIG", "65", "RTMIN+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := Parse(s)
		if err != nil {
			return
		}
		if sig < 1 || sig > rtMax {
			t.Fatalf("Parse(%q) = %d, out of range", s, sig)
		}
		// A parsed signal's name parses back to the same signal.
		if back, err := Parse(Name(sig)); err == nil && back != sig {
			t.Fatalf("Parse(Name(%d)) = %d", sig, back)
		}
	})
}

func FuzzParseRewrite(f *testing.F) {
	for _, s := range []string{"USR1:TERM", "HUP:0", "10:15", ":", "TERM", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		from, to, err := ParseRewrite(s)
		if err != nil {
			return
		}
		if !Forwardable(from) || to < 0 || to > rtMax {
			t.Fatalf("ParseRewrite(%q) = %d:%d", s, from, to)
		}
	})
}

// 32 and 34 reach no Go handler: left at their default action they end
// the process. After Catch they are ignored, and the process lives.
func TestCatchSurvivesUnhandledSignals(t *testing.T) {
	if os.Getenv("SIGNALS_TEST_CHILD") == "1" {
		c := Catch()
		defer c.Stop()
		for _, sig := range []syscall.Signal{32, 34, 32, 34} {
			_ = unix.Kill(os.Getpid(), sig)
		}
		time.Sleep(100 * time.Millisecond)
		os.Exit(7)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCatchSurvivesUnhandledSignals$")
	cmd.Env = append(os.Environ(), "SIGNALS_TEST_CHILD=1")
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("child ended with %v, want exit status 7", err)
	}
}

// A flood of one signal never crowds out another: each number that
// arrived is read, however slowly the reader reads.
func TestCatcherNeverDropsASignalNumber(t *testing.T) {
	c := Catch()
	defer c.Stop()
	for i := 0; i < 20000; i++ {
		_ = unix.Kill(os.Getpid(), unix.SIGUSR1)
	}
	_ = unix.Kill(os.Getpid(), unix.SIGWINCH)
	for i := 0; i < 20000; i++ {
		_ = unix.Kill(os.Getpid(), unix.SIGUSR1)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case s := <-c.C():
			if s == unix.SIGWINCH {
				return
			}
			time.Sleep(10 * time.Microsecond) // a slow reader
		case <-timeout:
			t.Fatal("SIGWINCH was never read")
		}
	}
}
