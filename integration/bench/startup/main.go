// Command startup times commands run back to back, interleaved round by
// round so that the load of a shared machine falls on all of them alike,
// and prints each one's median wall time and its ratio to the first.
//
//	go run ./integration/bench/startup -n 400 -- 'tini-static -s -- /bin/true' 'initd -- /bin/true'
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

func main() {
	n := flag.Int("n", 300, "rounds")
	warm := flag.Int("warmup", 20, "untimed rounds first")
	flag.Parse()
	cmds := flag.Args()
	if len(cmds) == 0 {
		fmt.Fprintln(os.Stderr, "usage: startup [-n N] 'COMMAND ARGS' ...")
		os.Exit(2)
	}
	times := make([][]time.Duration, len(cmds))
	for r := 0; r < *warm+*n; r++ {
		for i, c := range cmds {
			f := strings.Fields(c)
			cmd := exec.Command(f[0], f[1:]...)
			t0 := time.Now()
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", c, err)
				os.Exit(1)
			}
			if r >= *warm {
				times[i] = append(times[i], time.Since(t0))
			}
		}
	}
	base := median(times[0])
	fmt.Println("| command | median | ratio to first |")
	fmt.Println("|---|---|---|")
	for i, c := range cmds {
		m := median(times[i])
		fmt.Printf("| `%s` | %.3f ms | %.2f× |\n", c, float64(m.Microseconds())/1000, float64(m)/float64(base))
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
