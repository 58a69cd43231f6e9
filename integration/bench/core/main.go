// Command core is initd's core benchmark (issue 2): start-up time, CPU time
// spent reaping orphans as PID 1, signal round trip through the init, and
// resident memory and wake-ups while idle, each side by side with
// tini-static, dumb-init and catatonit measured in the same run. It prints
// markdown: a summary of the targets with PASS or MISS, then one table per
// measurement with medians and ratios.
//
//	go build -o /tmp/core ./integration/bench/core
//	/tmp/core -initd bin/initd                 # needs root (PID namespaces)
//	/tmp/core -initd bin/initd -only signal    # one section while tuning
//
// # Noise
//
// The machine it runs on is expected to be shared and small. Every
// measurement interleaves the contenders round by round, in a new random
// order each round, so that a burst of outside load falls on all of them
// alike; figures are medians, and targets are ratios to a peer measured in
// the same run, never absolute times. The two absolute targets of the issue
// (resident memory, idle wake-ups) do not depend on the load.
//
// # Helpers
//
// The signal benchmark's child is this program again ("sigchild"), which
// answers every SIGUSR1 with one byte on stdout. The reaping benchmark's
// COMMAND is /bin/sh. Inits run as PID 1 through `unshare --pid --fork
// --mount-proc --kill-child`.
//
// It deliberately does not install anything or build initd: that is
// integration/bench/run.sh's job.
package main

import (
	"context"
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

// Indexes of the peers every ratio refers to.
const (
	peerInitd = 0
	peerTini  = 1
)

// peer is an init under test and how it is told to run a command.
type peer struct {
	name   string   // short name for tables
	prefix []string // argv before COMMAND, the binary first
}

// argv is the command line that makes p run cmd.
func (p peer) argv(cmd ...string) []string { return append(slices.Clone(p.prefix), cmd...) }

// targetRow is one line of the summary: an issue target and what this run
// measured for it.
type targetRow struct {
	what, target, measured string
	ok                     bool
}

// config is the command line.
type config struct {
	initd         string
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
	if len(os.Args) > 1 && os.Args[1] == naiveInitArg {
		os.Exit(naiveInit(os.Args[2:]))
	}
	var c config
	flag.StringVar(&c.initd, "initd", "bin/initd", "initd binary under test")
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
	peers, err := findPeers(c.initd)
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
	fmt.Printf("Ratios are to peers measured in this same run. \"naive Go init\" in the tables below is a yardstick, " +
		"not a contender: the straightforward Go init the issue's figures describe (integration/bench/core/naive.go).\n\n")
	fmt.Printf("| measurement | target | this run | result |\n| --- | --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s | %s |\n", r.what, r.target, r.measured, verdict(r.ok))
	}
	for _, s := range sections {
		fmt.Printf("\n%s", s)
	}
	return nil
}

// findPeers resolves initd and the three peers; a missing peer is an error
// (run.sh installs them), since the ratios would mean nothing without them.
func findPeers(initd string) ([]peer, error) {
	abs, err := filepath.Abs(initd)
	if err != nil {
		return nil, fmt.Errorf("initd binary %s: %w", initd, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("initd binary: %w", err)
	}
	peers := []peer{
		{name: "initd", prefix: []string{abs, "--"}},
		{name: "tini-static", prefix: []string{"tini-static", "-s", "--"}},
		{name: "dumb-init", prefix: []string{"dumb-init"}},
		{name: "catatonit", prefix: []string{"catatonit", "--"}},
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("own binary: %w", err)
	}
	peers = append(peers, peer{name: "naive Go init", prefix: []string{self, naiveInitArg, "--"}})
	for i := 1; i < len(peers)-1; i++ {
		path, err := exec.LookPath(peers[i].prefix[0])
		if err != nil {
			return nil, fmt.Errorf("peer %s: %w (apt-get install tini dumb-init catatonit)", peers[i].name, err)
		}
		peers[i].prefix[0] = path
	}
	return peers, nil
}
