package environ

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []Var
	}{
		{"plain", "A=1\nB=two words\n", []Var{{"A", "1"}, {"B", "two words"}}},
		{"comments and blanks", "# c\n\n   \n  # indented\nA=1", []Var{{"A", "1"}}},
		{"export prefix", "export A=1\nexport\tB=2\n", []Var{{"A", "1"}, {"B", "2"}}},
		{"export as a name", "export=1\nexported=2", []Var{{"export", "1"}, {"exported", "2"}}},
		{"empty value", "A=\nB=''\nC=\"\"", []Var{{"A", ""}, {"B", ""}, {"C", ""}}},
		{"blanks around value trimmed", "A=  x y  \t", []Var{{"A", "x y"}}},
		{"hash is literal unquoted", "A=p#ss # not a comment", []Var{{"A", "p#ss # not a comment"}}},
		{"equals in value", "A=b=c", []Var{{"A", "b=c"}}},
		{"single quotes literal", `A='x \n $B "q"'`, []Var{{"A", `x \n $B "q"`}}},
		{"double quote escapes", `A="a\"b\\c\nd\te\$f\qg"`, []Var{{"A", "a\"b\\c\nd\te$f\\qg"}}},
		{"comment after quote", `A="x" # note`, []Var{{"A", "x"}}},
		{"crlf", "A=1\r\nB='2'\r\n", []Var{{"A", "1"}, {"B", "2"}}},
		{"byte order mark", "\ufeffA=1\n", []Var{{"A", "1"}}},
		{"dollar literal", "A=$HOME", []Var{{"A", "$HOME"}}},
		{"repeat kept in order", "A=1\nA=2", []Var{{"A", "1"}, {"A", "2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(strings.NewReader(tt.in), "test.env")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"no equals", "A=1\nJUSTANAME\n", "test.env:2: expected NAME=VALUE"},
		{"bad name", "1A=x", `test.env:1: invalid variable name "1A"`},
		{"dash in name", "A-B=x", `invalid variable name "A-B"`},
		{"blank before equals", "A =x", "test.env:1: A: blank before '='"},
		{"unterminated", `PASSWORD="s3cret`, "test.env:1: PASSWORD: unterminated quoted value"},
		{"text after quote", `PASSWORD='s3cret'tail`, "PASSWORD: unexpected text after closing quote"},
		{"nul", "A=a\x00b", "test.env:1: NUL byte in line"},
		{"too long", "A=" + strings.Repeat("x", maxLine+1), "test.env:1: line longer than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tt.in), "test.env")
			if err == nil {
				t.Fatal("Parse succeeded, want error")
			}
			if !errors.Is(err, ErrUsage) {
				t.Errorf("errors.Is(%v, ErrUsage) = false", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q leaks the value", err)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.env")
	if err := os.WriteFile(path, []byte("A=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil || !slices.Equal(got, []Var{{"A", "1"}}) {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
	missing := filepath.Join(dir, "missing.env")
	_, err = ReadFile(missing)
	if !errors.Is(err, ErrUsage) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("ReadFile(missing) = %v, want a usage error naming the file", err)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	base := []string{"PATH=/bin", "A=from-process", "EMPTY="}
	first := []Var{{"A", "file1"}, {"B", "file1"}, {"C", "file1"}, {"EMPTY", "x"}}
	second := []Var{{"B", "file2"}, {"D", "file2"}, {"D", "file2-later"}}
	got := Merge(base, first, second)
	want := []string{"PATH=/bin", "A=from-process", "EMPTY=", "B=file2", "C=file1", "D=file2-later"}
	if !slices.Equal(got, want) {
		t.Fatalf("Merge = %q, want %q", got, want)
	}
	if base[1] != "A=from-process" || len(base) != 3 {
		t.Fatal("Merge modified base")
	}
}

func TestMap(t *testing.T) {
	t.Parallel()
	m := Map([]string{"A=1", "B=x=y", "C=", "A=2"})
	if m["A"] != "2" || m["B"] != "x=y" || m["C"] != "" || len(m) != 3 {
		t.Fatalf("Map = %v", m)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"A=1\n", "export B='x'\n", `C="a\"b\n"  # c`, "# only\n\n", "D", "=x", "E=\"open",
		"F='x'y", "\r\n", "export\n", "export =1", "G=a\x00", "H=\\", `I="\`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		vars, err := Parse(strings.NewReader(in), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("error %v is not a usage error", err)
			}
			return
		}
		for _, v := range vars {
			if !ValidName(v.Name) {
				t.Fatalf("invalid name %q accepted", v.Name)
			}
			if strings.IndexByte(v.Value, 0) >= 0 {
				t.Fatalf("value of %s holds a NUL byte", v.Name)
			}
		}
	})
}

func TestReadFileRefusesWhatIsNotASmallRegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.env")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.env")
	line := "A=" + strings.Repeat("x", 1000) + "\n"
	if err := os.WriteFile(big, []byte(strings.Repeat(line, MaxEnvFile/len(line)+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{fifo, "is a FIFO (named pipe), not a regular file"},
		{dir, "is a directory, not a regular file"},
		{"/dev/zero", "is a character device, not a regular file"},
		{big, "is larger than 1 MiB"},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := ReadFile(tt.path)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.path+" "+tt.want) {
				t.Errorf("ReadFile(%s) = %v, want a usage error with %q", tt.path, err, tt.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ReadFile(%s) blocked", tt.path)
		}
	}
}

func TestOverride(t *testing.T) {
	t.Parallel()
	env := []string{"A=1", "B=2", "C=3"}
	got := Override(env, []Var{{"B", "x"}, {"D", "4"}, {"B", "y"}})
	want := []string{"A=1", "C=3", "B=y", "D=4"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Override = %q, want %q", got, want)
	}
	if env[1] != "B=2" {
		t.Error("Override changed its input")
	}
}
