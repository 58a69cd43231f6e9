package safefile

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	fifoLink := filepath.Join(dir, "fifo-link")
	if err := os.Symlink(fifo, fifoLink); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	ok := write("ok", "A=1\n")
	exact := write("exact", strings.Repeat("x", 10))
	big := write("big", strings.Repeat("x", 11))
	empty := write("empty", "")

	tests := []struct {
		name    string
		path    string
		want    string
		kind    string // a *KindError with this Kind
		tooBig  bool
		notExst bool
		loop    bool
	}{
		{name: "regular", path: ok, want: "A=1\n"},
		{name: "empty", path: empty, want: ""},
		{name: "exactly the limit", path: exact, want: "xxxxxxxxxx"},
		{name: "one byte over", path: big, tooBig: true},
		{name: "directory", path: dir, kind: "a directory"},
		{name: "FIFO", path: fifo, kind: "a FIFO (named pipe)"},
		{name: "symlink to FIFO", path: fifoLink, kind: "a FIFO (named pipe)"},
		{name: "socket", path: sock, kind: "a socket"},
		{name: "char device", path: "/dev/zero", kind: "a character device"},
		{name: "missing", path: filepath.Join(dir, "none"), notExst: true},
		{name: "symlink loop", path: loop, loop: true},
		{name: "under a regular file", path: filepath.Join(ok, "x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan struct{})
			var got []byte
			var err error
			go func() {
				defer close(done)
				got, err = Read(tt.path, 10)
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("Read(%s) blocked", tt.path)
			}
			var ke *KindError
			var te *TooLargeError
			switch {
			case tt.kind != "":
				if !errors.As(err, &ke) || ke.Kind != tt.kind || ke.Path != tt.path {
					t.Fatalf("err = %v, want KindError %q", err, tt.kind)
				}
				if Kind(ke.Mode) != ke.Kind {
					t.Errorf("KindError.Mode %v is %q, want %q", ke.Mode, Kind(ke.Mode), ke.Kind)
				}
				if !strings.Contains(err.Error(), tt.path) {
					t.Errorf("%q does not name the path", err)
				}
			case tt.tooBig:
				if !errors.As(err, &te) || te.Limit != 10 {
					t.Fatalf("err = %v, want TooLargeError", err)
				}
				if !strings.Contains(err.Error(), "10 bytes") || !strings.Contains(err.Error(), tt.path) {
					t.Errorf("%q does not name the path and the bound", err)
				}
			case tt.notExst:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("err = %v, want not exist", err)
				}
			case tt.loop:
				if !errors.Is(err, syscall.ELOOP) {
					t.Fatalf("err = %v, want ELOOP", err)
				}
			case tt.want == "" && tt.path != empty:
				if err == nil {
					t.Fatal("no error")
				}
			default:
				if err != nil || string(got) != tt.want {
					t.Fatalf("Read = %q, %v; want %q", got, err, tt.want)
				}
			}
		})
	}
}

func TestOpenLimited(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct {
		size   int
		tooBig bool
	}{{0, false}, {99, false}, {100, false}, {101, true}, {100000, true}} {
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, []byte(strings.Repeat("y", tt.size)), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := OpenLimited(p, 100)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		var te *TooLargeError
		if tt.tooBig != errors.As(err, &te) {
			t.Fatalf("size %d: err = %v", tt.size, err)
		}
		if !tt.tooBig && len(b) != tt.size {
			t.Fatalf("size %d: read %d", tt.size, len(b))
		}
		if len(b) > 100 {
			t.Fatalf("size %d: read %d bytes, past the limit", tt.size, len(b))
		}
	}
}

func TestFormatSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{1 << 20: "1 MiB", 4 << 20: "4 MiB", 64 << 10: "64 KiB", 10: "10 bytes", 1500: "1500 bytes"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
