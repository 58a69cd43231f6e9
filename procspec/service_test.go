package procspec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseService(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Service
		wantErr string
	}{
		{in: "web=httpd -f -p 8080", want: Service{"web", []string{"httpd", "-f", "-p", "8080"}, SourceFlag}},
		{in: "a.b_c-9=sh -c 'echo a=b'", want: Service{"a.b_c-9", []string{"sh", "-c", "echo a=b"}, SourceFlag}},
		{in: "x=env A=1 prog", want: Service{"x", []string{"env", "A=1", "prog"}, SourceFlag}},
		{in: "httpd -f", wantErr: "want NAME=COMMAND"},
		{in: "=httpd", wantErr: "empty service NAME"},
		{in: "my web=httpd", wantErr: `service NAME "my web"`},
		{in: "wéb=httpd", wantErr: "only letters"},
		{in: "web=", wantErr: "service web: empty command"},
		{in: "web=  # nothing", wantErr: "empty command"},
		{in: `web=echo "abc`, wantErr: "unterminated double quote at position 6"},
	}
	for _, tt := range tests {
		got, err := ParseService(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseService(%q): error %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseService(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestCheckUnique(t *testing.T) {
	t.Parallel()
	ok := []Service{{Name: "a", Source: SourceFlag}, {Name: "b", Source: "/s/b/run"}}
	if err := CheckUnique(ok); err != nil {
		t.Errorf("CheckUnique(%v): %v", ok, err)
	}
	dup := append(ok, Service{Name: "a", Source: "/s/a/run"})
	err := CheckUnique(dup)
	if err == nil || !strings.Contains(err.Error(), `"a" is used twice: by --service and by /s/a/run`) {
		t.Errorf("CheckUnique with a duplicate: %v", err)
	}
}

// tree makes files under dir: a name ending in "/" is a directory, "@x" a
// symbolic link to x, otherwise a file with the given mode.
func tree(t *testing.T, dir string, files map[string]os.FileMode) {
	t.Helper()
	for name, mode := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasSuffix(name, "/"):
			err = os.MkdirAll(p, 0o755)
		default:
			err = os.WriteFile(p, []byte("#!/bin/sh\n"), mode)
			if err == nil {
				err = os.Chmod(p, mode) // past the umask
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestServiceDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tree(t, dir, map[string]os.FileMode{
		"web/run":          0o755,
		"web/finish":       0o755, // not initd's: ignored
		"worker/run":       0o700,
		"cron/run":         0o644, // not executable
		"empty/":           0,
		"runisdir/run/":    0,
		"README":           0o644,
		"bad name/run":     0o755,
		"elsewhere/b/run":  0o755,
		"elsewhere/c/run/": 0,
	})
	if err := os.Symlink(filepath.Join(dir, "elsewhere/b"), filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	services, skipped, err := ServiceDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range services {
		names = append(names, s.Name)
		if want := filepath.Join(dir, s.Name, "run"); !reflect.DeepEqual(s.Argv, []string{want}) || s.Source != want {
			t.Errorf("service %s: argv %q, source %q; want [%s] and %s", s.Name, s.Argv, s.Source, want, want)
		}
	}
	if want := []string{"linked", "web", "worker"}; !reflect.DeepEqual(names, want) {
		t.Errorf("services %q, want %q", names, want)
	}
	reasons := map[string]string{}
	for _, s := range skipped {
		reasons[strings.TrimPrefix(s.Path, dir+"/")] = s.Reason
	}
	want := map[string]string{
		"README":        "not a directory",
		"bad name":      "not a service NAME",
		"cron/run":      "not executable (mode 0644)",
		"dangling":      "no such file",
		"elsewhere/run": "missing",
		"empty/run":     "missing",
		"runisdir/run":  "a directory",
	}
	for p, r := range want {
		if !strings.Contains(reasons[p], r) {
			t.Errorf("skipped %s: reason %q, want one containing %q (all: %q)", p, reasons[p], r, reasons)
		}
	}
	if len(reasons) != len(want) {
		t.Errorf("skipped %q, want exactly %q", reasons, want)
	}
	if _, _, err := ServiceDir(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("ServiceDir of a missing directory: %v", err)
	}
	if _, _, err := ServiceDir(filepath.Join(dir, "README")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("ServiceDir of a file: %v", err)
	}
}

func TestInitDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tree(t, dir, map[string]os.FileMode{
		"20-seed":    0o755,
		"10-migrate": 0o700,
		"10-Z":       0o755, // 'Z' < 'm' in byte order
		"30-notes":   0o644,
		"40-dir/":    0,
		".hidden":    0o755,
	})
	if err := os.Symlink(filepath.Join(dir, "20-seed"), filepath.Join(dir, "50-link")); err != nil {
		t.Fatal(err)
	}
	hooks, skipped, err := InitDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range hooks {
		names = append(names, filepath.Base(h))
	}
	if want := []string{".hidden", "10-Z", "10-migrate", "20-seed", "50-link"}; !reflect.DeepEqual(names, want) {
		t.Errorf("hooks %q, want %q", names, want)
	}
	if len(skipped) != 2 || filepath.Base(skipped[0].Path) != "30-notes" || !strings.Contains(skipped[0].Reason, "not executable") ||
		filepath.Base(skipped[1].Path) != "40-dir" || !strings.Contains(skipped[1].Reason, "directory") {
		t.Errorf("skipped %+v, want 30-notes (not executable) and 40-dir (a directory)", skipped)
	}
	if _, _, err := InitDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("InitDir of a missing directory: no error")
	}
}

// FuzzParseService: ParseService never panics, and what it accepts has a
// valid NAME and at least one word.
func FuzzParseService(f *testing.F) {
	for _, s := range []string{"web=httpd -f", "a=", "=x", "x y=z", `w=sh -c "a; b"`, "w=a;b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		svc, err := ParseService(s)
		if err != nil {
			return
		}
		if CheckName(svc.Name) != nil || len(svc.Argv) == 0 || svc.Source != SourceFlag {
			t.Fatalf("ParseService(%q) = %+v", s, svc)
		}
	})
}
