package privdrop

import (
	"strings"
)

// passwdEntry is one parsed /etc/passwd line.
type passwdEntry struct {
	name     string
	uid, gid uint32
	home     string
}

// groupEntry is one parsed /etc/group line.
type groupEntry struct {
	name    string
	gid     uint32
	members []string
}

// parsePasswd parses passwd(5) lines "name:password:uid:gid:gecos:home:shell".
// Comments, blank lines, NIS "+"/"-" lines and malformed lines are skipped,
// as glibc's files backend skips them.
func parsePasswd(data string) []passwdEntry {
	var out []passwdEntry
	for line := range strings.Lines(data) {
		f := fields(line, 7)
		if f == nil {
			continue
		}
		uid, err1 := parseID(f[2])
		gid, err2 := parseID(f[3])
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, passwdEntry{name: f[0], uid: uid, gid: gid, home: f[5]})
	}
	return out
}

// parseGroup parses group(5) lines "name:password:gid:member,member".
func parseGroup(data string) []groupEntry {
	var out []groupEntry
	for line := range strings.Lines(data) {
		f := fields(line, 4)
		if f == nil {
			continue
		}
		gid, err := parseID(f[2])
		if err != nil {
			continue
		}
		g := groupEntry{name: f[0], gid: gid}
		for _, m := range strings.Split(f[3], ",") {
			if m = strings.TrimSpace(m); m != "" {
				g.members = append(g.members, m)
			}
		}
		out = append(out, g)
	}
	return out
}

// fields splits a colon-separated line into exactly n fields, or returns
// nil for a line to skip.
func fields(line string, n int) []string {
	line = strings.TrimRight(line, "\r\n")
	if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
		return nil
	}
	f := strings.Split(line, ":")
	if len(f) != n || f[0] == "" {
		return nil
	}
	return f
}
