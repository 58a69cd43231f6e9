package templates

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func writeFile(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask
		t.Fatal(err)
	}
}

func readFileT(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFuncs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	writeFile(t, secret, "from-file\n", 0o600)
	env := map[string]string{"HOSTS": "a,b,c", "NAME": " Mixed Case ", "EMPTY": "", "Q": `say "hi" & <bye>`, "S": "it's", "SECRET_PATH": secret}
	tests := []struct {
		tmpl, want string
	}{
		{`{{ .Env.HOSTS }}`, "a,b,c"},
		{`{{ env "NOPE" }}|{{ env "HOSTS" }}`, "|a,b,c"},
		{`{{ env "NOPE" | default "8080" }} {{ .Env.HOSTS | default "x" }} {{ .Env.EMPTY | default "d" }}`, "8080 a,b,c d"},
		{`{{ .Env.HOSTS | required "HOSTS must be set" }}`, "a,b,c"},
		{`{{ .Env.HOSTS | split "," | join " " }}`, "a b c"},
		{`{{ range split "," .Env.HOSTS }}[{{ . }}]{{ end }}`, "[a][b][c]"},
		{`{{ len (split "," "") }}`, "0"},
		{`{{ upper .Env.NAME }}|{{ lower .Env.NAME }}|{{ trim .Env.NAME }}`, " MIXED CASE | mixed case |Mixed Case"},
		{`{{ .Env.HOSTS | replace "," ";" }}`, "a;b;c"},
		{`{{ contains "b" .Env.HOSTS }} {{ hasPrefix "a," .Env.HOSTS }} {{ hasSuffix "x" .Env.HOSTS }}`, "true true false"},
		{`{{ file .Env.SECRET_PATH | trim }}`, "from-file"},
		{`{{ .Env.Q | quote }}`, `"say \"hi\" & <bye>"`},
		{`{{ split "," .Env.HOSTS | json }}`, `["a","b","c"]`},
		{`{{ squote .Env.S }}`, `'it'\''s'`},
		{`{{ if eq .Env.HOSTS "a,b,c" }}yes{{ end }}`, "yes"},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src, dest := filepath.Join(dir, "in.tmpl"), filepath.Join(dir, "out")
			writeFile(t, src, tt.tmpl, 0o644)
			if err := Render(context.Background(), zerolog.Nop(), env, Spec{src, dest}); err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got := readFileT(t, dest); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderErrorsKeepOldDest(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PASSWORD": "s3cret", "EMPTY": ""}
	tests := []struct {
		name, tmpl, want string
	}{
		{"missing key", "pw={{ .Env.PASSWORD }} host={{ .Env.DB_HOST }}", `map has no entry for key "DB_HOST"`},
		{"required empty", `{{ .Env.EMPTY | required "EMPTY must not be empty" }}`, "EMPTY must not be empty"},
		{"unreadable file", `{{ file "/nonexistent/secret" }}`, "/nonexistent/secret"},
		{"unknown field", `{{ .Env.PASSWORD.Field }}`, "Field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src, dest := filepath.Join(dir, "in.tmpl"), filepath.Join(dir, "out.conf")
			writeFile(t, src, tt.tmpl, 0o644)
			writeFile(t, dest, "old content\n", 0o600)
			err := Render(context.Background(), zerolog.Nop(), env, Spec{src, dest})
			if err == nil || errors.Is(err, ErrUsage) {
				t.Fatalf("Render = %v, want a run-time error", err)
			}
			for _, want := range []string{tt.want, src, dest} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q leaks a value", err)
			}
			if got := readFileT(t, dest); got != "old content\n" {
				t.Errorf("DEST changed to %q", got)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 2 {
				t.Errorf("directory holds %d entries, want SRC and DEST only", len(entries))
			}
		})
	}
}

func TestRenderModeAndDirs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "run.sh.tmpl")
	dest := filepath.Join(dir, "new", "deeper", "run.sh")
	writeFile(t, src, "#!/bin/sh\necho {{ .Env.X }}\n", 0o750)
	if err := Render(context.Background(), zerolog.Nop(), map[string]string{"X": "hi"}, Spec{src, dest}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o750 {
		t.Errorf("DEST mode %v, want 0750 from SRC", fi.Mode().Perm())
	}
	// Replacing an existing DEST with a different mode takes SRC's mode too.
	if err := os.Chmod(src, 0o604); err != nil {
		t.Fatal(err)
	}
	if err := Render(context.Background(), zerolog.Nop(), map[string]string{"X": "again"}, Spec{src, dest}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o604 {
		t.Errorf("DEST mode %v after re-render, want 0604", fi.Mode().Perm())
	}
	if got := readFileT(t, dest); got != "#!/bin/sh\necho again\n" {
		t.Errorf("DEST = %q", got)
	}
}

func TestRenderDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dest := filepath.Join(dir, "src"), filepath.Join(dir, "dest")
	writeFile(t, filepath.Join(src, "a.conf"), "a={{ .Env.A }}", 0o644)
	writeFile(t, filepath.Join(src, "sub", "b.conf"), "b={{ .Env.B }}", 0o600)
	// A Kubernetes ConfigMap volume: visible names are symlinks into ..data.
	writeFile(t, filepath.Join(src, "..2026_11_22", "c.conf"), "c={{ .Env.A }}", 0o644)
	for _, l := range [][2]string{{"..2026_11_22", "..data"}, {"..data/c.conf", "c.conf"}, {"sub", "loop"}} {
		if err := os.Symlink(l[0], filepath.Join(src, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	set, err := Parse(Spec{src, dest})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(set.Files()); n != 3 {
		t.Fatalf("Parse found %d files (%+v), want a.conf, c.conf, sub/b.conf", n, set.Files())
	}
	if err := set.Render(context.Background(), zerolog.Nop(), map[string]string{"A": "1", "B": "2"}); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]string{"a.conf": "a=1", "sub/b.conf": "b=2", "c.conf": "c=1"} {
		if got := readFileT(t, filepath.Join(dest, rel)); got != want {
			t.Errorf("%s = %q, want %q", rel, got, want)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dest, "sub", "b.conf")); fi.Mode().Perm() != 0o600 {
		t.Errorf("sub/b.conf mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dest, "..data")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("..data was rendered: %v", err)
	}
}

func TestRenderAllOrNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.tmpl"), filepath.Join(dir, "bad.tmpl")
	goodDest, badDest := filepath.Join(dir, "good.out"), filepath.Join(dir, "bad.out")
	writeFile(t, good, "{{ .Env.A }}", 0o644)
	writeFile(t, bad, "{{ .Env.MISSING }}", 0o644)
	writeFile(t, goodDest, "old", 0o644)
	err := Render(context.Background(), zerolog.Nop(), map[string]string{"A": "new"}, Spec{good, goodDest}, Spec{bad, badDest})
	if err == nil {
		t.Fatal("Render succeeded with a missing key")
	}
	if got := readFileT(t, goodDest); got != "old" {
		t.Errorf("first DEST replaced although a later template failed: %q", got)
	}
	if _, err := os.Stat(badDest); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("failing DEST exists: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	okSrc := filepath.Join(dir, "ok.tmpl")
	writeFile(t, okSrc, "{{ .Env.A }}", 0o644)
	syntax := filepath.Join(dir, "syntax.tmpl")
	writeFile(t, syntax, "{{ .Env.A ", 0o644)
	unknownFunc := filepath.Join(dir, "func.tmpl")
	writeFile(t, unknownFunc, "{{ nosuch .Env.A }}", 0o644)
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		specs []Spec
		want  string
	}{
		{"missing src", []Spec{{filepath.Join(dir, "nope"), "/tmp/x"}}, "no such file"},
		{"syntax", []Spec{{syntax, filepath.Join(dir, "o")}}, "syntax.tmpl:1"},
		{"unknown function", []Spec{{unknownFunc, filepath.Join(dir, "o")}}, `function "nosuch" not defined`},
		{"empty directory", []Spec{{empty, filepath.Join(dir, "o")}}, "holds no template files"},
		{"same dest twice", []Spec{{okSrc, filepath.Join(dir, "o")}, {okSrc, filepath.Join(dir, ".", "o")}}, "also written from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.specs...)
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v, want usage error containing %q", err, tt.want)
			}
		})
	}
}

func TestRenderDestIsDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "in")
	writeFile(t, src, "x", 0o644)
	err := Render(context.Background(), zerolog.Nop(), nil, Spec{src, dir})
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("Render onto a directory = %v", err)
	}
}

func TestRenderCanceled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "in")
	writeFile(t, src, "x", 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Render(ctx, zerolog.Nop(), nil, Spec{src, filepath.Join(dir, "out")}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Render with canceled context = %v", err)
	}
}

func TestParseSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Spec
		wantErr bool
	}{
		{"a.tmpl:/etc/a.conf", Spec{"a.tmpl", "/etc/a.conf"}, false},
		{"/t:/etc/x:y", Spec{"/t", "/etc/x:y"}, false},
		{"nocolon", Spec{}, true},
		{":/dest", Spec{}, true},
		{"src:", Spec{}, true},
	}
	for _, tt := range tests {
		got, err := ParseSpec(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSpec(%q) = %+v, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrUsage) {
			t.Errorf("ParseSpec(%q) error %v is not a usage error", tt.in, err)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"a:b", ":", "a:", ":b", "a:b:c", "", "x\x00:y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseSpec(s)
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("error %v is not a usage error", err)
			}
			return
		}
		if spec.Src == "" || spec.Dest == "" || spec.String() != s {
			t.Fatalf("ParseSpec(%q) = %+v", s, spec)
		}
	})
}

func TestFileKindsAndSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	writeFile(t, big, strings.Repeat("x", MaxFileSize+1), 0o644)
	atLimit := filepath.Join(dir, "at-limit")
	writeFile(t, atLimit, strings.Repeat("x", MaxFileSize), 0o644)
	tests := []struct {
		path, want string
	}{
		{fifo, "is a FIFO, not a regular file"},
		{"/dev/zero", "is a character device, not a regular file"},
		{dir, "is a directory, not a regular file"},
		{big, "is larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			done := make(chan error, 1)
			go func() { _, err := readFile(tt.path); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
					t.Fatalf("file %s = %v, want an error naming it and containing %q", tt.path, err, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("file %s still reading after 10s", tt.path)
			}
		})
	}
	if s, err := readFile(atLimit); err != nil || len(s) != MaxFileSize {
		t.Fatalf("file of exactly MaxFileSize bytes = %d bytes, %v", len(s), err)
	}
}

func TestParseRefusesSrcOfWrongKind(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "t.tmpl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{fifo, "/dev/null"} {
		_, err := Parse(Spec{src, filepath.Join(t.TempDir(), "out")})
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), src) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Parse(%s) = %v, want a usage error naming it", src, err)
		}
	}
}

func TestRenderRefusesDestOfWrongKind(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "in.tmpl")
	writeFile(t, src, "x", 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link-to-fifo")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for _, dest := range []string{fifo, link, "/dev/null"} {
		before, err := os.Lstat(dest)
		if err != nil {
			t.Fatal(err)
		}
		err = Render(context.Background(), zerolog.Nop(), nil, Spec{src, dest})
		if err == nil || errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), dest) {
			t.Errorf("Render onto %s = %v, want a run-time error naming it", dest, err)
		}
		after, err := os.Lstat(dest)
		if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
			t.Errorf("%s changed: %v -> %v (%v)", dest, before.Mode(), after, err)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good, bad, bad2 := filepath.Join(dir, "good.tmpl"), filepath.Join(dir, "bad.tmpl"), filepath.Join(dir, "bad2.tmpl")
	writeFile(t, good, "{{ .Env.A }}", 0o644)
	writeFile(t, bad, "{{ .Env.MISSING }}", 0o644)
	writeFile(t, bad2, `{{ env "A" | required "B must be set" }}{{ .Env.OTHER }}`, 0o644)
	out := filepath.Join(dir, "out")
	set, err := Parse(Spec{good, out}, Spec{bad, out + "2"}, Spec{bad2, out + "3"})
	if err != nil {
		t.Fatal(err)
	}
	err = set.Check(context.Background(), map[string]string{"A": "s3cret"})
	if err == nil {
		t.Fatal("Check passed with missing keys")
	}
	for _, want := range []string{bad, `"MISSING"`, bad2, `"OTHER"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), good) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Check error %q names the good template or a value", err)
	}
	if err := set.Check(context.Background(), map[string]string{"A": "1", "MISSING": "", "OTHER": ""}); err != nil {
		t.Errorf("Check with every key set = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("Check wrote files: %d entries in %s", len(entries), dir)
	}
}
