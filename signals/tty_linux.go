package signals

import (
	"golang.org/x/sys/unix"
)

// ControllingTerminal reports whether fd is the calling process's
// controlling terminal, so that a child can be made the terminal's
// foreground process group (job control, Ctrl-C reaching the child). A
// terminal that belongs to another session cannot be handed over and
// reports false.
func ControllingTerminal(fd int) bool {
	sid, err := unix.IoctlGetInt(fd, unix.TIOCGSID)
	if err != nil {
		return false
	}
	own, err := unix.Getsid(0)
	return err == nil && own == sid
}
