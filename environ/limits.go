package environ

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Names of the variables [Limits.Env] produces.
const (
	// MemoryLimitVar holds the memory limit in bytes.
	MemoryLimitVar = "INITD_MEMORY_LIMIT_BYTES"
	// CPULimitVar holds the CPU limit in cores, as a decimal ("0.5", "2").
	CPULimitVar = "INITD_CPU_LIMIT"
)

// v1Unlimited is the smallest cgroup v1 memory.limit_in_bytes taken to mean
// "no limit". The kernel reports no limit as LONG_MAX rounded down to a page
// (9223372036854771712 with 4 KiB pages, less with 64 KiB pages); no real
// limit comes anywhere near 2^62 bytes.
const v1Unlimited = int64(1) << 62

// CgroupFiles names the files [ReadLimits] starts from. The zero value means
// the real ones; tests point them at a fake tree in a temporary directory
// (mount points in the fake mountinfo are then directories of that tree).
type CgroupFiles struct {
	// SelfCgroup is /proc/self/cgroup when empty.
	SelfCgroup string
	// MountInfo is /proc/self/mountinfo when empty.
	MountInfo string
}

// Limits are the tightest resource limits found on the way from initd's own
// cgroup up to the root of each hierarchy. A zero field means no limit.
type Limits struct {
	// MemoryBytes is the memory limit in bytes (v2 memory.max, v1
	// memory.limit_in_bytes).
	MemoryBytes int64
	// CPUQuota and CPUPeriod (microseconds) are the CPU bandwidth limit
	// (v2 cpu.max, v1 cpu.cfs_quota_us and cpu.cfs_period_us): CPUQuota of
	// every CPUPeriod may be used, i.e. CPUQuota/CPUPeriod cores.
	CPUQuota, CPUPeriod int64
}

// CPU returns the CPU limit in cores and whether there is one.
func (l Limits) CPU() (float64, bool) {
	if l.CPUQuota <= 0 || l.CPUPeriod <= 0 {
		return 0, false
	}
	return float64(l.CPUQuota) / float64(l.CPUPeriod), true
}

// Env returns INITD_MEMORY_LIMIT_BYTES and INITD_CPU_LIMIT as "NAME=VALUE"
// entries, each only when the limit exists. The CPU limit is a decimal
// number of cores with no more digits than needed: "0.5", "1.5", "2".
func (l Limits) Env() []string {
	var env []string
	if l.MemoryBytes > 0 {
		env = append(env, MemoryLimitVar+"="+strconv.FormatInt(l.MemoryBytes, 10))
	}
	if cores, ok := l.CPU(); ok {
		env = append(env, CPULimitVar+"="+strconv.FormatFloat(cores, 'f', -1, 64))
	}
	return env
}

// SetEnv returns env with the limit variables set, replacing entries of
// the same names (initd's values are authoritative, not inherited ones).
func (l Limits) SetEnv(env []string) []string {
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if name != MemoryLimitVar && name != CPULimitVar {
			out = append(out, kv)
		}
	}
	return append(out, l.Env()...)
}

// tighten lowers l to the limits in other where those are tighter.
func (l *Limits) tighten(other Limits) {
	if other.MemoryBytes > 0 && (l.MemoryBytes == 0 || other.MemoryBytes < l.MemoryBytes) {
		l.MemoryBytes = other.MemoryBytes
	}
	if c, ok := other.CPU(); ok {
		if mine, have := l.CPU(); !have || c < mine {
			l.CPUQuota, l.CPUPeriod = other.CPUQuota, other.CPUPeriod
		}
	}
}

// ReadLimits finds initd's cgroups and returns the tightest limits. It
// reads cgroup v2 and the v1 memory and cpu controllers, whichever are
// mounted (a "hybrid" host has both), from initd's own cgroup up to the
// root of each hierarchy. Without a cgroup namespace /proc/self/cgroup
// names a path relative to the hierarchy's root, which the mount may not
// show in full; the mount's root from mountinfo is taken into account, and
// a cgroup directory that cannot be found falls back to the mount point.
//
// It is best effort: limits found are returned even when an error (an
// unreadable or malformed file) is returned alongside; initd logs the error
// as a warning and goes on.
func ReadLimits(files CgroupFiles) (Limits, error) {
	if files.SelfCgroup == "" {
		files.SelfCgroup = "/proc/self/cgroup"
	}
	if files.MountInfo == "" {
		files.MountInfo = "/proc/self/mountinfo"
	}
	selfData, err := readAll(files.SelfCgroup, 512)
	if err != nil {
		return Limits{}, fmt.Errorf("cgroup limits: %w", err)
	}
	mountData, err := readAll(files.MountInfo, 8192)
	if err != nil {
		return Limits{}, fmt.Errorf("cgroup limits: %w", err)
	}
	memberships := parseSelfCgroup(string(selfData))
	mounts := parseMountInfo(string(mountData))

	var lim Limits
	var errs []error
	for _, m := range memberships {
		for _, mnt := range mounts {
			if !mnt.serves(m) {
				continue
			}
			found, err := walkUp(mnt, m.path)
			lim.tighten(found)
			if err != nil {
				errs = append(errs, err)
			}
			break
		}
	}
	return lim, errors.Join(errs...)
}

