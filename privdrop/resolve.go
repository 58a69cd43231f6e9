package privdrop

import (
	"errors"
	"fmt"
	"io/fs"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Identity is who COMMAND runs as.
type Identity struct {
	// Spec is what the user asked for, for messages.
	Spec Spec
	// Name is the user's name from /etc/passwd, or "" when the uid has no
	// entry there.
	Name string
	// UID and GID are the user and primary group ids.
	UID, GID uint32
	// Groups are the supplementary group ids; empty means cleared.
	Groups []uint32
	// Home is the user's home directory, "/" when unknown.
	Home string
}

// Credential returns the value for syscall.SysProcAttr.Credential. Every
// call returns a fresh copy, so one Identity serves many processes.
// NoSetGroups is false: supplementary groups are always set, to Groups,
// possibly to none.
func (id Identity) Credential() *syscall.Credential {
	return &syscall.Credential{
		Uid:    id.UID,
		Gid:    id.GID,
		Groups: slices.Clone(id.Groups),
	}
}

// Env returns env with HOME set to the user's home, replacing any HOME
// inherited from initd (root's /root would be wrong for the new user).
func (id Identity) Env(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "HOME=") {
			out = append(out, kv)
		}
	}
	return append(out, "HOME="+id.Home)
}

// Resolve turns spec into an Identity following the rules in the package
// documentation, with os/user: built with CGO_ENABLED=0, as initd is, that
// reads /etc/passwd and /etc/group itself (no NSS). A name that is not found
// is an error wrapping [ErrUnknown] ("--user app: user \"app\" not found");
// a database file that does not exist counts as empty, which leaves only
// numeric ids usable.
func Resolve(spec Spec) (Identity, error) {
	id := Identity{Spec: spec, Home: "/"}
	var u *user.User
	if isNumeric(spec.User) {
		uid, err := parseID(spec.User)
		if err != nil {
			return Identity{}, usage(fmt.Errorf("--user %s: %w", spec, err))
		}
		id.UID = uid
		if u, err = found(user.LookupId(strconv.FormatUint(uint64(uid), 10))); err != nil {
			return Identity{}, fmt.Errorf("--user %s: looking up uid %d: %w", spec, uid, err)
		}
	} else {
		var err error
		if u, err = found(user.Lookup(spec.User)); err != nil {
			return Identity{}, fmt.Errorf("--user %s: looking up user %q: %w", spec, spec.User, err)
		}
		if u == nil {
			return Identity{}, &classified{fmt.Sprintf("--user %s: user %q not found", spec, spec.User), ErrUnknown}
		}
	}
	if u != nil {
		uid, err1 := parseID(u.Uid)
		gid, err2 := parseID(u.Gid)
		if err := errors.Join(err1, err2); err != nil {
			return Identity{}, fmt.Errorf("--user %s: user %q has uid %q, gid %q: %w", spec, u.Username, u.Uid, u.Gid, err)
		}
		id.UID, id.GID, id.Name = uid, gid, u.Username
		if u.HomeDir != "" {
			id.Home = u.HomeDir
		}
	}

	switch {
	case spec.Group != "" && isNumeric(spec.Group):
		gid, err := parseID(spec.Group)
		if err != nil {
			return Identity{}, usage(fmt.Errorf("--user %s: %w", spec, err))
		}
		id.GID = gid
	case spec.Group != "":
		g, err := found(user.LookupGroup(spec.Group))
		if err != nil {
			return Identity{}, fmt.Errorf("--user %s: looking up group %q: %w", spec, spec.Group, err)
		}
		if g == nil {
			return Identity{}, &classified{fmt.Sprintf("--user %s: group %q not found", spec, spec.Group), ErrUnknown}
		}
		if id.GID, err = parseID(g.Gid); err != nil {
			return Identity{}, fmt.Errorf("--user %s: group %q has gid %q: %w", spec, spec.Group, g.Gid, err)
		}
	case id.Name != "":
		groups, err := supplementary(u, id.GID)
		if err != nil {
			return Identity{}, fmt.Errorf("--user %s: supplementary groups of %q: %w", spec, id.Name, err)
		}
		id.Groups = groups
	}
	return id, nil
}

// supplementary returns gid followed by the gids of every group listing
// the user as a member, without duplicates, in file order (initgroups(3)).
// Without /etc/group that is gid alone.
func supplementary(u *user.User, gid uint32) ([]uint32, error) {
	ids, err := u.GroupIds()
	if errors.Is(err, fs.ErrNotExist) {
		return []uint32{gid}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []uint32{gid}
	for _, s := range ids {
		g, err := parseID(s)
		if err != nil {
			return nil, fmt.Errorf("gid %q: %w", s, err)
		}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out, nil
}

// found turns os/user's "not there" answers (an unknown name or id, or no
// database file at all) into a nil result without error.
func found[T any](v *T, err error) (*T, error) {
	var (
		unknownUser   user.UnknownUserError
		unknownUserID user.UnknownUserIdError
		unknownGroup  user.UnknownGroupError
	)
	switch {
	case err == nil:
		return v, nil
	case errors.As(err, &unknownUser), errors.As(err, &unknownUserID), errors.As(err, &unknownGroup),
		errors.Is(err, fs.ErrNotExist):
		return nil, nil
	}
	return nil, err
}

// classified is an error with a message of its own that matches kind with
// errors.Is, so that messages carry no ": unknown" suffix.
type classified struct {
	msg  string
	kind error
}

func (e *classified) Error() string        { return e.msg }
func (e *classified) Is(target error) bool { return target == e.kind }
