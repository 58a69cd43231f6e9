package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// defaultPath is used to find COMMAND when PATH is unset, as execvp does.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// execError is a COMMAND that could not be started, with the exit status
// that says so: 127 not found, 126 found but not executable.
type execError struct {
	code int
	err  error
}

func (e *execError) Error() string { return e.err.Error() }
func (e *execError) Unwrap() error { return e.err }

// lookPath finds COMMAND like execvp: a name with a slash is used as it
// is, any other is searched in PATH (taken from env). A file in a
// directory of PATH that is not executable is not a match.
func lookPath(name string, env []string) (string, error) {
	if name == "" {
		return "", &execError{exitNotFound, errors.New(`exec "": empty command`)}
	}
	if strings.Contains(name, "/") {
		fi, err := os.Stat(name)
		switch {
		case err != nil && errors.Is(err, fs.ErrNotExist):
			return "", &execError{exitNotFound, fmt.Errorf("exec %q: no such file or directory", name)}
		case err != nil:
			return "", &execError{exitCantExec, fmt.Errorf("exec %q: %w", name, err)}
		case fi.IsDir():
			return "", &execError{exitCantExec, fmt.Errorf("exec %q: is a directory", name)}
		case fi.Mode()&0o111 == 0:
			return "", &execError{exitCantExec, fmt.Errorf("exec %q: permission denied (not executable)", name)}
		}
		return name, nil
	}
	path, ok := "", false
	for _, kv := range env {
		if v, found := strings.CutPrefix(kv, "PATH="); found {
			path, ok = v, true
		}
	}
	if !ok {
		path = defaultPath
	}
	for _, dir := range strings.Split(path, ":") {
		if dir == "" {
			dir = "."
		}
		p := dir + "/" + name
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &execError{exitNotFound, fmt.Errorf("exec %q: %w", name, exec.ErrNotFound)}
}

// classifyStartError turns an error from fork/exec of a COMMAND that
// lookPath found into an execError: the file exists, so anything but a
// vanished file is "cannot execute" (126), including a missing script
// interpreter.
func classifyStartError(path string, err error) error {
	if errors.Is(err, syscall.ENOENT) {
		if _, serr := os.Stat(path); serr != nil {
			return &execError{exitNotFound, fmt.Errorf("exec %q: %w", path, err)}
		}
		return &execError{exitCantExec, fmt.Errorf("exec %q: %w (is its #! interpreter missing?)", path, err)}
	}
	return &execError{exitCantExec, fmt.Errorf("exec %q: %w", path, err)}
}
