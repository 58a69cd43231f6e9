package signals

import (
	"golang.org/x/sys/unix"
)

// ForegroundTerminal reports whether fd is the calling process's
// controlling terminal and the caller's process group is its foreground
// group, so that the terminal can be handed to a child's process group (job
// control, Ctrl-C reaching the child). A terminal of another session cannot
// be handed over, and one where the caller runs in the background (started
// with & from a shell) is not the caller's to give away.
func ForegroundTerminal(fd int) bool {
	sid, err := unix.IoctlGetInt(fd, unix.TIOCGSID)
	if err != nil {
		return false
	}
	own, err := unix.Getsid(0)
	if err != nil || own != sid {
		return false
	}
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}
