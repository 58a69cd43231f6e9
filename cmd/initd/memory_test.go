package main

import "testing"

func TestDroppableRegions(t *testing.T) {
	t.Parallel()
	smaps := `00400000-006bf000 r-xp 00000000 fe:00 9978179                            /usr/bin/initd
Size:               2812 kB
Rss:                1024 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
006bf000-0098a000 r--p 002bf000 fe:00 9978179                            /usr/bin/initd
Size:               2860 kB
Anonymous:             0 kB
0098a000-009a0000 r--p 0058a000 fe:00 9978179                            /usr/bin/initd
Size:                 88 kB
Anonymous:            88 kB
009a0000-009d0000 rw-p 005a0000 fe:00 9978179                            /usr/bin/initd
Anonymous:            20 kB
7f0000000000-7f0000001000 r-xp 00000000 fe:00 1                          /usr/lib/other
Anonymous:             0 kB
7f0000002000-7f0000003000 r--p 00000000 00:00 0 
Anonymous:             4 kB
`
	got := droppableRegions(smaps, "/usr/bin/initd")
	want := [][2]uintptr{{0x400000, 0x2bf000}, {0x6bf000, 0x98a000 - 0x6bf000}}
	if len(got) != len(want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("region %d: %x, want %x", i, got[i], want[i])
		}
	}
	if r := droppableRegions(smaps, "/usr/bin/initd (deleted)"); len(r) != 0 {
		t.Errorf("a path that does not match gave %x", r)
	}
}
