package supervisor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// Exit statuses of a process that could not be started.
const (
	ExitStartup  = 1   // a resource initd lacked (processes, descriptors, memory)
	ExitCantExec = 126 // found, but cannot be executed
	ExitNotFound = 127 // not found
)

// DefaultPath is where programs are looked for when PATH is unset, as
// execvp does.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ExecError is a program that could not be started, with the exit status
// that says why.
type ExecError struct {
	Code int
	Err  error
}

func (e *ExecError) Error() string { return e.Err.Error() }
func (e *ExecError) Unwrap() error { return e.Err }

// ExitCode is the status initd exits with for it.
func (e *ExecError) ExitCode() int { return e.Code }

// ExitCode is the exit status that err carries (an error with an ExitCode
// method), or 1.
func ExitCode(err error) int {
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return ExitStartup
}

// LookPath finds a program like execvp: a name with a slash is used as it
// is, any other is searched in PATH taken from env (DefaultPath when
// unset). A file in PATH that is not executable is not a match.
func LookPath(name string, env []string) (string, error) {
	if name == "" {
		return "", &ExecError{ExitNotFound, errors.New(`exec "": empty command`)}
	}
	if strings.Contains(name, "/") {
		fi, err := os.Stat(name)
		switch {
		case err != nil && errors.Is(err, fs.ErrNotExist):
			return "", &ExecError{ExitNotFound, fmt.Errorf("exec %q: no such file or directory", name)}
		case err != nil:
			return "", &ExecError{ExitCantExec, fmt.Errorf("exec %q: %w", name, err)}
		case fi.IsDir():
			return "", &ExecError{ExitCantExec, fmt.Errorf("exec %q: is a directory", name)}
		case fi.Mode()&0o111 == 0:
			return "", &ExecError{ExitCantExec, fmt.Errorf("exec %q: permission denied (not executable)", name)}
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
		path = DefaultPath
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
	return "", &ExecError{ExitNotFound, fmt.Errorf("exec %q: %w", name, exec.ErrNotFound)}
}

// startError says why a program that LookPath found could not be started.
// What initd lacked (processes, descriptors, memory, room for the
// arguments) is a start-up failure (1); anything else about the file is
// "cannot execute" (126), and a file that vanished is "not found" (127).
func startError(path string, env []string, err error) error {
	switch {
	case errors.Is(err, syscall.EAGAIN):
		return &ExecError{ExitStartup, fmt.Errorf("exec %q: cannot create a process: %w (ulimit -u?)", path, err)}
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return &ExecError{ExitStartup, fmt.Errorf("exec %q: out of file descriptors: %w (ulimit -n?)", path, err)}
	case errors.Is(err, syscall.ENOMEM):
		return &ExecError{ExitStartup, fmt.Errorf("exec %q: %w", path, err)}
	case errors.Is(err, syscall.E2BIG):
		return &ExecError{ExitStartup, fmt.Errorf("exec %q: %w: %s", path, err, largestVar(env))}
	case errors.Is(err, syscall.ENOENT):
		if _, serr := os.Stat(path); serr != nil {
			return &ExecError{ExitNotFound, fmt.Errorf("exec %q: %w", path, err)}
		}
		return &ExecError{ExitCantExec, fmt.Errorf("exec %q: %w (is its #! interpreter missing?)", path, err)}
	}
	return &ExecError{ExitCantExec, fmt.Errorf("exec %q: %w", path, err)}
}

// largestVar names the largest environment variable, the likely reason
// the arguments and environment did not fit.
func largestVar(env []string) string {
	best := ""
	for _, kv := range env {
		if len(kv) > len(best) {
			best = kv
		}
	}
	if best == "" {
		return "the arguments are too long"
	}
	name, _, _ := strings.Cut(best, "=")
	return fmt.Sprintf("the environment variable %s is %d bytes", name, len(best))
}
