package privdrop

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// Resolve reads the system's /etc/passwd and /etc/group through os/user.
// To check it against tables of our own, a helper process (this test
// binary) runs in a mount namespace of its own with testPasswd and
// testGroup bind-mounted over them, resolves every spec and reports back
// as JSON lines. That needs root; CI runs as root.

const testPasswd = `# comment
root:x:0:0:root:/root:/bin/bash
+nisuser
broken:x:notanumber:1::/:/bin/sh
app:x:1000:1000:App,,,:/home/app:/bin/sh
nohome:x:1001:1001:::/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`

const testGroup = `root:x:0:
wheel:x:10:root,app
app:x:1000:
staff:x:50:other,app
dup:x:1000:app
nogroup:x:65534:
`

// resolveHelper is the helper's mode; resolveFiles holds "PASSWD:GROUP"
// to mount, or "" for no files at all (an empty /etc); resolveSpecs the
// specs, one a line.
const (
	resolveHelper = "resolve"
	resolveFiles  = "PRIVDROP_TEST_FILES"
	resolveSpecs  = "PRIVDROP_TEST_SPECS"
)

// resolved is one answer of the helper.
type resolved struct {
	Spec    string
	ID      Identity
	Err     string
	Unknown bool
}

// runResolveHelper is the helper's side: mount, resolve, print.
func runResolveHelper() int {
	if files := os.Getenv(resolveFiles); files == "" {
		if err := syscall.Mount("tmpfs", "/etc", "tmpfs", 0, "mode=0755"); err != nil {
			os.Stderr.WriteString("mount tmpfs on /etc: " + err.Error() + "\n")
			return 5
		}
	} else {
		passwd, group, _ := strings.Cut(files, ":")
		for _, m := range [][2]string{{passwd, "/etc/passwd"}, {group, "/etc/group"}} {
			if err := syscall.Mount(m[0], m[1], "", syscall.MS_BIND, ""); err != nil {
				os.Stderr.WriteString("bind " + m[0] + " on " + m[1] + ": " + err.Error() + "\n")
				return 5
			}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	for _, s := range strings.Split(os.Getenv(resolveSpecs), "\n") {
		spec, err := ParseSpec(s)
		r := resolved{Spec: s}
		if err == nil {
			r.ID, err = Resolve(spec)
		}
		if err != nil {
			r.Err, r.Unknown = err.Error(), errors.Is(err, ErrUnknown)
		}
		if err := enc.Encode(r); err != nil {
			return 5
		}
	}
	return 0
}

// resolveIn resolves specs with the given passwd and group contents in
// place of the system's ("" for both: no files at all).
func resolveIn(t *testing.T, passwd, group string, specs []string) map[string]resolved {
	t.Helper()
	needRoot(t)
	files := ""
	if passwd != "" || group != "" {
		dir := t.TempDir()
		p, g := filepath.Join(dir, "passwd"), filepath.Join(dir, "group")
		for _, f := range [][2]string{{p, passwd}, {g, group}} {
			if err := os.WriteFile(f[0], []byte(f[1]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		files = p + ":" + g
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), helperEnv+"="+resolveHelper, resolveFiles+"="+files, resolveSpecs+"="+strings.Join(specs, "\n"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS} // mounts made private too
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("resolve helper: %v\n%s", err, stderr.String())
	}
	got := map[string]resolved{}
	for line := range strings.Lines(string(out)) {
		var r resolved
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("helper said %q: %v", line, err)
		}
		got[r.Spec] = r
	}
	return got
}

func TestResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec string
		want Identity
	}{
		{"app", Identity{Name: "app", UID: 1000, GID: 1000, Groups: []uint32{1000, 10, 50}, Home: "/home/app"}},
		{"1000", Identity{Name: "app", UID: 1000, GID: 1000, Groups: []uint32{1000, 10, 50}, Home: "/home/app"}},
		{"app:staff", Identity{Name: "app", UID: 1000, GID: 50, Home: "/home/app"}},
		{"app:0", Identity{Name: "app", UID: 1000, GID: 0, Home: "/home/app"}},
		{"nohome", Identity{Name: "nohome", UID: 1001, GID: 1001, Groups: []uint32{1001}, Home: "/"}},
		{"65534:65534", Identity{Name: "nobody", UID: 65534, GID: 65534, Home: "/nonexistent"}},
		{"4242", Identity{UID: 4242, GID: 0, Home: "/"}},
		{"4242:4242", Identity{UID: 4242, GID: 4242, Home: "/"}},
		{"4242:nogroup", Identity{UID: 4242, GID: 65534, Home: "/"}},
		{"root", Identity{Name: "root", UID: 0, GID: 0, Groups: []uint32{0, 10}, Home: "/root"}},
	}
	var specs []string
	for _, tt := range tests {
		specs = append(specs, tt.spec)
	}
	got := resolveIn(t, testPasswd, testGroup, specs)
	for _, tt := range tests {
		g, ok := got[tt.spec]
		if !ok || g.Err != "" {
			t.Errorf("Resolve(%s): %+v", tt.spec, g)
			continue
		}
		id := g.ID
		if id.Spec.String() != tt.spec || id.Name != tt.want.Name || id.UID != tt.want.UID || id.GID != tt.want.GID ||
			id.Home != tt.want.Home || !slices.Equal(id.Groups, tt.want.Groups) {
			t.Errorf("Resolve(%s) = %+v, want %+v", tt.spec, id, tt.want)
		}
		cred := id.Credential()
		if cred.Uid != id.UID || cred.Gid != id.GID || cred.NoSetGroups || !slices.Equal(cred.Groups, id.Groups) {
			t.Errorf("Credential() = %+v", cred)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec, want string
	}{
		{"ghost", `--user ghost: user "ghost" not found`},
		{"app:ghosts", `--user app:ghosts: group "ghosts" not found`},
		{"broken", `--user broken: user "broken" not found`},
	}
	var specs []string
	for _, tt := range tests {
		specs = append(specs, tt.spec)
	}
	got := resolveIn(t, testPasswd, testGroup, specs)
	for _, tt := range tests {
		// The whole message: no internal suffix such as ": unknown".
		if g := got[tt.spec]; !g.Unknown || g.Err != tt.want {
			t.Errorf("Resolve(%s) = %+v, want ErrUnknown with message %q", tt.spec, g, tt.want)
		}
	}
}

func TestResolveWithoutDatabases(t *testing.T) {
	t.Parallel()
	got := resolveIn(t, "", "", []string{"10:20", "10", "app"})
	if g := got["10:20"]; g.Err != "" || g.ID.UID != 10 || g.ID.GID != 20 || len(g.ID.Groups) != 0 || g.ID.Home != "/" {
		t.Errorf("Resolve(10:20) without files = %+v", g)
	}
	if g := got["10"]; g.Err != "" || g.ID.UID != 10 || g.ID.GID != 0 || g.ID.Home != "/" {
		t.Errorf("Resolve(10) without files = %+v", g)
	}
	if g := got["app"]; !g.Unknown || g.Err != `--user app: user "app" not found` {
		t.Errorf("Resolve(app) without files = %+v, want ErrUnknown", g)
	}
}

// TestResolveSystem needs no root: root is in every /etc/passwd.
func TestResolveSystem(t *testing.T) {
	t.Parallel()
	id, err := Resolve(Spec{User: "root"})
	if err != nil || id.UID != 0 || id.Name != "root" || len(id.Groups) == 0 || id.Groups[0] != id.GID {
		t.Fatalf("Resolve(root) = %+v, %v", id, err)
	}
	_, err = Resolve(Spec{User: "no-such-user-initd"})
	if !errors.Is(err, ErrUnknown) || err.Error() != `--user no-such-user-initd: user "no-such-user-initd" not found` {
		t.Fatalf("Resolve(no-such-user-initd) = %v", err)
	}
}

func TestEnvSetsHome(t *testing.T) {
	t.Parallel()
	got := Identity{Home: "/home/app"}.Env([]string{"PATH=/bin", "HOME=/root", "HOMER=x"})
	want := []string{"PATH=/bin", "HOMER=x", "HOME=/home/app"}
	if !slices.Equal(got, want) {
		t.Fatalf("Env = %q, want %q", got, want)
	}
}
