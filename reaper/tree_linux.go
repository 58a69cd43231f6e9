package reaper

import (
	"bytes"
	"errors"
	"fmt"
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

// Descendant is a process below initd, as /proc showed it.
type Descendant struct {
	Pid  int
	Comm string // the command name from /proc/PID/stat, "" when unknown
}

func (d Descendant) String() string {
	if d.Comm == "" {
		return strconv.Itoa(d.Pid)
	}
	return strconv.Itoa(d.Pid) + " (" + d.Comm + ")"
}

// ErrNoProc is returned by SignalDescendants when /proc cannot be read and
// the caller is not PID 1: its descendants cannot be found.
var ErrNoProc = errors.New("/proc cannot be read: descendants cannot be found")

// SignalDescendants sends sig to every descendant of the calling process
// and returns those it signalled.
//
// As PID 1 that is kill(-1, sig): every process of the PID namespace but
// initd itself (the list returned is what /proc showed just before, when
// it can be read). Otherwise the process tree is read from /proc and each
// descendant is signalled through a pidfd opened before its parentage is
// checked again, so a pid that was reused in between by a process outside
// the tree is never signalled; without /proc the error is [ErrNoProc].
func SignalDescendants(sig syscall.Signal) ([]Descendant, error) {
	self := os.Getpid()
	stats, perr := readStats()
	if self == 1 {
		var found []Descendant
		if perr == nil {
			for _, pid := range descendants(self, stats) {
				found = append(found, Descendant{pid, stats[pid].comm})
			}
		}
		err := unix.Kill(-1, sig)
		if errors.Is(err, unix.ESRCH) {
			return nil, nil
		}
		return found, err
	}
	if perr != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoProc, perr)
	}
	var done []Descendant
	for _, pid := range descendants(self, stats) {
		if signalIfDescendant(pid, self, sig) {
			done = append(done, Descendant{pid, stats[pid].comm})
		}
	}
	return done, nil
}

// descendants lists, breadth first, every pid below root.
func descendants(root int, stats map[int]stat) []int {
	children := make(map[int][]int, len(stats))
	for pid, st := range stats {
		children[st.ppid] = append(children[st.ppid], pid)
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
		st, err := readStat(p)
		if err != nil || st.ppid <= 1 && root != 1 {
			return false
		}
		if st.ppid == root {
			return unix.PidfdSendSignal(fd, sig, nil, 0) == nil
		}
		p = st.ppid
	}
	return false
}

// stat is what initd reads of /proc/PID/stat.
type stat struct {
	ppid int
	comm string
}

// readStats reads the stat of every pid in /proc.
func readStats() (map[int]stat, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	stats := make(map[int]stat, len(names))
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil {
			stats[pid] = st
		}
	}
	if _, ok := stats[os.Getpid()]; !ok {
		// A /proc of another PID namespace, or not procfs at all.
		return nil, errors.New("/proc does not show this process")
	}
	return stats, nil
}

func readStat(pid int) (stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, err
	}
	return parseStat(b)
}

var errBadStat = errors.New("malformed /proc/PID/stat")

// parseStat reads the command name (in parentheses; it may itself hold
// spaces and parentheses) and the parent pid that follows it.
func parseStat(b []byte) (stat, error) {
	open := bytes.IndexByte(b, '(')
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || open < 0 || open > i {
		return stat{}, errBadStat
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 2 {
		return stat{}, errBadStat
	}
	ppid, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return stat{}, errBadStat
	}
	return stat{ppid: ppid, comm: string(b[open+1 : i])}, nil
}
