package privdrop

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"
)

// Files names the account databases [Resolve] reads. The zero value means
// /etc/passwd and /etc/group; tests point them at temporary files.
type Files struct {
	// Passwd is /etc/passwd when empty.
	Passwd string
	// Group is /etc/group when empty.
	Group string
}

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
// documentation. A name that is not found is an error wrapping [ErrUnknown]
// and naming the file; a database file that does not exist counts as empty,
// which leaves only numeric ids usable.
func Resolve(spec Spec, files Files) (Identity, error) {
	if files.Passwd == "" {
		files.Passwd = "/etc/passwd"
	}
	if files.Group == "" {
		files.Group = "/etc/group"
	}
	passwdData, err := readOptional(files.Passwd)
	if err != nil {
		return Identity{}, fmt.Errorf("--user %s: %w", spec, err)
	}
	users := parsePasswd(passwdData)

	id := Identity{Spec: spec, Home: "/"}
	var entry *passwdEntry
	if isNumeric(spec.User) {
		uid, err := parseID(spec.User)
		if err != nil {
			return Identity{}, fmt.Errorf("--user %s: %w: %w", spec, err, ErrUsage)
		}
		id.UID = uid
		if i := slices.IndexFunc(users, func(u passwdEntry) bool { return u.uid == uid }); i >= 0 {
			entry = &users[i]
		}
	} else {
		i := slices.IndexFunc(users, func(u passwdEntry) bool { return u.name == spec.User })
		if i < 0 {
			return Identity{}, fmt.Errorf("--user %s: user %q not found in %s: %w", spec, spec.User, files.Passwd, ErrUnknown)
		}
		entry = &users[i]
		id.UID = entry.uid
	}
	if entry != nil {
		id.Name, id.GID = entry.name, entry.gid
		if entry.home != "" {
			id.Home = entry.home
		}
	}

	needGroups := spec.Group != "" && !isNumeric(spec.Group) || spec.Group == "" && id.Name != ""
	var groups []groupEntry
	if needGroups {
		groupData, err := readOptional(files.Group)
		if err != nil {
			return Identity{}, fmt.Errorf("--user %s: %w", spec, err)
		}
		groups = parseGroup(groupData)
	}

	switch {
	case spec.Group != "" && isNumeric(spec.Group):
		gid, err := parseID(spec.Group)
		if err != nil {
			return Identity{}, fmt.Errorf("--user %s: %w: %w", spec, err, ErrUsage)
		}
		id.GID = gid
	case spec.Group != "":
		i := slices.IndexFunc(groups, func(g groupEntry) bool { return g.name == spec.Group })
		if i < 0 {
			return Identity{}, fmt.Errorf("--user %s: group %q not found in %s: %w", spec, spec.Group, files.Group, ErrUnknown)
		}
		id.GID = groups[i].gid
	case id.Name != "":
		id.Groups = supplementary(id.Name, id.GID, groups)
	}
	return id, nil
}

// supplementary returns gid followed by the gids of every group listing
// name as a member, without duplicates, in file order (initgroups(3)).
func supplementary(name string, gid uint32, groups []groupEntry) []uint32 {
	out := []uint32{gid}
	for _, g := range groups {
		if slices.Contains(g.members, name) && !slices.Contains(out, g.gid) {
			out = append(out, g.gid)
		}
	}
	return out
}

// readOptional reads a database file; a missing file reads as empty.
func readOptional(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(b), nil
}
