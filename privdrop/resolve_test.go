package privdrop

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

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
staff:x:50: app , other
dup:x:1000:app
nogroup:x:65534:
`

func testFiles(t *testing.T) Files {
	t.Helper()
	dir := t.TempDir()
	f := Files{Passwd: filepath.Join(dir, "passwd"), Group: filepath.Join(dir, "group")}
	if err := os.WriteFile(f.Passwd, []byte(testPasswd), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.Group, []byte(testGroup), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestResolve(t *testing.T) {
	t.Parallel()
	files := testFiles(t)
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
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			t.Parallel()
			spec, err := ParseSpec(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Resolve(spec, files)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			tt.want.Spec = spec
			if got.Name != tt.want.Name || got.UID != tt.want.UID || got.GID != tt.want.GID ||
				got.Home != tt.want.Home || !slices.Equal(got.Groups, tt.want.Groups) {
				t.Fatalf("Resolve(%s) = %+v, want %+v", tt.spec, got, tt.want)
			}
			cred := got.Credential()
			if cred.Uid != got.UID || cred.Gid != got.GID || cred.NoSetGroups || !slices.Equal(cred.Groups, got.Groups) {
				t.Fatalf("Credential() = %+v", cred)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	files := testFiles(t)
	tests := []struct {
		spec, want string
	}{
		{"ghost", `--user ghost: user "ghost" not found in ` + files.Passwd},
		{"app:ghosts", `--user app:ghosts: group "ghosts" not found in ` + files.Group},
		{"broken", `user "broken" not found`},
	}
	for _, tt := range tests {
		spec, err := ParseSpec(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Resolve(spec, files)
		if !errors.Is(err, ErrUnknown) || errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Resolve(%s) = %v, want ErrUnknown containing %q", tt.spec, err, tt.want)
		}
	}
}

func TestResolveWithoutDatabases(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := Files{Passwd: filepath.Join(dir, "none"), Group: filepath.Join(dir, "none")}
	got, err := Resolve(Spec{User: "10", Group: "20"}, files)
	if err != nil || got.UID != 10 || got.GID != 20 || len(got.Groups) != 0 || got.Home != "/" {
		t.Fatalf("Resolve numeric without files = %+v, %v", got, err)
	}
	if _, err := Resolve(Spec{User: "app"}, files); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Resolve(app) without passwd = %v, want ErrUnknown", err)
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
