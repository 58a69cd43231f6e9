// Package templates renders initd's --template SRC:DEST files (and the
// "initd render" subcommand): Go text/template files, fed the environment as
// .Env, written atomically before COMMAND starts.
//
// # Steps
//
// [ParseSpec] checks the SRC:DEST syntax. [Parse] expands directory SRCs,
// checks every SRC is a regular file (or a directory) of at most
// [MaxFileSize] bytes and parses it without rendering; it fails with a
// usage error ([ErrUsage], exit 2). [Set.Check] executes every template
// against an environment and writes nothing ("initd validate" runs Parse
// and Check). [Set.Render] executes every template into memory first and
// only when all succeeded writes each DEST: a missing key, a failing
// function or a DEST that is not a regular file (a device, a FIFO, a
// socket, a directory) leaves every DEST untouched. Each DEST is written to a
// temporary file in its own directory, given SRC's permission bits, synced
// and renamed over DEST, so a reader sees the old file or the new one,
// never a half-written one.
//
// # Templates
//
// Templates are Go's text/template. They see one field, .Env (map of NAME
// to VALUE). A key that is not there is an error (missingkey=error), never
// "<no value>" written into a config: use {{ env "NAME" }} for optional
// variables. The functions are listed at [Funcs]; the file function reads
// regular files only, with the same size bound as SRC.
//
// # What it deliberately does not do
//
// No custom delimiters, no sprig, no network, no chown: DEST belongs to the
// user initd runs as (root), so give SRC the permission bits COMMAND needs.
// Files of several templates are not replaced as one transaction: a
// failure to write (disk full) after an earlier DEST was replaced leaves
// that earlier DEST new. Nothing is logged but file names; values rendered
// into a DEST may be secrets and never reach a log or an error message.
package templates

import "errors"

// ErrUsage marks errors in the configuration itself, found before anything
// starts: a malformed SRC:DEST, a missing SRC, a template that does not
// parse. initd exits 2 for them; every other render error is a run-time
// failure (exit 1). Test with errors.Is.
var ErrUsage = errors.New("usage")

// usage marks err as a usage error: errors.Is(err, ErrUsage) holds, and
// the text is err's own, without a ": usage" of the marker's.
func usage(err error) error { return usageError{err} }

type usageError struct{ err error }

func (e usageError) Error() string   { return e.err.Error() }
func (e usageError) Unwrap() []error { return []error{e.err, ErrUsage} }
