package privdrop

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv switches the test binary into a helper process that reports
// CheckPrivilege's verdict, so the check runs under a real non-root uid.
const helperEnv = "PRIVDROP_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == resolveHelper {
		os.Exit(runResolveHelper())
	}
	if os.Getenv(helperEnv) == "check-privilege" {
		if err := CheckPrivilege(Spec{User: "app"}); err != nil {
			fmt.Println(err)
			if errors.Is(err, ErrPrivilege) {
				os.Exit(3)
			}
			os.Exit(4)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root, and CI runs as root")
		}
		t.Skip("needs root")
	}
}

// statusLine returns the value of one field of a /proc/PID/status dump.
func statusLine(status, field string) string {
	for line := range strings.Lines(status) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return "<missing>"
}

// TestCredentialInChild checks what the Go runtime does with Credential:
// all four uids and gids change, and supplementary groups are set or
// cleared, as seen by the child in /proc/self/status.
func TestCredentialInChild(t *testing.T) {
	needRoot(t)
	t.Parallel()
	tests := []struct {
		name       string
		id         Identity
		wantGroups string
	}{
		{"cleared", Identity{UID: 65534, GID: 65534}, ""},
		{"set", Identity{UID: 1000, GID: 1000, Groups: []uint32{1000, 10, 50}}, "10 50 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("/bin/cat", "/proc/self/status")
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: tt.id.Credential()}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("cat /proc/self/status as %d:%d: %v", tt.id.UID, tt.id.GID, err)
			}
			uid := fmt.Sprintf("%d %[1]d %[1]d %[1]d", tt.id.UID)
			gid := fmt.Sprintf("%d %[1]d %[1]d %[1]d", tt.id.GID)
			if got := statusLine(string(out), "Uid"); got != uid {
				t.Errorf("Uid (real effective saved fs) = %q, want %q", got, uid)
			}
			if got := statusLine(string(out), "Gid"); got != gid {
				t.Errorf("Gid (real effective saved fs) = %q, want %q", got, gid)
			}
			if got := statusLine(string(out), "Groups"); got != tt.wantGroups {
				t.Errorf("Groups = %q, want %q", got, tt.wantGroups)
			}
		})
	}
}

func TestCheckPrivilege(t *testing.T) {
	needRoot(t)
	t.Parallel()
	if err := CheckPrivilege(Spec{User: "app"}); err != nil {
		t.Fatalf("CheckPrivilege as root: %v", err)
	}
	// The same check from a process running as nobody.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // nobody must reach the copy
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "privdrop.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// A fork elsewhere in this test binary may briefly hold the copy open
	// for writing (ETXTBSY); that passes once the fork has exec'd.
	for try := 0; ; try++ {
		cmd := exec.Command(bin)
		cmd.Env = []string{helperEnv + "=check-privilege"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out.Reset()
		cmd.Stdout, cmd.Stderr = &out, &out
		if err = cmd.Run(); !errors.Is(err, syscall.ETXTBSY) || try == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("helper as nobody: %v, output %q; want exit 3 (ErrPrivilege)", err, out.String())
	}
	want := "--user app: need root (CAP_SETUID) to switch user"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("message %q does not contain %q", out.String(), want)
	}
}
