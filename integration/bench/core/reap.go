package main

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// reapTarget is the bound on initd's reaping CPU time as a multiple
// of tini's.
const reapTarget = 4.0

// reapLimit is how long an init gets, after COMMAND's loop ends, to reap
// the last orphans; what is left then is counted as zombies left behind.
const reapLimit = 20 * time.Second

// orphanScript is the reaping benchmark's COMMAND. `(true &)` forks a
// subshell that forks a background child and exits at once, so every
// background child is orphaned and reparented to PID 1, one at a time at
// the pace of the loop: the init is woken for each orphan rather than for
// a batch, which is the hard case for it.
const orphanScript = `echo R; read x; i=0; while [ $i -lt %d ]; do (true &); i=$((i+1)); done; echo D; read x`

// reapSample is one reaping round of one init.
type reapSample struct {
	totalNs int64         // the init's CPU time from exec to the last orphan reaped
	burstNs int64         // the part of it from the first orphan on
	lag     time.Duration // from the loop's end to the last orphan reaped
	wakeups int64         // the init's context switches from the first orphan on
	threads []float64     // ms of CPU per thread from the first orphan on, in thread creation order
	counted int           // orphans initd says it reaped (-1: not known)
	zombies int           // zombies in the init's PID namespace once it was done or reapLimit passed
}

