package environ

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/initd-dev/initd/safefile"
)

// fileSuffix marks a variable whose value is a path to read NAME from.
const fileSuffix = "_FILE"

// MaxSecretFile is the largest NAME_FILE secret ExpandFileEnv reads: the
// size limit of a Kubernetes Secret.
const MaxSecretFile = 1 << 20

// ReadFileFunc reads a whole file; [ReadSecret] in production.
type ReadFileFunc func(path string) ([]byte, error)

// ReadSecret reads a secret file: a regular file of at most
// [MaxSecretFile] bytes (see package safefile); it never blocks.
func ReadSecret(path string) ([]byte, error) {
	return safefile.Read(path, MaxSecretFile)
}

// ExpandFileEnv implements --expand-file-env, the Docker-secrets
// convention. For every NAME_FILE=PATH in env where NAME is a valid name
// and NAME is not present in env (present with an empty value counts as
// set), it reads PATH, strips every trailing "\n" as $(cat PATH) would, and
// sets NAME to the result. NAME_FILE itself is removed once NAME is set, as
// the official images' file_env helper does, because some entrypoints refuse
// to start when both NAME and NAME_FILE are set.
//
// read is [ReadSecret] when nil. The returned names are the variables that
// were set, sorted, for logging; their values must never be logged. A file
// that cannot be read, or that contains a NUL byte, is an error naming
// NAME_FILE and PATH (never the content); env is then returned unchanged.
// PATH is not a secret, the content is.
func ExpandFileEnv(env []string, read ReadFileFunc) ([]string, []string, error) {
	if read == nil {
		read = ReadSecret
	}
	present := make(map[string]bool, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		present[name] = true
	}
	set := map[string]string{}
	drop := map[string]bool{}
	for _, kv := range env {
		fileVar, path, _ := strings.Cut(kv, "=")
		name, ok := strings.CutSuffix(fileVar, fileSuffix)
		if !ok || !ValidName(name) || present[name] {
			continue
		}
		if _, done := set[name]; done {
			continue
		}
		content, err := read(path)
		if err != nil {
			return env, nil, fmt.Errorf("expand-file-env: %s=%s: %w", fileVar, path, err)
		}
		if hasNUL(content) {
			return env, nil, fmt.Errorf("expand-file-env: %s=%s: file contains a NUL byte, which no environment variable can hold", fileVar, path)
		}
		set[name] = string(bytes.TrimRight(content, "\n"))
		drop[fileVar] = true
	}
	if len(set) == 0 {
		return env, nil, nil
	}
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !drop[name] {
			out = append(out, kv)
		}
	}
	names := make([]string, 0, len(set))
	for name := range set {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out = append(out, name+"="+set[name])
	}
	return out, names, nil
}
