package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// procStat is what the benchmark needs from /proc/PID/stat.
type procStat struct {
	state byte
	ppid  int
}

// readStat parses /proc/PID/stat. The command name (field 2) may contain
// spaces and parentheses, so the fields are counted from the last ')'.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, fmt.Errorf("read stat of pid %d: %w", pid, err)
	}
	return parseStat(pid, b)
}

// parseStat parses the contents b of /proc/PID/stat.
func parseStat(pid int, b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("parse stat of pid %d: no ')' in %q", pid, b)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("parse stat of pid %d: short line %q", pid, b)
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return procStat{}, fmt.Errorf("parse stat of pid %d: ppid %q: %w", pid, f[1], err)
	}
	return procStat{state: f[0][0], ppid: ppid}, nil
}

// childrenOf lists the processes whose parent is ppid, zombies included,
// by scanning /proc (this kernel may lack /proc/PID/task/TID/children).
// Processes that vanish during the scan are skipped.
func childrenOf(ppid int) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list /proc: %w", err)
	}
	var kids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil {
			continue // exited while we looked
		}
		if st.ppid == ppid {
			kids = append(kids, pid)
		}
	}
	return kids, nil
}

// zombiesIn counts the processes in state Z in the PID namespace whose
// first process is init (init included), by comparing every process's
// /proc/PID/ns/pid with init's. Processes that vanish during the scan are
// skipped.
func zombiesIn(init int) (int, error) {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", init))
	if err != nil {
		return 0, fmt.Errorf("PID namespace of pid %d: %w", init, err)
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("list /proc: %w", err)
	}
	n := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid)); err != nil || l != ns {
			continue
		}
		if st, err := readStat(pid); err == nil && st.state == 'Z' {
			n++
		}
	}
	return n, nil
}

// waitOnlyChild polls until ppid has exactly one child and returns it.
func waitOnlyChild(ctx context.Context, ppid int, limit time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		kids, err := childrenOf(ppid)
		if err != nil {
			return 0, err
		}
		if len(kids) == 1 {
			return kids[0], nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("pid %d: still %d children instead of one: %w", ppid, len(kids), ctx.Err())
		case <-time.After(time.Millisecond):
		}
	}
}

// threadCPUNs is the time each of pid's threads has spent on a CPU, in
// nanoseconds, by thread id: the first field of
// /proc/PID/task/*/schedstat (exact, unlike the clock ticks of
// /proc/PID/stat).
func threadCPUNs(pid int) (map[int]int64, error) {
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("schedstat of pid %d: no threads found (%v)", pid, err)
	}
	out := make(map[int]int64, len(files))
	for _, f := range files {
		tid, err := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("schedstat of pid %d: %w", pid, err)
		}
		fields := strings.Fields(string(b))
		if len(fields) == 0 {
			return nil, fmt.Errorf("schedstat of pid %d: empty %s", pid, f)
		}
		ns, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("schedstat of pid %d: %s: %w", pid, f, err)
		}
		out[tid] = ns
	}
	return out, nil
}

// statusOf reads the numeric fields of /proc/PATH/status that are named in
// keys ("VmRSS", "Threads", ...); sizes stay in kB as the kernel gives them.
func statusOf(path string, keys ...string) (map[string]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out := make(map[string]int64, len(keys))
	for line := range strings.SplitSeq(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, k := range keys {
			if name != k {
				continue
			}
			f := strings.Fields(rest)
			if len(f) == 0 {
				return nil, fmt.Errorf("read %s: %s has no value", path, k)
			}
			v, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("read %s: %s: %w", path, k, err)
			}
			out[k] = v
		}
	}
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			return nil, fmt.Errorf("read %s: no %s field", path, k)
		}
	}
	return out, nil
}

// contextSwitches sums voluntary and involuntary context switches over
// pid's threads: every time a thread of pid was woken and ran, it switched
// out again, so the sum grows by at least one per wake-up.
func contextSwitches(pid int) (int64, error) {
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(files) == 0 {
		return 0, fmt.Errorf("threads of pid %d: none found (%v)", pid, err)
	}
	var sum int64
	for _, f := range files {
		m, err := statusOf(f, "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")
		if err != nil {
			return 0, err
		}
		sum += m["voluntary_ctxt_switches"] + m["nonvoluntary_ctxt_switches"]
	}
	return sum, nil
}