// benchReap runs every init as PID 1 with orphanScript as COMMAND, rounds
// times each, interleaved, and compares the inits' own CPU time.
func benchReap(ctx context.Context, log zerolog.Logger, peers []peer, orphans, rounds int) (string, []targetRow, error) {
	samples := make([][]reapSample, len(peers))
	for r := range rounds {
		for _, i := range shuffled(len(peers)) {
			s, err := reapOnce(ctx, peers[i], orphans)
			if err != nil {
				return "", nil, fmt.Errorf("reaping: %w", err)
			}
			log.Info().Str("init", peers[i].name).Int("round", r+1).Int("zombies", s.zombies).
				Float64("cpu_ms", float64(s.totalNs)/1e6).Str("lag", s.lag.String()).Msg("reaping")
			samples[i] = append(samples[i], s)
		}
	}

	total := func(i int) float64 {
		return median(collect(samples[i], func(s reapSample) float64 { return float64(s.totalNs) / 1e6 }))
	}
	burst := func(i int) float64 {
		return median(collect(samples[i], func(s reapSample) float64 { return float64(s.burstNs) / 1e6 }))
	}
	// zombies is the most any round of init i left behind.
	zombies := func(i int) int {
		most := 0
		for _, s := range samples[i] {
			most = max(most, s.zombies)
		}
		return most
	}
	ok := total(peerInitd) <= reapTarget*total(peerTini) && zombies(peerInitd) == 0
	var b strings.Builder
	fmt.Fprintf(&b, "### Reaping %d orphans as PID 1\n\n", orphans)
	fmt.Fprintf(&b, "Each init is PID 1 of a new PID namespace (`unshare --pid --fork --mount-proc`); its COMMAND is "+
		"`/bin/sh -c '...(true &)...'`, which orphans %d processes one after the other as fast as dash can fork "+
		"(each lands on the init on its own, so the init is woken for nearly every one). "+
		"CPU is the init's own on-CPU time summed over its threads (`/proc/PID/task/*/schedstat`), read once the "+
		"init has no child left but COMMAND: *total* is from its exec on (nothing subtracted), *burst* is from "+
		"the first orphan on. Context switches (summed over the init's threads, from the first orphan on) "+
		"count how often the init was woken: one per orphan is the floor for an init woken per orphan. "+
		"Zombies left are the processes in state Z anywhere in the init's PID namespace once the init had no "+
		"child left but COMMAND (or %v after the loop ended), the most of any round. "+
		"%d rounds, inits in a random order each round; medians.\n\n", orphans, reapLimit, rounds)
	fmt.Fprintf(&b, "| init | CPU total | CPU burst | per orphan | ratio to tini (total) | ratio to tini (burst) | context switches per orphan | last orphan reaped after loop end | zombies left | target | result |\n")
	fmt.Fprintf(&b, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for i, p := range peers {
		lag := median(collect(samples[i], func(s reapSample) float64 { return float64(s.lag) / 1e6 }))
		target, result := "", ""
		if i == peerInitd {
			target, result = fmt.Sprintf("≤ %.2f× (total), no zombie", reapTarget), verdict(ok)
		}
		switches := median(collect(samples[i], func(s reapSample) float64 { return float64(s.wakeups) }))
		fmt.Fprintf(&b, "| %s | %.1f ms | %.1f ms | %.1f µs | %s | %s | %.2f | %.1f ms | %d | %s | %s |\n", p.name,
			total(i), burst(i), burst(i)*1e3/float64(orphans), ratio(total(i), total(peerTini)),
			ratio(burst(i), burst(peerTini)), switches/float64(orphans), lag, zombies(i), target, result)
	}
	for i, p := range peers {
		last := samples[i][len(samples[i])-1].threads
		if len(last) < 2 {
			continue
		}
		ms := make([]string, len(last))
		for j, v := range last {
			ms[j] = fmt.Sprintf("%.1f", v)
		}
		fmt.Fprintf(&b, "\n%s's CPU during the burst by thread, in creation order (last round; the main thread first; in a Go program the second is normally the runtime's sysmon): %s ms.\n",
			p.name, strings.Join(ms, ", "))
	}
	var counts []string
	for _, s := range samples[peerInitd] {
		if s.counted >= 0 {
			counts = append(counts, strconv.Itoa(s.counted))
		}
	}
	if len(counts) > 0 {
		fmt.Fprintf(&b, "\ninitd's own count of orphans reaped (its exit log), per round: %s.\n", strings.Join(counts, ", "))
	}
	cell := func(i int) string {
		return fmt.Sprintf("%s (%.1f ms), %d zombies", ratio(total(i), total(peerTini)), total(i), zombies(i))
	}
	row := targetRow{
		what:   fmt.Sprintf("reaping %d orphans as PID 1, the init's CPU time (median), ratio to tini's; zombies left", orphans),
		target: fmt.Sprintf("≤ %.2f×, 0 zombies", reapTarget),
		initd:  cell(peerInitd),
		naive:  cell(peerNaive),
		tini:   cell(peerTini),
		ok:     ok,
	}
	return b.String(), []targetRow{row}, nil
}

// orphansReaped finds the orphan count in initd's exit log line.
var orphansReaped = regexp.MustCompile(`orphans_reaped"?[=:]\s*(\d+)`)

// reapOnce is one round for one init: start it as PID 1, take its CPU time
// once COMMAND is up, let COMMAND orphan n processes, wait until the init
// has reaped them all, take its CPU time again, then let COMMAND exit.
func reapOnce(ctx context.Context, p peer, n int) (reapSample, error) {
	x, err := startPID1(ctx, p, "/bin/sh", "-c", fmt.Sprintf(orphanScript, n))
	if err != nil {
		return reapSample{}, err
	}
	defer x.kill()
	if err := x.expect(ctx, "R", 10*time.Second); err != nil {
		return reapSample{}, err
	}
	sh, err := waitOnlyChild(ctx, x.init, 5*time.Second)
	if err != nil {
		return reapSample{}, fmt.Errorf("%s: finding COMMAND: %w", p.name, err)
	}
	before, err := threadCPUNs(x.init)
	if err != nil {
		return reapSample{}, err
	}
	switchesBefore, err := contextSwitches(x.init)
	if err != nil {
		return reapSample{}, err
	}
	if err := x.send("G"); err != nil {
		return reapSample{}, err
	}
	if err := x.expect(ctx, "D", 5*time.Minute); err != nil {
		return reapSample{}, err
	}
	loopEnd := time.Now()
	if err := waitReaped(ctx, x.init, sh, reapLimit); err != nil && ctx.Err() != nil {
		return reapSample{}, fmt.Errorf("%s: %w", p.name, err)
	}
	lag := time.Since(loopEnd)
	zombies, err := zombiesIn(x.init)
	if err != nil {
		return reapSample{}, fmt.Errorf("%s: %w", p.name, err)
	}
	after, err := threadCPUNs(x.init)
	if err != nil {
		return reapSample{}, err
	}
	switchesAfter, err := contextSwitches(x.init)
	if err != nil {
		return reapSample{}, err
	}
	if err := x.send("Q"); err != nil {
		return reapSample{}, err
	}
	if err := x.wait(10*time.Second, false); err != nil {
		return reapSample{}, err
	}
	s := reapSample{lag: lag, counted: -1, wakeups: switchesAfter - switchesBefore, zombies: zombies}
	tids := slices.Sorted(maps.Keys(after))
	for _, tid := range tids {
		s.totalNs += after[tid]
		s.burstNs += after[tid] - before[tid]
		s.threads = append(s.threads, float64(after[tid]-before[tid])/1e6)
	}
	if m := orphansReaped.FindStringSubmatch(x.stderr.String()); m != nil {
		s.counted, _ = strconv.Atoi(m[1])
	}
	return s, nil
}

// waitReaped polls until init's only child is sh: every orphan has been
// reaped (zombies still count as children until then). Past limit it gives
// up with an error; what is left is then counted by the caller.
func waitReaped(ctx context.Context, init, sh int, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		kids, err := childrenOf(init)
		if err != nil {
			return err
		}
		if slices.Equal(kids, []int{sh}) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pid %d still has %d children besides COMMAND: %w", init, len(kids)-1, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// collect maps samples to numbers.
func collect[T any](xs []T, f func(T) float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}
