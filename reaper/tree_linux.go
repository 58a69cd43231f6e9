package reaper

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// SetSubreaper makes the calling process a child subreaper
// (PR_SET_CHILD_SUBREAPER): orphaned descendants are re-parented to it
// instead of to the PID 1 of its namespace, so it can reap them and signal
// them on shutdown. Not needed, and not done, when the caller is PID 1.
func SetSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return os.NewSyscallError("prctl(PR_SET_CHILD_SUBREAPER)", err)
	}
	return nil
}

// SignalDescendants sends sig to every descendant of the calling process
// and returns how many it signalled.
//
// As PID 1 that is kill(-1, sig): every process of the PID namespace but
// initd itself. Otherwise the process tree is read from /proc and each
// descendant is signalled through a pidfd opened before its parentage is
// checked again, so a pid that was reused in between by a process outside
// the tree is never signalled.
func SignalDescendants(sig syscall.Signal) (int, error) {
	self := os.Getpid()
	if self == 1 {
		err := unix.Kill(-1, sig)
		if errors.Is(err, unix.ESRCH) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		return 1, nil
	}
	parents, err := readParents()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, pid := range descendants(self, parents) {
		if signalIfDescendant(pid, self, sig) {
			n++
		}
	}
	return n, nil
}

// descendants lists, breadth first, every pid below root in the ppid map.
func descendants(root int, parents map[int]int) []int {
	children := make(map[int][]int, len(parents))
	for pid, ppid := range parents {
		children[ppid] = append(children[ppid], pid)
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// signalIfDescendant pins pid with a pidfd, checks that it is still below
// root, and only then signals it through the pidfd.
func signalIfDescendant(pid, root int, sig syscall.Signal) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	for p, hops := pid, 0; hops < 4096; hops++ {
		pp, err := readPPid(p)
		if err != nil || pp <= 1 && root != 1 {
			return false
		}
		if pp == root {
			return unix.PidfdSendSignal(fd, sig, nil, 0) == nil
		}
		p = pp
	}
	return false
}

// readParents maps every pid in /proc to its parent pid.
func readParents() (map[int]int, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	parents := make(map[int]int, len(names))
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if pp, err := readPPid(pid); err == nil {
			parents[pid] = pp
		}
	}
	return parents, nil
}

// readPPid reads the parent pid from /proc/PID/stat (the field after the
// command name, which may itself contain spaces and parentheses).
func readPPid(pid int) (int, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatPPid(b)
}

var errBadStat = errors.New("malformed /proc/PID/stat")

func parseStatPPid(b []byte) (int, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errBadStat
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 2 {
		return 0, errBadStat
	}
	return strconv.Atoi(string(f[1]))
}
