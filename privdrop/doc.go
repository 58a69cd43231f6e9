// Package privdrop resolves initd's --user USER[:GROUP] option into the
// identity COMMAND and cron jobs run as.
//
// [ParseSpec] checks the syntax (a usage error when wrong); [Resolve] looks
// names up in /etc/passwd and /etc/group with os/user, which in a
// CGO_ENABLED=0 build (initd's) reads those files itself, without NSS, and
// returns an [Identity]. Its [Identity.Credential] goes into
// syscall.SysProcAttr.Credential: the Go runtime then calls setgroups,
// setresgid and setresuid in the child between fork and exec, so the real,
// effective and saved ids all change, and the filesystem ids follow the
// effective ones. [Identity.Env] sets HOME. [CheckPrivilege] says clearly
// when initd cannot switch user at all.
//
// # Resolution rules
//
// They follow Docker's USER and gosu/su-exec:
//
//   - USER is a name from /etc/passwd, or a numeric uid that need not
//     exist there. A uid found in /etc/passwd takes its primary group and
//     home from it; one that is not gets gid 0 and HOME=/, as Docker does.
//   - GROUP, when given, is a name from /etc/group or a numeric gid, and
//     becomes the primary group; supplementary groups are then cleared.
//   - Without GROUP, the supplementary groups are the primary group plus
//     every /etc/group entry listing the user's name as a member, as
//     initgroups(3) does for a login.
//
// # What it deliberately does not do
//
// It does not change initd's own identity (initd stays root to reap, signal
// and read secrets), does not consult NSS, LDAP or systemd-userdb, does not
// set USER, LOGNAME or SHELL, and keeps no state: every call reads the files
// it is given.
package privdrop

import "errors"

// ErrUsage marks a --user value that is malformed, found before anything
// starts; initd exits 2 for it. An unknown user or group is not a usage
// error: the files may be different at run time, initd exits 1 for it.
var ErrUsage = errors.New("usage")

// usage marks err as a usage error: errors.Is(err, ErrUsage) holds, and
// the text is err's own, without a ": usage" of the marker's.
func usage(err error) error { return usageError{err} }

type usageError struct{ err error }

func (e usageError) Error() string   { return e.err.Error() }
func (e usageError) Unwrap() []error { return []error{e.err, ErrUsage} }

// ErrUnknown marks a user or group name that is not in /etc/passwd or
// /etc/group. Test with errors.Is; the message does not end in its text
// ("--user app: user \"app\" not found").
var ErrUnknown = errors.New("unknown")

// ErrPrivilege marks that initd lacks CAP_SETUID or CAP_SETGID to switch
// to another identity. Test with errors.Is; the message does not end in
// its text.
var ErrPrivilege = errors.New("not privileged")
