package main

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// settleDelay is how long after COMMAND started initd gives back the memory
// it only needed to start.
const settleDelay = 500 * time.Millisecond

// releaseStartupMemory gives back what start-up used and supervision does
// not: free heap pages, and the pages of initd's own read-only code and data
// (option parsing, templates, TLS, the cron parser...) that start-up faulted
// in. A supervising initd runs a few small loops; the rest of its 6 MB binary
// need not stay resident. The code pages come back from the page cache, as
// minor faults, if they are ever needed again; nothing writable is touched.
func releaseStartupMemory() {
	debug.FreeOSMemory()
	// Let the runtime's background sweeping and scavenging that follow a
	// collection finish first, so that their code is dropped too.
	time.Sleep(100 * time.Millisecond)
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return
	}
	// Find the regions first and drop them in a loop of bare system calls
	// at the end, so that little code runs (and faults back in) after.
	var regions [][2]uintptr
	for _, line := range strings.Split(string(maps), "\n") {
		// 00400000-004d1000 r-xp 00000000 08:01 1234 /path/to/initd
		fields := strings.Fields(line)
		if len(fields) < 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
			continue
		}
		from, to, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(from, 16, 64)
		end, err2 := strconv.ParseUint(to, 16, 64)
		if err1 == nil && err2 == nil && end > start {
			regions = append(regions, [2]uintptr{uintptr(start), uintptr(end - start)})
		}
	}
	// The regions are not Go memory, so they are named by address.
	// MADV_RANDOM first: a page faulted back in later then comes alone,
	// without the fifteen neighbours the kernel's fault-around would map
	// with it.
	for _, r := range regions {
		unix.Syscall(unix.SYS_MADVISE, r[0], r[1], unix.MADV_RANDOM)
		unix.Syscall(unix.SYS_MADVISE, r[0], r[1], unix.MADV_DONTNEED)
	}
}
