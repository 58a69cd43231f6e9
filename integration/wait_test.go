package integration

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Waiting through the real binary: initd wait, initd check, --wait in the
// main form, and the exit statuses of the contract (0, 1, 2, 124).

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func openPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestWaitSubcommandExitStatus(t *testing.T) {
	t.Parallel()
	up, down := openPort(t), closedPort(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // a part of stderr
		within time.Duration
	}{
		{"ready", []string{"wait", "tcp://" + up, "file:///"}, 0, "", 5 * time.Second},
		{"timeout", []string{"wait", "--wait-timeout", "1s", "tcp://" + up, "tcp://" + down}, 124,
			"tcp://" + down + ": connection refused", 5 * time.Second},
		{"malformed", []string{"wait", "--wait-timeout", "30s", "tcp://" + up, "db:5432"}, 2, "db:5432", time.Second},
		{"bad port", []string{"wait", "tcp://db:99999"}, 2, "tcp://db:99999", time.Second},
		{"bad status list", []string{"wait", "--wait-status", "2xx", "http://" + up}, 2, "2xx", time.Second},
		{"bad header", []string{"wait", "--wait-header", "NoColon", "http://" + up}, 2, "--wait-header", time.Second},
		{"missing cacert", []string{"wait", "--wait-cacert", "/nonexistent.pem", "https://" + up}, 2, "/nonexistent.pem", time.Second},
		{"not a socket", []string{"wait", "--wait-timeout", "1s", "unix:///etc/passwd"}, 124,
			"unix:///etc/passwd: not a socket (a regular file)", 5 * time.Second},
		{"cacert a device", []string{"wait", "--wait-cacert", "/dev/zero", "https://" + up}, 2,
			"/dev/zero is a character device, not a regular file", time.Second},
		{"check ready", []string{"check", "tcp://" + up}, 0, "", 5 * time.Second},
		{"check down", []string{"check", "tcp://" + up, "tcp://" + down}, 1, "connection refused", 5 * time.Second},
		{"check malformed", []string{"check", "ftp://x/"}, 2, "ftp://x/", time.Second},
		{"validate malformed", []string{"validate", "--wait", "unix://relative", "--", "true"}, 2, "unix://relative", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			res := runInitd(t, testContext(t), tt.args)
			if res.Code != tt.code || !strings.Contains(res.Stderr, tt.stderr) {
				t.Fatalf("initd %q = %d, stderr:\n%s\nwant %d and %q", tt.args, res.Code, res.Stderr, tt.code, tt.stderr)
			}
			if took := time.Since(start); took > tt.within {
				t.Errorf("initd %q took %v, want under %v", tt.args, took, tt.within)
			}
			if strings.Contains(res.Stderr, "goroutine ") || strings.Contains(res.Stderr, "panic") {
				t.Errorf("stderr shows a panic:\n%s", res.Stderr)
			}
		})
	}
}

func TestWaitTimeoutNeverStartsCommand(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "command-ran")
	start := time.Now()
	res := runInitd(t, testContext(t),
		[]string{"--wait", "tcp://" + closedPort(t), "--wait-timeout", "1s", "--", "touch", marker})
	if res.Code != 124 {
		t.Fatalf("exit %d, want 124; stderr:\n%s", res.Code, res.Stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("COMMAND ran although the wait timed out")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a 1s wait took %v", took)
	}
}

func TestWaitFromEnvironment(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "command-ran")
	res := runInitd(t, testContext(t), []string{"--", "touch", marker},
		withEnv("INITD_WAIT=tcp://"+closedPort(t), "INITD_WAIT_TIMEOUT=500ms"))
	if res.Code != 124 {
		t.Fatalf("exit %d, want 124; stderr:\n%s", res.Code, res.Stderr)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("COMMAND ran although the wait timed out")
	}
}

func TestWaitThenCommandStartsWhenTargetAppears(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	dir := t.TempDir()
	late := filepath.Join(dir, "late")
	time.AfterFunc(700*time.Millisecond, func() {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return // the port was taken meanwhile; the test fails below
		}
		t.Cleanup(func() { ln.Close() })
		_ = os.WriteFile(late, nil, 0o600)
	})
	res := runInitd(t, testContext(t), []string{"--wait", "tcp://" + addr, "--wait", "file://" + late,
		"--wait-timeout", "20s", "--", "sh", "-c", "echo started"})
	if res.Code != 0 || res.Stdout != "started\n" {
		t.Fatalf("initd = %+v, want COMMAND to run once both targets are ready", res)
	}
}

func TestWaitHTTPStatusAndSecrets(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Token") != "tok-SECRET" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		switch r.URL.Path {
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/moved":
			http.Redirect(w, r, "/", http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close) // the subtests run in parallel, after this function returns
	withPassword := strings.Replace(srv.URL, "http://", "http://me:pw-SECRET@", 1)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"ready", []string{"wait", "--wait-header", "X-Token: tok-SECRET", withPassword + "/"}, 0, ""},
		{"503", []string{"wait", "--wait-timeout", "1s", "--wait-header", "X-Token: tok-SECRET", withPassword + "/down"},
			124, "status 503"},
		{"no header", []string{"wait", "--wait-timeout", "1s", srv.URL + "/"}, 124, "status 403"},
		{"302 not followed", []string{"check", "--wait-header", "X-Token: tok-SECRET", srv.URL + "/moved"}, 1, "status 302"},
		{"302 accepted", []string{"check", "--wait-header", "X-Token: tok-SECRET", "--wait-status", "200,300-399",
			srv.URL + "/moved"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runInitd(t, testContext(t), append([]string{}, tt.args...), withEnv("INITD_LOG_LEVEL=debug"))
			if res.Code != tt.code || !strings.Contains(res.Stderr, tt.stderr) {
				t.Fatalf("initd %q = %d, stderr:\n%s\nwant %d and %q", tt.args, res.Code, res.Stderr, tt.code, tt.stderr)
			}
			if strings.Contains(res.Stderr+res.Stdout, "SECRET") {
				t.Errorf("a header value or password reached initd's output:\n%s", res.Stderr)
			}
		})
	}
}

// TestWaitSubcommandStopsOnTERMAsPID1: `initd wait` in a Kubernetes init
// container is PID 1, where an unhandled SIGTERM is ignored by the kernel;
// a pod deletion must still end the wait at once.
func TestWaitSubcommandStopsOnTERMAsPID1(t *testing.T) {
	t.Parallel()
	p := startInitd(t, testContext(t), []string{"wait", "--wait-timeout", "60s", "tcp://" + closedPort(t)}, asPID1())
	pid := p.Pid()
	bin, err := filepath.Abs(initdBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "unshare's child to exec initd", func() bool {
		exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
		return err == nil && exe == bin
	})
	time.Sleep(200 * time.Millisecond) // let initd install its handlers; nothing to poll for
	start := time.Now()
	p.Signal(syscall.SIGTERM)
	res := p.Wait(10 * time.Second)
	if res.Code != 128+int(syscall.SIGTERM) {
		t.Errorf("exit %d after SIGTERM, want 143; stderr:\n%s", res.Code, res.Stderr)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("initd wait took %v to stop after SIGTERM", took)
	}
}
