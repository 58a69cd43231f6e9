package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// startupTarget is the bound on initd's median start-up time as a
// multiple of the naive Go init's.
const startupTarget = 1.15

// benchStartup times `INIT /bin/true` for every peer and a bare /bin/true,
// interleaved round by round in a random order, and compares medians with
// the naive Go init's (the target) and tini-static's (for comparison).
// Wall time runs from just before fork to just after the wait returns, so
// it includes the init's exec, its start of /bin/true, the reaping and its
// exit; stdio is /dev/null for all.
func benchStartup(ctx context.Context, log zerolog.Logger, peers []peer, rounds, warmup int) (string, []targetRow, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return "", nil, fmt.Errorf("start-up: open %s: %w", os.DevNull, err)
	}
	defer devnull.Close()

	type contender struct {
		label string
		argv  []string
		ms    []float64
		cpu   []float64 // ms of CPU, the command and what it waited for
	}
	cs := []*contender{{label: "/bin/true (no init)", argv: []string{"/bin/true"}}}
	for _, p := range peers {
		argv := p.argv("/bin/true")
		label := append([]string{p.name}, argv[1:]...)
		cs = append(cs, &contender{label: strings.Join(label, " "), argv: argv})
	}
	log.Info().Int("rounds", rounds).Msg("start-up")
	for r := 0; r < warmup+rounds; r++ {
		if err := ctx.Err(); err != nil {
			return "", nil, fmt.Errorf("start-up: %w", err)
		}
		for _, i := range shuffled(len(cs)) {
			c := cs[i]
			d, cpu, err := timeRun(c.argv, devnull)
			if err != nil {
				return "", nil, fmt.Errorf("start-up: %s: %w", c.label, err)
			}
			if r >= warmup {
				c.ms = append(c.ms, float64(d)/float64(time.Millisecond))
				c.cpu = append(c.cpu, float64(cpu)/float64(time.Millisecond))
			}
		}
	}

	initd := median(cs[1+peerInitd].ms)
	naive := median(cs[1+peerNaive].ms)
	tini := median(cs[1+peerTini].ms)
	ok := initd <= startupTarget*naive
	var b strings.Builder
	fmt.Fprintf(&b, "### Start-up\n\n")
	fmt.Fprintf(&b, "Each command run %d times (after %d untimed), all interleaved round by round in a random order; "+
		"wall time from fork to the end of wait, stdio on /dev/null; CPU is user+system time of the command and "+
		"of /bin/true (rusage from wait). Inits not PID 1 here (the usual "+
		"`docker run` start-up path is the same exec, start, reap, exit).\n\n", rounds, warmup)
	fmt.Fprintf(&b, "| command | median | p10 | p90 | ratio to naive Go init | ratio to tini-static | CPU (median) | target | result |\n")
	fmt.Fprintf(&b, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for i, c := range cs {
		target, result := "", ""
		if i == 1+peerInitd {
			target, result = fmt.Sprintf("≤ %.2f× naive", startupTarget), verdict(ok)
		}
		m := median(c.ms)
		fmt.Fprintf(&b, "| `%s` | %.3f ms | %.3f ms | %.3f ms | %s | %s | %.3f ms | %s | %s |\n", c.label,
			m, quantile(c.ms, 0.1), quantile(c.ms, 0.9), ratio(m, naive), ratio(m, tini), median(c.cpu),
			target, result)
	}
	row := targetRow{
		what:   "start-up, `INIT -- /bin/true`, median wall time, ratio to the naive Go init",
		target: fmt.Sprintf("≤ %.2f×", startupTarget),
		initd:  fmt.Sprintf("%s (%.3f ms)", ratio(initd, naive), initd),
		naive:  fmt.Sprintf("1.00× (%.3f ms)", naive),
		tini:   fmt.Sprintf("%s (%.3f ms)", ratio(tini, naive), tini),
		ok:     ok,
	}
	return b.String(), []targetRow{row}, nil
}

// timeRun runs argv with stdio on devnull and returns its wall time and
// CPU time (its own and that of the children it waited for); a non-zero
// exit is an error.
func timeRun(argv []string, devnull *os.File) (wall, cpu time.Duration, err error) {
	attr := &os.ProcAttr{Files: []*os.File{devnull, devnull, devnull}}
	t0 := time.Now()
	p, err := os.StartProcess(argv[0], argv, attr)
	if err != nil {
		return 0, 0, fmt.Errorf("start %s: %w", argv[0], err)
	}
	st, err := p.Wait()
	wall = time.Since(t0)
	if err != nil {
		return 0, 0, fmt.Errorf("wait for %s: %w", argv[0], err)
	}
	if !st.Success() {
		return 0, 0, fmt.Errorf("%s: %v", argv[0], st)
	}
	return wall, st.UserTime() + st.SystemTime(), nil
}
