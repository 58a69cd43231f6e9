// Package environ builds the environment that initd hands to COMMAND, its
// cron jobs and its templates.
//
// It does three things, each in its own file:
//
//   - env files (--env-file): NAME=VALUE lines parsed by [Parse] and
//     [ReadFile], added to the environment by [Merge] without overriding a
//     variable the process environment already has;
//   - secrets from files (--expand-file-env): [ExpandFileEnv] turns
//     NAME_FILE=PATH into NAME=<content of PATH without trailing newlines>,
//     the Docker-secrets convention;
//   - resource limits: [ReadLimits] finds initd's own cgroup (v2 and v1,
//     including "hybrid" hosts that mount both), walks up to the root and
//     reports the tightest memory and CPU limit, which [Limits.Env] turns into
//     INITD_MEMORY_LIMIT_BYTES and INITD_CPU_LIMIT.
//
// # Secrets
//
// Values read from env files and secret files are never part of an error
// message returned by this package: errors name the file, the line and the
// variable, never the value. Callers must keep it that way when they log.
//
// # What it deliberately does not do
//
// There is no variable interpolation ($OTHER stays literal), no multi-line
// values, no shell evaluation, and no global state: every function takes the
// environment it works on and returns a new one. It never calls os.Setenv.
// Paths of /proc and /sys files are injectable ([CgroupFiles]) so tests fake
// a cgroup tree in a temporary directory.
package environ

import "errors"

// ErrUsage marks errors that are the user's configuration being wrong and
// that are found before anything starts (an unreadable or malformed env
// file). initd exits 2 for them. Test with errors.Is.
var ErrUsage = errors.New("usage")

// usage marks err as a usage error: errors.Is(err, ErrUsage) holds, and
// the text is err's own, without a ": usage" of the marker's.
func usage(err error) error { return usageError{err} }

type usageError struct{ err error }

func (e usageError) Error() string   { return e.err.Error() }
func (e usageError) Unwrap() []error { return []error{e.err, ErrUsage} }
