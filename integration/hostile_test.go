package integration

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Files of the wrong kind and of any size where initd reads a file (issue
// 15): nothing blocks, nothing is read without bound, and the message names
// the file and what it is.

// oddFiles makes, in a new directory, a FIFO (which nobody ever writes), a
// listening unix socket, a directory and a regular file of size bytes, and
// returns their paths.
func oddFiles(t *testing.T, size int) (fifo, sock, dir, big string) {
	t.Helper()
	dir = t.TempDir()
	fifo = filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock = filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	big = filepath.Join(dir, "big")
	if err := os.WriteFile(big, []byte(strings.Repeat("# a comment line\n", size/17+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return fifo, sock, dir, big
}

func TestStartupFilesOfTheWrongKindAreUsageErrors(t *testing.T) {
	t.Parallel()
	fifo, sock, dir, big := oddFiles(t, 4<<20)
	kinds := []struct{ path, says string }{
		{fifo, "is a FIFO (named pipe), not a regular file"},
		{sock, "is a socket, not a regular file"},
		{dir, "is a directory, not a regular file"},
		{"/dev/zero", "is a character device, not a regular file"},
		{big, "is larger than"},
	}
	for _, opt := range []string{"--env-file", "--crontab", "--wait-cacert"} {
		for _, k := range kinds {
			t.Run(opt+" "+filepath.Base(k.path), func(t *testing.T) {
				t.Parallel()
				start := time.Now()
				res := runInitd(t, ctxFor(t, 20*time.Second), []string{opt, k.path, "--", "true"})
				if res.Code != 2 || !strings.Contains(res.Stderr, k.path+" "+k.says) {
					t.Fatalf("initd %s %s: exit %d, stderr %q; want 2 and %q", opt, k.path, res.Code, res.Stderr, k.path+" "+k.says)
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("took %v", d)
				}
			})
		}
	}
}

func TestSecretFileOfTheWrongKindFailsStartup(t *testing.T) {
	t.Parallel()
	fifo, _, dir, _ := oddFiles(t, 0)
	big := filepath.Join(dir, "big-secret")
	if err := os.WriteFile(big, make([]byte, 1<<20+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, "/dev/zero", dir, big} {
		res := runInitd(t, ctxFor(t, 20*time.Second), []string{"--expand-file-env", "--", "sh", "-c", "echo started"},
			withCleanEnv(), withEnv("PW_FILE="+path))
		// A secret is read at run time, after the options: a start-up
		// failure (1), as for a missing secret file.
		if res.Code != 1 || !strings.Contains(res.Stderr, "PW_FILE="+path) || strings.Contains(res.Stdout, "started") {
			t.Errorf("PW_FILE=%s: %+v, want exit 1 naming PW_FILE and no COMMAND", path, res)
		}
	}
}

func TestEmptyCrontabWithoutCommandIsUsage(t *testing.T) {
	t.Parallel()
	tab := filepath.Join(t.TempDir(), "crontab")
	writeTestFile(t, tab, "# nothing yet\nSHELL=/bin/sh\n", 0o644)
	for _, args := range [][]string{{"--crontab", tab}, {"validate", "--crontab", tab}} {
		res := runInitd(t, ctxFor(t, 20*time.Second), args)
		if res.Code != 2 || !strings.Contains(res.Stderr, "nothing would run") {
			t.Errorf("initd %q: %+v, want exit 2 saying nothing would run", args, res)
		}
	}
}

func TestValidateChecksCACertWithoutHTTPSTarget(t *testing.T) {
	t.Parallel()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeTestFile(t, ca, "not a certificate\n", 0o644)
	res := runInitd(t, ctxFor(t, 20*time.Second), []string{"validate", "--wait-cacert", ca, "--", "true"})
	if res.Code != 2 || !strings.Contains(res.Stderr, ca) || !strings.Contains(res.Stderr, "no PEM certificate") {
		t.Fatalf("validate --wait-cacert %s: %+v, want exit 2 naming it", ca, res)
	}
}

func TestTailOnlyFollowsRegularFiles(t *testing.T) {
	t.Parallel()
	fifo, sock, dir, _ := oddFiles(t, 0)
	regular := filepath.Join(dir, "regular")
	writeTestFile(t, regular, "", 0o644)
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(dir, strings.Repeat(strings.Repeat("n", 200)+"/", 23)+"app.log") // 4,700 characters
	under := filepath.Join(regular, "app.log")
	paths := []string{fifo, "/dev/zero", sock, dir, loop, long, under}
	args := []string{"--log-level", "info"}
	for _, p := range paths {
		args = append(args, "--tail", p)
	}
	args = append(args, "--", "sh", "-c", "echo command ran")
	start := time.Now()
	res := runInitd(t, ctxFor(t, 20*time.Second), args)
	if res.Code != 0 || res.Stdout != "command ran\n" {
		t.Fatalf("exit %d, stdout %.200q (want only the command's line)\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	for _, p := range paths {
		if n := strings.Count(res.Stderr, "path="+p+"\n") + strings.Count(res.Stderr, "path="+p+" "); n != 1 {
			t.Errorf("--tail %.60s...: %d warnings naming it, want 1\nstderr:\n%s", p, n, res.Stderr)
		}
	}
}