// walkUp reads the limit files from the cgroup directory of path under mnt
// up to mnt's mount point.
func walkUp(mnt mount, path string) (Limits, error) {
	v2 := mnt.fstype == "cgroup2"
	memory, cpu := slices.Contains(mnt.superOpts, "memory"), slices.Contains(mnt.superOpts, "cpu")
	dir := mnt.dirFor(path)
	var lim Limits
	var errs []error
	for {
		var l Limits
		var err error
		if v2 {
			l, err = readV2(dir)
		} else {
			l, err = readV1(dir, memory, cpu)
		}
		lim.tighten(l)
		if err != nil {
			errs = append(errs, err)
		}
		parent := filepath.Dir(dir)
		if dir == mnt.point || parent == dir || !strings.HasPrefix(parent, mnt.point) {
			break
		}
		dir = parent
	}
	return lim, errors.Join(errs...)
}

// readV2 reads memory.max and cpu.max in dir.
func readV2(dir string) (Limits, error) {
	var lim Limits
	var errs []error
	if s, ok, err := readSmall(filepath.Join(dir, "memory.max")); err != nil {
		errs = append(errs, err)
	} else if ok && s != "max" {
		n, err := parsePositive(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("cgroup limits: %s: %w", filepath.Join(dir, "memory.max"), err))
		}
		lim.MemoryBytes = n
	}
	if s, ok, err := readSmall(filepath.Join(dir, "cpu.max")); err != nil {
		errs = append(errs, err)
	} else if ok {
		q, p, err := parseCPUMax(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("cgroup limits: %s: %w", filepath.Join(dir, "cpu.max"), err))
		}
		lim.CPUQuota, lim.CPUPeriod = q, p
	}
	return lim, errors.Join(errs...)
}

// readV1 reads memory.limit_in_bytes (in a memory hierarchy) and
// cpu.cfs_quota_us and cpu.cfs_period_us (in a cpu hierarchy) in dir.
func readV1(dir string, memory, cpu bool) (Limits, error) {
	var lim Limits
	var errs []error
	if memory {
		if s, ok, err := readSmall(filepath.Join(dir, "memory.limit_in_bytes")); err != nil {
			errs = append(errs, err)
		} else if ok && s != "-1" {
			n, err := parsePositive(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("cgroup limits: %s: %w", filepath.Join(dir, "memory.limit_in_bytes"), err))
			}
			if n < v1Unlimited {
				lim.MemoryBytes = n
			}
		}
	}
	if cpu {
		quota, okQ, errQ := readSmall(filepath.Join(dir, "cpu.cfs_quota_us"))
		period, okP, errP := readSmall(filepath.Join(dir, "cpu.cfs_period_us"))
		if err := errors.Join(errQ, errP); err != nil {
			errs = append(errs, err)
		} else if okQ && okP && quota != "-1" {
			q, err1 := parsePositive(quota)
			p, err2 := parsePositive(period)
			if err := errors.Join(err1, err2); err != nil {
				errs = append(errs, fmt.Errorf("cgroup limits: %s: cpu.cfs_quota_us/cpu.cfs_period_us: %w", dir, err))
			} else {
				lim.CPUQuota, lim.CPUPeriod = q, p
			}
		}
	}
	return lim, errors.Join(errs...)
}

// parseCPUMax parses cgroup v2 cpu.max: "max 100000", "50000 100000", or
// a lone quota (period 100000, the kernel default). No limit is 0, 0.
func parseCPUMax(s string) (quota, period int64, err error) {
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields) > 2 {
		return 0, 0, fmt.Errorf("want \"QUOTA PERIOD\", got %d fields", len(fields))
	}
	if fields[0] == "max" {
		return 0, 0, nil
	}
	period = 100000
	if len(fields) == 2 {
		if period, err = parsePositive(fields[1]); err != nil {
			return 0, 0, err
		}
	}
	if quota, err = parsePositive(fields[0]); err != nil {
		return 0, 0, err
	}
	return quota, period, nil
}

// parsePositive parses a decimal integer greater than zero.
func parsePositive(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	if n <= 0 {
		return 0, fmt.Errorf("not a positive number: %q", s)
	}
	return n, nil
}

// readSmall reads a one-line control file. ok is false when the file does
// not exist (the controller is not enabled there, or this is the root).
func readSmall(path string) (string, bool, error) {
	b, err := readAll(path, 64)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("cgroup limits: %w", err)
	}
	return strings.TrimSpace(string(b)), true, nil
}

// readAll reads a whole file with plain system calls, starting with a
// buffer of size bytes. initd reads a dozen of these files before
// COMMAND starts; os.ReadFile would also stat each, try to register it
// with the netpoller and give it a finalizer, several times the cost of
// the read.
func readAll(path string, size int) ([]byte, error) {
	fd, err := openRetry(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

func openRetry(path string) (int, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
