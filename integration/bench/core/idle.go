package main

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// Absolute idle targets of the issue: anonymous resident memory (RssAnon:
// heap, stacks, runtime structures; not the binary's own pages, which the
// page cache shares) and wake-ups a second.
const (
	anonTargetKiB  = 1024
	wakeupsTarget  = 0.0
	idleSettleTime = 2 * time.Second
)

// idleSample is one init's state while it supervises `sleep`.
type idleSample struct {
	rssKiB, anonKiB, fileKiB int64
	threads                  int64
	switches                 int64 // context switches over the idle window
}

// benchIdle starts every init as PID 1 supervising `sleep 1000`, all at
// once, lets them settle, then reads their resident memory and counts
// their context switches over window: every wake-up of a thread ends in
// one. They idle side by side, so the window is shared.
func benchIdle(ctx context.Context, log zerolog.Logger, peers []peer, window time.Duration) (string, []targetRow, error) {
	xs := make([]*pid1, len(peers))
	defer func() {
		for _, x := range xs {
			if x != nil {
				x.kill()
			}
		}
	}()
	for i, p := range peers {
		x, err := startPID1(ctx, p, "sleep", "1000")
		if err != nil {
			return "", nil, fmt.Errorf("idle: %w", err)
		}
		xs[i] = x
	}
	for i, x := range xs {
		if _, err := waitOnlyChild(ctx, x.init, 5*time.Second); err != nil {
			return "", nil, fmt.Errorf("idle: %s: finding sleep: %w", peers[i].name, err)
		}
	}
	log.Info().Str("window", window.String()).Msg("idle")
	if err := sleepCtx(ctx, idleSettleTime); err != nil {
		return "", nil, fmt.Errorf("idle: %w", err)
	}
	before := make([]int64, len(xs))
	for i, x := range xs {
		n, err := contextSwitches(x.init)
		if err != nil {
			return "", nil, fmt.Errorf("idle: %s: %w", peers[i].name, err)
		}
		before[i] = n
	}
	if err := sleepCtx(ctx, window); err != nil {
		return "", nil, fmt.Errorf("idle: %w", err)
	}
	samples := make([]idleSample, len(xs))
	for i, x := range xs {
		n, err := contextSwitches(x.init)
		if err != nil {
			return "", nil, fmt.Errorf("idle: %s: %w", peers[i].name, err)
		}
		m, err := statusOf(fmt.Sprintf("/proc/%d/status", x.init), "VmRSS", "RssAnon", "RssFile", "Threads")
		if err != nil {
			return "", nil, fmt.Errorf("idle: %s: %w", peers[i].name, err)
		}
		samples[i] = idleSample{rssKiB: m["VmRSS"], anonKiB: m["RssAnon"], fileKiB: m["RssFile"],
			threads: m["Threads"], switches: n - before[i]}
	}
	for i, x := range xs {
		_ = syscall.Kill(x.init, syscall.SIGTERM) // forwarded to sleep; the init then exits
		if err := x.wait(10*time.Second, true); err != nil {
			log.Warn().Err(err).Str("init", peers[i].name).Msg("idle: stopping")
		}
		xs[i] = nil
	}

	perSec := func(s idleSample) float64 { return float64(s.switches) / window.Seconds() }
	var b strings.Builder
	fmt.Fprintf(&b, "### Idle: memory and wake-ups\n\n")
	fmt.Fprintf(&b, "Each init is PID 1 of its own PID namespace supervising `sleep 1000`, all side by side; after "+
		"%v to settle, context switches summed over the init's threads (`/proc/PID/task/*/status`; a thread "+
		"that wakes up switches out again) are counted for %v, then resident memory is read from "+
		"`/proc/PID/status`: *anonymous* (`RssAnon`, the target) is the init's own heap, stacks and runtime "+
		"structures; *file-backed* (`RssFile`) is mostly its binary's pages, shared through the page cache; "+
		"`VmRSS` is their sum (with `RssShmem`).\n\n", idleSettleTime, window)
	fmt.Fprintf(&b, "| init | anonymous (RssAnon) | file-backed | VmRSS | threads | switches in %v | wake-ups/s | target | result |\n", window)
	fmt.Fprintf(&b, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for i, p := range peers {
		s := samples[i]
		target, result := "", ""
		if i == peerInitd {
			target = fmt.Sprintf("RssAnon ≤ %d MiB, %g wake-ups/s", anonTargetKiB/1024, wakeupsTarget)
			result = fmt.Sprintf("memory %s, wake-ups %s", verdict(s.anonKiB <= anonTargetKiB), verdict(perSec(s) <= wakeupsTarget))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %d | %.1f | %s | %s |\n", p.name, kib(s.anonKiB), kib(s.fileKiB),
			kib(s.rssKiB), s.threads, s.switches, perSec(s), target, result)
	}
	mem := func(i int) string {
		return fmt.Sprintf("%s (VmRSS %s)", kib(samples[i].anonKiB), kib(samples[i].rssKiB))
	}
	wake := func(i int) string {
		return fmt.Sprintf("%.1f (%d in %v)", perSec(samples[i]), samples[i].switches, window)
	}
	s := samples[peerInitd]
	rows := []targetRow{
		{
			what:   "anonymous resident memory (`RssAnon`) of the init as PID 1 supervising `sleep`",
			target: fmt.Sprintf("≤ %d MiB", anonTargetKiB/1024),
			initd:  mem(peerInitd),
			naive:  mem(peerNaive),
			tini:   mem(peerTini),
			ok:     s.anonKiB <= anonTargetKiB,
		},
		{
			what:   "wake-ups per second of the init while idle",
			target: fmt.Sprintf("%g", wakeupsTarget),
			initd:  wake(peerInitd),
			naive:  wake(peerNaive),
			tini:   wake(peerTini),
			ok:     perSec(s) <= wakeupsTarget,
		},
	}
	return b.String(), rows, nil
}

// kib formats a size given in KiB as MiB.
func kib(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/1024) }

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
