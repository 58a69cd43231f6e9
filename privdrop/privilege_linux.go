package privdrop

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// CheckPrivilege returns an error wrapping [ErrPrivilege] unless initd can
// switch user: that takes CAP_SETUID and CAP_SETGID in initd's effective
// capability set (root has both; a container started with --cap-drop or a
// non-root USER does not). The message names the option value:
// "--user app: need root (CAP_SETUID) to switch user".
func CheckPrivilege(spec Spec) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("--user %s: reading initd's capabilities: %w", spec, err)
	}
	has := func(c int) bool { return data[c/32].Effective&(1<<(uint(c)%32)) != 0 }
	for _, c := range []struct {
		bit  int
		name string
	}{{unix.CAP_SETUID, "CAP_SETUID"}, {unix.CAP_SETGID, "CAP_SETGID"}} {
		if !has(c.bit) {
			return &classified{fmt.Sprintf("--user %s: need root (%s) to switch user", spec, c.name), ErrPrivilege}
		}
	}
	return nil
}
