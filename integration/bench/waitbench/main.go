// Command waitbench measures initd's wait gate for integration/bench/wait.sh:
// how long after a target becomes ready COMMAND starts, and how often a
// target that stays down is tried. It prints a markdown section.
//
//	waitbench [-initd PATH] [-trials N]   run the benchmark
//	waitbench stamp                        print the time (ns) and exit: the COMMAND
//	waitbench lib [--wait-timeout D] TARGET   waitfor.All at the defaults, then stamp
//
// Without -initd (or with an initd that cannot wait yet) the library is
// measured through "waitbench lib". Everything listens on loopback only.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/initd-dev/initd/waitfor"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "stamp":
			fmt.Println(time.Now().UnixNano())
			return
		case "lib":
			os.Exit(lib(os.Args[2:]))
		}
	}
	initd := flag.String("initd", "", "initd binary (empty: the waitfor library through waitbench lib)")
	trials := flag.Int("trials", 12, "delay trials (target ready at a random 1-5 s)")
	downFor := flag.Duration("down", 10*time.Second, "how long to watch a target that stays down")
	flag.Parse()
	if err := run(*initd, *trials, *downFor); err != nil {
		fmt.Fprintln(os.Stderr, "waitbench:", err)
		os.Exit(1)
	}
}

func lib(args []string) int {
	opts := waitfor.Options{Timeout: waitfor.DefaultTimeout}
	if len(args) > 2 && args[0] == "--wait-timeout" {
		d, err := time.ParseDuration(args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		opts.Timeout, args = d, args[2:]
	}
	ts, err := waitfor.ParseAll(args, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := waitfor.All(context.Background(), ts, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 124
	}
	fmt.Println(time.Now().UnixNano())
	return 0
}

// waiter builds the command that waits for target, then runs stamp.
type waiter func(target string, extra ...string) *exec.Cmd

func run(initd string, trials int, downFor time.Duration) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	subject := "initd (" + initd + ")"
	wait := func(target string, extra ...string) *exec.Cmd {
		args := append([]string{"--wait", target}, extra...)
		return exec.Command(initd, append(args, "--", self, "stamp")...)
	}
	waitOnly := func(target string, extra ...string) *exec.Cmd {
		return exec.Command(initd, append(append([]string{"wait"}, extra...), target)...)
	}
	if initd == "" || exec.Command(initd, "check", "file:///").Run() != nil {
		subject = "waitfor library (waitbench lib; INITD unset or without wait)"
		wait = func(target string, extra ...string) *exec.Cmd {
			return exec.Command(self, append(append([]string{"lib"}, extra...), target)...)
		}
		waitOnly = wait
	}

	var delays []time.Duration
	for i := range trials {
		d, err := delayTrial(wait, 1*time.Second+rand.N(4*time.Second))
		if err != nil {
			return fmt.Errorf("trial %d: %w", i+1, err)
		}
		delays = append(delays, d)
	}
	slices.Sort(delays)
	httpRate, err := httpDownRate(waitOnly, downFor)
	if err != nil {
		return err
	}
	cpu, connects, err := tcpDown(waitOnly, downFor)
	if err != nil {
		return err
	}

	fmt.Printf("### Wait detection latency (%s)\n\n", subject)
	fmt.Println("| measure | result | target |")
	fmt.Println("| --- | --- | --- |")
	fmt.Printf("| median delay, target ready -> COMMAND started (%d trials, ready at random 1-5 s, defaults) | %s | <= 150 ms |\n",
		len(delays), ms(delays[len(delays)/2]))
	fmt.Printf("| min / p90 / max delay | %s / %s / %s | |\n", ms(delays[0]), ms(delays[len(delays)*9/10]), ms(delays[len(delays)-1]))
	fmt.Printf("| attempts/s against an HTTP target answering 503 for %s: mean / most in any 1 s | %.1f / %d | <= 10 |\n",
		downFor, httpRate.mean, httpRate.peak)
	fmt.Printf("| attempts against a refused TCP port in %s (connect calls) | %s | <= %d |\n",
		downFor, connects, int(downFor.Seconds()*10))
	fmt.Printf("| CPU time of the waiter over those %s (user+system) | %s | |\n", downFor, ms(cpu))
	fmt.Println()
	fmt.Println("All delays (ms):", joinMS(delays))
	return nil
}

// delayTrial starts the waiter on a closed loopback port, opens the port
// after readyAfter, and returns how long after that COMMAND stamped.
func delayTrial(wait waiter, readyAfter time.Duration) (time.Duration, error) {
	addr, err := freePort()
	if err != nil {
		return 0, err
	}
	cmd := wait("tcp://" + addr)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut // initd's log: shown only on failure
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	time.Sleep(readyAfter)
	ln, err := net.Listen("tcp", addr)
	readyAt := time.Now()
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return 0, fmt.Errorf("listen %s: %w", addr, err)
	}
	defer ln.Close()
	go func() { // accept and drop, like a server that is up
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("waiter: %w (output %q, stderr %q)", err, out.String(), errOut.String())
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(out.String()), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("no stamp in %q", out.String())
	}
	return time.Unix(0, ns).Sub(readyAt), nil
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

type rate struct {
	mean float64
	peak int
}

// httpDownRate runs the waiter against a server that always answers 503
// and counts the requests.
func httpDownRate(wait waiter, d time.Duration) (rate, error) {
	var mu sync.Mutex
	var hits []time.Time
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return rate{}, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, time.Now())
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	cmd := wait("http://"+ln.Addr().String()+"/health", "--wait-timeout", d.String())
	_ = cmd.Run() // exits 124 by design
	mu.Lock()
	defer mu.Unlock()
	peak := 0
	for i := range hits {
		n := 0
		for j := i; j < len(hits) && hits[j].Sub(hits[i]) < time.Second; j++ {
			n++
		}
		peak = max(peak, n)
	}
	return rate{mean: float64(len(hits)) / d.Seconds(), peak: peak}, nil
}

// tcpDown runs the waiter against a refused port and returns its CPU time
// and, when strace is installed, the number of connect calls it made.
func tcpDown(wait waiter, d time.Duration) (time.Duration, string, error) {
	addr, err := freePort()
	if err != nil {
		return 0, "", err
	}
	cmd := wait("tcp://"+addr, "--wait-timeout", d.String())
	connects := "n/a (no strace)"
	trace := ""
	if path, err := exec.LookPath("strace"); err == nil {
		f, err := os.CreateTemp("", "waitbench-strace-")
		if err != nil {
			return 0, "", err
		}
		f.Close()
		trace = f.Name()
		defer os.Remove(trace)
		cmd = exec.Command(path, append([]string{"-f", "-qq", "-e", "trace=connect", "-o", trace, cmd.Path}, cmd.Args[1:]...)...)
	}
	_ = cmd.Run()
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if trace != "" {
		b, err := os.ReadFile(trace)
		if err != nil {
			return 0, "", err
		}
		_, port, _ := net.SplitHostPort(addr)
		connects = strconv.Itoa(strings.Count(string(b), "htons("+port+")"))
		// under strace the CPU time is strace's: measure again without it
		plain := wait("tcp://"+addr, "--wait-timeout", d.String())
		_ = plain.Run()
		cpu = plain.ProcessState.UserTime() + plain.ProcessState.SystemTime()
	}
	return cpu, connects, nil
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

func joinMS(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = strconv.FormatInt(d.Milliseconds(), 10)
	}
	return strings.Join(parts, " ")
}
