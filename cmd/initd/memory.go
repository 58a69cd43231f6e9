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
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return
	}
	// Find the regions first and drop them in a loop of bare system calls
	// at the end, so that little code runs (and faults back in) after. The
	// regions are not Go memory, so they are named by address. MADV_RANDOM
	// first: a page faulted back in later then comes alone, without the
	// fifteen neighbours the kernel's fault-around would map with it.
	for _, r := range droppableRegions(string(smaps), exe) {
		unix.Syscall(unix.SYS_MADVISE, r[0], r[1], unix.MADV_RANDOM)
		unix.Syscall(unix.SYS_MADVISE, r[0], r[1], unix.MADV_DONTNEED)
	}
}

// droppableRegions lists, from /proc/self/smaps, the mappings of the file
// exe that can be dropped and read again from the file unchanged: not
// writable, and with no page of their own ("Anonymous: 0 kB"). A
// position-independent build has read-only data that was relocated at
// start-up and then made read-only; those pages are copies, and dropping
// them would bring back the unrelocated file contents.
func droppableRegions(smaps, exe string) [][2]uintptr {
	var regions [][2]uintptr
	var cur [2]uintptr
	candidate := false
	for _, line := range strings.Split(smaps, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			// 00400000-004d1000 r-xp 00000000 08:01 1234 /path/to/initd
			candidate = false
			if len(fields) != 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
				continue
			}
			from, to, _ := strings.Cut(fields[0], "-")
			start, err1 := strconv.ParseUint(from, 16, 64)
			end, err2 := strconv.ParseUint(to, 16, 64)
			if err1 == nil && err2 == nil && end > start {
				cur, candidate = [2]uintptr{uintptr(start), uintptr(end - start)}, true
			}
		case candidate && len(fields) >= 2 && fields[0] == "Anonymous:":
			if fields[1] == "0" {
				regions = append(regions, cur)
			}
			candidate = false
		}
	}
	return regions
}
