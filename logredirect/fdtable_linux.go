package logredirect

import (
	"sync"

	"golang.org/x/sys/unix"
)

// fdTableSize is how many descriptors the process's descriptor table is
// grown to hold before the first file is followed.
//
// The kernel grows the table by doubling (64, 128, 256, ...) when a new
// descriptor does not fit, and in a process whose threads share the table
// (every Go program) each growth waits for an RCU grace period first:
// milliseconds, during which the open that needed it blocks. A follower
// keeps every rotated file open until a while after its last write, so a
// writer that rotates hundreds of times in a few seconds makes it grow the
// table in the middle of the rotations, and a follower stuck in open for
// that long misses the files created and renamed away meanwhile (measured:
// 20-50 of 3,000 lines lost at the 256th descriptor, in every run; none
// with the table grown at start; see docs/logs.md). Growing it once at
// start, where a few milliseconds do not matter, costs the kernel 8 KiB.
const fdTableSize = 1024

var growFDTableOnce sync.Once

// growFDTable grows the descriptor table to fdTableSize entries, or to
// the RLIMIT_NOFILE soft limit if that is lower, by duplicating fd to a
// descriptor that high and closing the duplicate. Failing does no harm.
func growFDTable(fd int) {
	growFDTableOnce.Do(func() {
		n := uint64(fdTableSize)
		var lim unix.Rlimit
		if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < n {
			n = lim.Cur
		}
		if n < 2 {
			return
		}
		if dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, int(n-1)); err == nil {
			unix.Close(dup)
		}
	})
}
