// Command core is initd's core benchmark (issue 11): start-up time, CPU
// time spent reaping orphans as PID 1, signal round trip through the init,
// and anonymous memory and wake-ups while idle, each side by side with the
// naive Go init yardstick (integration/bench/naiveinit), tini-static,
// dumb-init and catatonit measured in the same run. It prints markdown: a
// summary of the targets with PASS or MISS and the yardstick beside each,
// then one table per measurement with medians and ratios.
//
//	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o /tmp/naiveinit ./integration/bench/naiveinit
//	go build -o /tmp/core ./integration/bench/core
//	/tmp/core -initd bin/initd -naive /tmp/naiveinit               # needs root (PID namespaces)
//	/tmp/core -initd bin/initd -naive /tmp/naiveinit -only signal  # one section while tuning
//
// # Noise
//
// The machine it runs on is expected to be shared and small. Every
// measurement interleaves the contenders round by round, in a new random
// order each round, so that a burst of outside load falls on all of them
// alike; figures are medians, and targets are ratios to a contender
// measured in the same run, never absolute times. The two absolute targets
// of the issue (anonymous memory, idle wake-ups) do not depend on the load.
//
// # Helpers
//
// The signal benchmark's child is this program again ("sigchild"), which
// answers every SIGUSR1 with one byte on stdout. The reaping benchmark's
// COMMAND is /bin/sh. Inits run as PID 1 through `unshare --pid --fork
// --mount-proc --kill-child`.
//
// It deliberately does not install anything or build initd or the
// yardstick: that is integration/bench/run.sh's job.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// Indexes of the contenders every ratio refers to, in the peers slice.
const (
	peerInitd = 0
	peerNaive = 1
	peerTini  = 2
)

// peer is an init under test and how it is told to run a command.
type peer struct {
	name   string   // short name for tables
	prefix []string // argv before COMMAND, the binary first
}

// argv is the command line that makes p run cmd.
func (p peer) argv(cmd ...string) []string { return append(slices.Clone(p.prefix), cmd...) }

// targetRow is one line of the summary: an issue target and what this run
// measured for it, for initd and, beside it, for the naive Go init and
// tini (each a ratio to the same reference as initd's, or an absolute
// figure).
type targetRow struct {
	what, target             string
	initd, naive, tini, note string
	ok                       bool
}

// config is the command line.
type config struct {
	initd         string
	naive         string
	startupRounds int
	warmup        int
	orphans       int
	reapRounds    int
	pings         int
	idle          time.Duration
	only          string
}

func main() {
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "sigchild") {
		os.Exit(sigChild(os.Args[1]))
	}
	var c config
	flag.StringVar(&c.initd, "initd", "bin/initd", "initd binary under test")
	flag.StringVar(&c.naive, "naive", "", "the naive Go init yardstick, built from integration/bench/naiveinit (required)")
	flag.IntVar(&c.startupRounds, "startup-rounds", 400, "timed start-up rounds (each runs every contender once)")
	flag.IntVar(&c.warmup, "warmup", 20, "untimed start-up rounds first")
	flag.IntVar(&c.orphans, "orphans", 5000, "orphans per reaping round")
	flag.IntVar(&c.reapRounds, "reap-rounds", 7, "reaping rounds (each runs every init once)")
	flag.IntVar(&c.pings, "pings", 3000, "signal round trips per path")
	flag.DurationVar(&c.idle, "idle", 10*time.Second, "how long to count wake-ups while idle")
	flag.StringVar(&c.only, "only", "", "comma-separated sections to run: startup,reap,signal,idle (default all)")
	flag.Parse()

	log := zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: "15:04:05", NoColor: true}).With().Timestamp().Logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log, c); err != nil {
		fmt.Fprintln(os.Stderr, "core:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log zerolog.Logger, c config) error {
	peers, err := findPeers(c.initd, c.naive)
	if err != nil {
		return err
	}
	want := func(s string) bool { return c.only == "" || slices.Contains(strings.Split(c.only, ","), s) }
	var sections []string
	var rows []targetRow
	add := func(s string, r []targetRow, err error) error {
		if err != nil {
			return err
		}
		sections, rows = append(sections, s), append(rows, r...)
		return nil
	}
	if want("startup") {
		if err := add(benchStartup(ctx, log, peers, c.startupRounds, c.warmup)); err != nil {
			return err
		}
	}
	if want("reap") || want("idle") {
		if os.Geteuid() != 0 {
			return fmt.Errorf("reaping and idle run the inits as PID 1 with unshare: run as root, or -only startup,signal")
		}
	}
	if want("reap") {
		if err := add(benchReap(ctx, log, peers, c.orphans, c.reapRounds)); err != nil {
			return err
		}
	}
	if want("signal") {
		if err := add(benchSignal(ctx, log, peers, c.pings)); err != nil {
			return err
		}
	}
	if want("idle") {
		if err := add(benchIdle(ctx, log, peers, c.idle)); err != nil {
			return err
		}
	}

	fmt.Printf("### Targets\n\n")
	fmt.Printf("Issue 11's targets, judged on initd alone; every ratio is to a contender measured in this same run, " +
		"and the naive Go init and tini columns give the same figure for them (same reference), for comparison. " +
		"The naive Go init is a yardstick, not a contender: the smallest honest Go init " +
		"(`signal.Notify` for every signal, `exec.LookPath`, fork and exec, forward from a goroutine, reap with a " +
		"blocking `wait4(-1)`; integration/bench/naiveinit), built in this run the way initd is.\n\n")
	fmt.Printf("| measurement | target | initd | naive Go init | tini-static | result |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", r.what, r.target, r.initd, r.naive, r.tini, verdict(r.ok))
	}
	for _, r := range rows {
		if r.note != "" {
			fmt.Printf("\n%s\n", r.note)
		}
	}
	for _, s := range sections {
		fmt.Printf("\n%s", s)
	}
	return nil
}

// findPeers resolves initd, the yardstick and the three C inits, in the
// order of the peer indexes; a missing one is an error (run.sh builds and
// installs them), since the ratios would mean nothing without them.
func findPeers(initd, naive string) ([]peer, error) {
	if naive == "" {
		return nil, errors.New("no -naive: build the yardstick with " +
			"CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o /tmp/naiveinit ./integration/bench/naiveinit")
	}
	peers := []peer{
		{name: "initd", prefix: []string{initd, "--"}},
		{name: "naive Go init", prefix: []string{naive, "--"}},
		{name: "tini-static", prefix: []string{"tini-static", "-s", "--"}},
		{name: "dumb-init", prefix: []string{"dumb-init"}},
		{name: "catatonit", prefix: []string{"catatonit", "--"}},
	}
	for i := range peers {
		bin := peers[i].prefix[0]
		var path string
		var err error
		if i <= peerNaive {
			path, err = filepath.Abs(bin)
			if err == nil {
				_, err = os.Stat(path)
			}
		} else {
			path, err = exec.LookPath(bin)
			if err != nil {
				err = fmt.Errorf("%w (apt-get install tini dumb-init catatonit)", err)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s binary %s: %w", peers[i].name, bin, err)
		}
		peers[i].prefix[0] = path
	}
	return peers, nil
}
