// Command startup times commands run back to back, interleaved round by
// round (in a random order each round) so that the load of a shared
// machine falls on all of them alike, and prints each one's median wall
// time, spread and ratio to the first. It is the ad-hoc tool for trying a
// start-up change against any command line; the benchmark of record is
// the start-up section of integration/bench/core, run by
// integration/bench/run.sh.
//
//	go run ./integration/bench/startup -n 400 -- 'tini-static -s -- /bin/true' 'bin/initd -- /bin/true'
//
// Commands are split on spaces (no shell, no quoting) and run with stdio
// on /dev/null; a failing command stops the run.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

func main() {
	n := flag.Int("n", 300, "timed rounds")
	warm := flag.Int("warmup", 20, "untimed rounds first")
	flag.Parse()
	if len(flag.Args()) == 0 {
		fmt.Fprintln(os.Stderr, "usage: startup [-n N] [-warmup N] 'COMMAND ARGS' ...")
		os.Exit(2)
	}
	if err := run(flag.Args(), *n, *warm); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}

func run(cmds []string, rounds, warmup int) error {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", os.DevNull, err)
	}
	defer devnull.Close()
	attr := &os.ProcAttr{Files: []*os.File{devnull, devnull, devnull}}
	argvs := make([][]string, len(cmds))
	for i, c := range cmds {
		argvs[i] = strings.Fields(c)
		if len(argvs[i]) == 0 {
			return fmt.Errorf("command %d is empty", i+1)
		}
		path, err := exec.LookPath(argvs[i][0])
		if err != nil {
			return fmt.Errorf("%s: %w", c, err)
		}
		argvs[i][0] = path
	}
	times := make([][]time.Duration, len(cmds))
	order := make([]int, len(cmds))
	for i := range order {
		order[i] = i
	}
	for r := 0; r < warmup+rounds; r++ {
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			t0 := time.Now()
			p, err := os.StartProcess(argvs[i][0], argvs[i], attr)
			if err != nil {
				return fmt.Errorf("%s: %w", cmds[i], err)
			}
			st, err := p.Wait()
			d := time.Since(t0)
			if err != nil {
				return fmt.Errorf("%s: wait: %w", cmds[i], err)
			}
			if !st.Success() {
				return fmt.Errorf("%s: %v", cmds[i], st)
			}
			if r >= warmup {
				times[i] = append(times[i], d)
			}
		}
	}
	base := quantile(times[0], 0.5)
	fmt.Println("| command | median | p10 | p90 | ratio to first |")
	fmt.Println("| --- | --- | --- | --- | --- |")
	for i, c := range cmds {
		m := quantile(times[i], 0.5)
		fmt.Printf("| `%s` | %s | %s | %s | %.2f× |\n", c, ms(m), ms(quantile(times[i], 0.1)),
			ms(quantile(times[i], 0.9)), float64(m)/float64(base))
	}
	return nil
}

// quantile is the nearest-rank q-quantile of d.
func quantile(d []time.Duration, q float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }
