package environ

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// membership is one line of /proc/self/cgroup: "ID:CONTROLLERS:PATH".
type membership struct {
	// controllers is empty for the cgroup v2 line ("0::/path").
	controllers []string
	path        string
}

// mount is one cgroup or cgroup2 line of /proc/self/mountinfo.
type mount struct {
	root, point, fstype string
	superOpts           []string
}

// serves reports whether m is the hierarchy of membership c and one whose
// limits matter.
func (m mount) serves(c membership) bool {
	if len(c.controllers) == 0 {
		return m.fstype == "cgroup2"
	}
	if m.fstype != "cgroup" {
		return false
	}
	for _, want := range []string{"memory", "cpu"} { // what readV1 understands
		if slices.Contains(c.controllers, want) && slices.Contains(m.superOpts, want) {
			return true
		}
	}
	return false
}

// dirFor maps a path from /proc/self/cgroup to a directory under the mount
// point, using the mount's root: without a cgroup namespace a container's
// mount shows only its own subtree (root "/docker/ID"), and the path names
// it from the hierarchy's real root. When the result does not exist the
// mount point itself is used.
func (m mount) dirFor(path string) string {
	rel := ""
	switch {
	case m.root == "/":
		rel = path
	case path == m.root:
	case strings.HasPrefix(path, m.root+"/"):
		rel = strings.TrimPrefix(path, m.root)
	}
	dir := filepath.Join(m.point, filepath.Clean("/"+rel))
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return filepath.Clean(m.point)
	}
	return dir
}

// parseSelfCgroup parses /proc/self/cgroup, skipping malformed lines.
func parseSelfCgroup(data string) []membership {
	var out []membership
	for line := range strings.Lines(data) {
		line = strings.TrimRight(line, "\n")
		_, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		ctrls, path, ok := strings.Cut(rest, ":")
		if !ok || !strings.HasPrefix(path, "/") {
			continue
		}
		m := membership{path: path}
		if ctrls != "" {
			m.controllers = strings.Split(ctrls, ",")
		}
		out = append(out, m)
	}
	return out
}

// parseMountInfo returns the cgroup and cgroup2 mounts of a mountinfo file
// (proc(5)): "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPEROPTS".
func parseMountInfo(data string) []mount {
	var out []mount
	for line := range strings.Lines(data) {
		fields := strings.Fields(line)
		sep := slices.Index(fields, "-")
		if sep < 5 || sep+1 >= len(fields) {
			continue
		}
		fstype := fields[sep+1]
		if fstype != "cgroup" && fstype != "cgroup2" {
			continue
		}
		m := mount{root: unescapeMount(fields[3]), point: unescapeMount(fields[4]), fstype: fstype}
		if sep+3 < len(fields) {
			m.superOpts = strings.Split(fields[sep+3], ",")
		}
		out = append(out, m)
	}
	return out
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space, etc.).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
