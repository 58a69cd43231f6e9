package environ

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestExpandFileEnv(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"/run/secrets/db":    "s3cret\n\n",
		"/run/secrets/crlf":  "line1\nline2\r\n",
		"/run/secrets/empty": "",
	}
	read := func(path string) ([]byte, error) {
		s, ok := files[path]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
		}
		return []byte(s), nil
	}
	tests := []struct {
		name      string
		env       []string
		want      []string
		wantNames []string
	}{
		{"expands and drops NAME_FILE", []string{"PATH=/bin", "DB_PASSWORD_FILE=/run/secrets/db"},
			[]string{"PATH=/bin", "DB_PASSWORD=s3cret"}, []string{"DB_PASSWORD"}},
		{"only trailing newlines stripped", []string{"X_FILE=/run/secrets/crlf"},
			[]string{"X=line1\nline2\r"}, []string{"X"}},
		{"empty file", []string{"E_FILE=/run/secrets/empty"}, []string{"E="}, []string{"E"}},
		{"NAME already set wins", []string{"DB_PASSWORD=given", "DB_PASSWORD_FILE=/nope"},
			[]string{"DB_PASSWORD=given", "DB_PASSWORD_FILE=/nope"}, nil},
		{"NAME set empty wins", []string{"DB_PASSWORD=", "DB_PASSWORD_FILE=/nope"},
			[]string{"DB_PASSWORD=", "DB_PASSWORD_FILE=/nope"}, nil},
		{"bare _FILE ignored", []string{"_FILE=/nope", "1X_FILE=/nope"}, []string{"_FILE=/nope", "1X_FILE=/nope"}, nil},
		{"nothing to do", []string{"A=1"}, []string{"A=1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, names, err := ExpandFileEnv(tt.env, read)
			if err != nil {
				t.Fatalf("ExpandFileEnv: %v", err)
			}
			if !slices.Equal(got, tt.want) || !slices.Equal(names, tt.wantNames) {
				t.Fatalf("got %q %q, want %q %q", got, names, tt.want, tt.wantNames)
			}
		})
	}
}

func TestExpandFileEnvErrors(t *testing.T) {
	t.Parallel()
	read := func(path string) ([]byte, error) {
		if path == "/run/secrets/nul" {
			return []byte("s3cret\x00"), nil
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	for _, env := range [][]string{{"PW_FILE=/run/secrets/missing"}, {"PW_FILE=/run/secrets/nul"}} {
		got, _, err := ExpandFileEnv(env, read)
		if err == nil {
			t.Fatalf("ExpandFileEnv(%q) succeeded", env)
		}
		if !strings.Contains(err.Error(), env[0]) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error %q should name %q and not the content", err, env[0])
		}
		if errors.Is(err, ErrUsage) {
			t.Errorf("a missing secret is a run-time failure, not usage: %v", err)
		}
		if !slices.Equal(got, env) {
			t.Errorf("env changed on error: %q", got)
		}
	}
}

func TestReadSecretRefusesFIFOsDevicesAndLargeFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, MaxSecretFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, "/dev/zero", dir, big} {
		done := make(chan error, 1)
		go func() {
			_, _, err := ExpandFileEnv([]string{"PW_FILE=" + path}, nil)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "PW_FILE="+path) || errors.Is(err, ErrUsage) {
				t.Errorf("ExpandFileEnv(PW_FILE=%s) = %v, want a start-up error naming it", path, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ExpandFileEnv(PW_FILE=%s) blocked", path)
		}
	}
}
