package procspec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Service is a long-running process that initd runs beside COMMAND.
type Service struct {
	Name   string   // unique; prefixes the service's output lines
	Argv   []string // the program (found in PATH unless it has a slash) and its arguments
	Source string   // where it was defined: "--service" or the path of DIR/NAME/run
}

// SourceFlag is Service.Source of a service given as --service.
const SourceFlag = "--service"

// ParseService parses --service's "NAME=COMMAND": NAME is checked with
// CheckName and COMMAND is split with Split.
func ParseService(s string) (Service, error) {
	name, command, ok := strings.Cut(s, "=")
	if !ok {
		return Service{}, errors.New("want NAME=COMMAND")
	}
	if err := CheckName(name); err != nil {
		return Service{}, err
	}
	argv, err := Split(command)
	if err != nil {
		return Service{}, fmt.Errorf("service %s: %w", name, err)
	}
	return Service{Name: name, Argv: argv, Source: SourceFlag}, nil
}

// CheckName reports whether name can name a service: one or more ASCII
// letters, digits, '.', '_' and '-'.
func CheckName(name string) error {
	if name == "" {
		return errors.New("empty service NAME (want NAME=COMMAND)")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("service NAME %q: only letters, digits, '.', '_' and '-' are allowed", name)
		}
	}
	return nil
}

// CheckUnique returns an error naming the first NAME that two services
// share, and where each of them came from.
func CheckUnique(services []Service) error {
	seen := make(map[string]Service, len(services))
	for _, s := range services {
		if first, ok := seen[s.Name]; ok {
			return fmt.Errorf("service NAME %q is used twice: by %s and by %s", s.Name, first.Source, s.Source)
		}
		seen[s.Name] = s
	}
	return nil
}

// Skipped is an entry of a service or init directory that is not run, and
// why.
type Skipped struct {
	Path   string
	Reason string
}

// ServiceDir lists the services of dir in the layout of runit, s6 and
// phusion's baseimage: every dir/NAME/run that is an executable regular
// file (symbolic links followed) is service NAME, with Argv [dir/NAME/run].
// Every other entry of dir is skipped with its reason. The services come
// sorted by name; a missing or unreadable dir is an error.
func ServiceDir(dir string) ([]Service, []Skipped, error) {
	entries, err := readDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var (
		services []Service
		skipped  []Skipped
	)
	for _, e := range entries { // os.ReadDir sorts by name
		path := filepath.Join(dir, e.Name())
		if err := CheckName(e.Name()); err != nil {
			skipped = append(skipped, Skipped{path, "not a service NAME: only letters, digits, '.', '_' and '-' are allowed"})
			continue
		}
		if fi, err := os.Stat(path); err != nil {
			skipped = append(skipped, Skipped{path, pathErrorReason(err)})
			continue
		} else if !fi.IsDir() {
			skipped = append(skipped, Skipped{path, "not a directory (a service is DIR/NAME/run)"})
			continue
		}
		run := filepath.Join(path, "run")
		if reason := notExecutable(run); reason != "" {
			skipped = append(skipped, Skipped{run, reason})
			continue
		}
		services = append(services, Service{Name: e.Name(), Argv: []string{run}, Source: run})
	}
	return services, skipped, nil
}

// InitDir lists the hooks of dir: every executable regular file directly
// in it (symbolic links followed), in byte order of their names. Every
// other entry is skipped with its reason; a missing or unreadable dir is
// an error.
func InitDir(dir string) ([]string, []Skipped, error) {
	entries, err := readDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var (
		hooks   []string
		skipped []Skipped
	)
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if reason := notExecutable(path); reason != "" {
			skipped = append(skipped, Skipped{path, reason})
			continue
		}
		hooks = append(hooks, path)
	}
	return hooks, skipped, nil
}

// readDir reads dir sorted by name (byte order), which must be a directory.
func readDir(dir string) ([]os.DirEntry, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", dir)
	}
	return os.ReadDir(dir)
}

// notExecutable says why path cannot be run, or "" when it is a regular
// file with an execute bit.
func notExecutable(path string) string {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(path); lerr == nil {
			return "a dangling symbolic link"
		}
		return "missing"
	case err != nil:
		return pathErrorReason(err)
	case fi.IsDir():
		return "a directory, not an executable file"
	case !fi.Mode().IsRegular():
		return "not a regular file"
	case fi.Mode().Perm()&0o111 == 0:
		return fmt.Sprintf("not executable (mode %04o)", fi.Mode().Perm())
	}
	return ""
}

// pathErrorReason is err without the path that Skipped already names.
func pathErrorReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
