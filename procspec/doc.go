// Package procspec reads what initd is asked to run beside COMMAND: it
// splits a command line into words as a POSIX shell does, parses
// --service's NAME=COMMAND, and lists the services of a runit-style
// service directory and the hooks of an init directory.
//
// # Word splitting
//
// [Split] takes single quotes, double quotes (where a backslash escapes
// only " \ $ ` and newline), backslash outside quotes, line continuation
// and a # comment at the start of a word, as POSIX sh does, and expands
// nothing: $HOME, $(cmd), `cmd`, * and ~ stay as they are written. An
// unquoted shell operator (; & | < > ( )) is an error rather than a
// literal, because no shell will ever see it: a command that needs one is
// written as sh -c '...'.
//
// # What it does not do
//
// It starts nothing, reads no environment and resolves no program in PATH;
// it only reads directories to list what is there and why an entry is
// skipped. The restart policy, hooks at run time and the supervision of
// services belong to package supervisor.
package procspec
