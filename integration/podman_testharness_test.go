package integration

// examples/test-harness/supervise.sh, run as its README says: a test
// script supervising a process tree with initd, which must leave nothing
// behind whether the script ends normally or is SIGKILLed (--pdeathsig).
// No container here: the example is about initd as a test supervisor on the
// host; it lives beside the podman tests because it is one of the examples.

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/initd-dev/initd/internal/testutil"
)

func TestExampleTestHarness(t *testing.T) {
	if _, err := os.Stat(busyboxPath); err != nil {
		skipOrFail(t, "the test-harness example needs busybox at %s: %v (apt-get install busybox-static)", busyboxPath, err)
	}
	script, err := filepath.Abs("../examples/test-harness/supervise.sh")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		kill bool // SIGKILL the script once the tree is up
	}{
		{"ends normally", false},
		{"script killed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, time.Minute)
			pidfile := filepath.Join(t.TempDir(), "pids")
			env := []string{
				"INITD=" + initdBinary(t),
				"BUSYBOX=" + busyboxPath,
				"PORT=" + portOf(t, closedPort(t)),
				"PIDFILE=" + pidfile,
			}
			if tt.kill {
				env = append(env, "HOLD=1")
			}
			cmd := exec.CommandContext(ctx, "sh", script)
			cmd.Env = append(os.Environ(), env...)
			var out testutil.SyncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()

			if tt.kill {
				waitUntil(t, 30*time.Second, "the script to hold with the tree up", func() bool {
					select {
					case err := <-done:
						t.Fatalf("supervise.sh ended before holding: %v\n%s", err, out.String())
					default:
					}
					return strings.Contains(out.String(), "test: holding")
				})
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				<-done
			} else {
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("supervise.sh: %v\n%s", err, out.String())
					}
				case <-ctx.Done():
					t.Fatalf("supervise.sh did not finish\n%s", out.String())
				}
				if !strings.Contains(out.String(), "test: got: hello") {
					t.Errorf("supervise.sh did not reach the server:\n%s", out.String())
				}
			}

			pids := readPids(t, pidfile)
			if len(pids) < 4 {
				t.Fatalf("the tree recorded %d pids (%v), want 4\n%s", len(pids), pids, out.String())
			}
			waitUntil(t, 15*time.Second, "every process of the tree to be gone", func() bool {
				for _, pid := range pids {
					if alive(pid) {
						return false
					}
				}
				return true
			})
		})
	}
}

// portOf is the port of a host:port address.
func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}
