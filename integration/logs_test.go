package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/initd-dev/initd/internal/testutil"
)

// logLine is numbered line i of a test log, about 90 bytes.
func logLine(i int) string {
	s := fmt.Sprintf("%07d ", i)
	for len(s) < 90 {
		s += string(rune('a' + len(s)%26))
	}
	return s
}

// appendLog appends numbered lines from..to-1 to w, one write each, and
// returns them.
func appendLog(t *testing.T, w *os.File, from, to int) []string {
	t.Helper()
	var lines []string
	for i := from; i < to; i++ {
		if _, err := w.WriteString(logLine(i) + "\n"); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, logLine(i))
	}
	return lines
}

func openLog(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// followed waits until a running initd copies lines appended to path: it
// appends "marker NAME N" lines until one shows up on out (they are left
// out by copiedLines).
func followed(t *testing.T, path string, out func() string) {
	t.Helper()
	n, mark := 0, "marker "+filepath.Base(path)+" "
	waitUntil(t, 10*time.Second, "initd to follow "+path, func() bool {
		if strings.Contains(out(), mark) {
			return true
		}
		n++
		f := openLog(t, path)
		fmt.Fprintf(f, "%s%d\n", mark, n)
		return false
	})
}

// stopAtEnd stops initd with SIGTERM when the test ends, also when it
// fails: the harness's SIGKILL would leave COMMAND (sleep, in its own
// process group) holding initd's stdout open.
func stopAtEnd(t *testing.T, p *proc) {
	t.Cleanup(func() {
		_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
		}
	})
}

// hasChild reports whether pid has a child process.
func hasChild(pid int) bool {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		var state string
		var ppid int
		if _, err := fmt.Sscan(rest, &state, &ppid); err == nil && ppid == pid {
			return true
		}
	}
	return false
}

// copiedLines is out without the marker lines, cut into lines.
func copiedLines(out, prefix string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, prefix+"marker ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// sameLines fails unless got is want (each with prefix), line by line.
func sameLines(t *testing.T, got []string, prefix string, want []string) {
	t.Helper()
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			t.Fatalf("%d lines copied, want %d; first missing %.40q", len(got), len(want), want[i])
		case i >= len(want):
			t.Fatalf("%d lines copied, want %d; first extra %.40q", len(got), len(want), got[i])
		case got[i] != prefix+want[i]:
			t.Fatalf("line %d is %.50q, want %.50q", i, got[i], prefix+want[i])
		}
	}
}

func TestTailRotations(t *testing.T) {
	t.Parallel()
	const n = 3000
	tests := []struct {
		name  string
		late  bool // the file does not exist when initd starts
		write func(t *testing.T, path string, seen func(string)) []string
	}{
		{"appends", false, func(t *testing.T, path string, _ func(string)) []string {
			return appendLog(t, openLog(t, path), 0, n)
		}},
		{"rename and create", false, func(t *testing.T, path string, _ func(string)) []string {
			lines := appendLog(t, openLog(t, path), 0, n)
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			return append(lines, appendLog(t, openLog(t, path), n, 2*n)...)
		}},
		{"rename, late reopen", false, func(t *testing.T, path string, _ func(string)) []string {
			old := openLog(t, path)
			lines := appendLog(t, old, 0, n)
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			newer := openLog(t, path)
			lines = append(lines, appendLog(t, old, n, 2*n)...)
			return append(lines, appendLog(t, newer, 2*n, 3*n)...)
		}},
		{"delete and recreate", false, func(t *testing.T, path string, _ func(string)) []string {
			lines := appendLog(t, openLog(t, path), 0, n)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			return append(lines, appendLog(t, openLog(t, path), n, 2*n)...)
		}},
		{"copy-truncate five times", false, func(t *testing.T, path string, seen func(string)) []string {
			w := openLog(t, path)
			var lines []string
			for round := range 6 {
				lines = append(lines, appendLog(t, w, round*500, (round+1)*500)...)
				if round < 5 {
					seen(lines[len(lines)-1]) // what is written between copy and truncate is lost by design
					if err := os.Truncate(path, 0); err != nil {
						t.Fatal(err)
					}
				}
			}
			return lines
		}},
		{"file appears later", true, func(t *testing.T, path string, _ func(string)) []string {
			return appendLog(t, openLog(t, path), 0, n)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "app.log")
			if !tt.late {
				if err := os.WriteFile(path, []byte("written before initd: not replayed\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			p := startInitd(t, ctxFor(t, 60*time.Second), []string{"--tail", path, "--", "sleep", "1000"})
			stopAtEnd(t, p)
			var lines []string
			if tt.late {
				// Nothing to mark the start with: followers start before
				// COMMAND, so wait for initd's child.
				waitUntil(t, 10*time.Second, "initd to start its command", func() bool { return hasChild(p.Pid()) })
			} else {
				followed(t, path, p.Stdout)
			}
			seen := func(line string) {
				waitUntil(t, 10*time.Second, "line "+line[:7], func() bool { return strings.Contains(p.Stdout(), line+"\n") })
			}
			lines = tt.write(t, path, seen)
			seen(lines[len(lines)-1])
			p.Signal(syscall.SIGTERM)
			r := p.Wait(20 * time.Second)
			if r.Code != 128+int(syscall.SIGTERM) {
				t.Errorf("exit status %d, want %d\n%s", r.Code, 128+int(syscall.SIGTERM), r.Stderr)
			}
			sameLines(t, copiedLines(r.Stdout, ""), "", lines)
		})
	}
}

func TestTailDrainBeforeExit(t *testing.T) {
	t.Parallel()
	mib := strings.Repeat("x", 1<<20)
	tests := []struct {
		name   string
		script string // run by sh -c with $1 = the log file
		want   []string
	}{
		{"last line without newline", `printf 'one\ntwo\nthe last, no newline' >>"$1"`, []string{"one", "two", "the last, no newline"}},
		{"1 MiB lines", `head -c 1048576 /dev/zero | tr '\0' x >>"$1"; echo >>"$1"; head -c 1048576 /dev/zero | tr '\0' x >>"$1"`, []string{mib, mib}},
		{"nothing written", `:`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "app.log")
			if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runInitd(t, ctxFor(t, 60*time.Second), []string{"--tail", path, "--tail-prefix", "--", "sh", "-c", tt.script, "sh", path})
			if r.Code != 0 {
				t.Fatalf("exit status %d\n%s", r.Code, r.Stderr)
			}
			sameLines(t, copiedLines(r.Stdout, "[app.log] "), "[app.log] ", tt.want)
		})
	}
}

func TestTailTwoFastWritersNoMixedLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	// seq writes in stdio blocks that end anywhere in a line; two at once.
	script := `seq -f "%07g aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" 0 49999 >>"$1" &
seq -f "%07g bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" 0 49999 >>"$2" &
wait`
	r := runInitd(t, ctxFor(t, 60*time.Second), []string{"--tail", a, "--tail", b, "--tail-prefix", "--", "sh", "-c", script, "sh", a, b})
	if r.Code != 0 {
		t.Fatalf("exit status %d\n%s", r.Code, r.Stderr)
	}
	next := map[string]int{}
	for _, line := range copiedLines(r.Stdout, "") {
		prefix, rest, _ := strings.Cut(line, " ")
		letter := map[string]string{"[a.log]": "a", "[b.log]": "b"}[prefix]
		want := fmt.Sprintf("%07d %s", next[prefix], strings.Repeat(letter, 82))
		if letter == "" || rest != want {
			t.Fatalf("line %.60q, want %.60q", line, prefix+" "+want)
		}
		next[prefix]++
	}
	if next["[a.log]"] != 50000 || next["[b.log]"] != 50000 {
		t.Fatalf("lines per file %v, want 50000 each", next)
	}
}

func TestTailStderr(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, errf := filepath.Join(dir, "out.log"), filepath.Join(dir, "err.log")
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"--tail", out, "--tail-stderr", errf, "--",
		"sh", "-c", `echo to-stdout >>"$1"; echo to-stderr >>"$2"`, "sh", out, errf})
	if r.Code != 0 {
		t.Fatalf("exit status %d\n%s", r.Code, r.Stderr)
	}
	if r.Stdout != "to-stdout\n" {
		t.Errorf("stdout %q, want %q", r.Stdout, "to-stdout\n")
	}
	if !strings.Contains("\n"+r.Stderr, "\nto-stderr\n") || strings.Contains(r.Stdout, "to-stderr") {
		t.Errorf("stderr %q does not hold the line to-stderr whole", r.Stderr)
	}
}

// cpuTime is the CPU time used so far by all threads of pid.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(stats) == 0 {
		t.Fatalf("no schedstat for pid %d: %v", pid, err)
	}
	var ns int64
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue // a thread that just ended
		}
		var v int64
		fmt.Sscan(string(b), &v)
		ns += v
	}
	return time.Duration(ns)
}

func TestTailIdleCostsNoCPU(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	for _, f := range []string{a, b} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := startInitd(t, ctxFor(t, 60*time.Second), []string{"--tail", a, "--tail", b, "--", "sleep", "1000"})
	stopAtEnd(t, p)
	followed(t, a, p.Stdout)
	followed(t, b, p.Stdout)
	time.Sleep(500 * time.Millisecond) // let start-up work settle
	before := cpuTime(t, p.Pid())
	time.Sleep(3 * time.Second) // measuring idleness takes a stretch of idle time
	used := cpuTime(t, p.Pid()) - before
	t.Logf("initd used %v of CPU in 3 s following two idle files (%v before)", used, before)
	if used > 30*time.Millisecond { // 1%: the Go runtime's own timers only
		t.Fatalf("initd used %v of CPU in 3 s following two idle files", used)
	}
}

func TestSyslogThroughLogger(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("logger"); err != nil {
		skipOrFail(t, "logger(1) is not installed")
	}
	sock := filepath.Join(t.TempDir(), "log")
	script := `logger -u "$1" --socket-errors=on -t bsdapp -p local0.err "in rfc 3164" &&
logger -u "$1" --socket-errors=on --rfc5424 --id=77 -t newapp -p user.warning "in rfc 5424" &&
logger -u "$1" --socket-errors=on --rfc3164 -t withhost -p daemon.info "with a hostname"`
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"--syslog=" + sock, "--", "sh", "-c", script, "sh", sock})
	if r.Code != 0 {
		t.Fatalf("exit status %d\n%s", r.Code, r.Stderr)
	}
	want := "bsdapp err: in rfc 3164\nnewapp[77] warning: in rfc 5424\nwithhost info: with a hostname\n"
	if r.Stdout != want {
		t.Fatalf("stdout %q, want %q", r.Stdout, want)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("socket %s left behind: %v", sock, err)
	}
}

func TestTailWithClosedStdout(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // every write to stdout fails with EPIPE
	defer w.Close()
	cmd := exec.CommandContext(ctxFor(t, 30*time.Second), initdBinary(t), "--tail", path, "--", "sh", "-c", `for i in 1 2 3 4 5; do echo line $i >>"$1"; done; exit 7`, "sh", path)
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if code := exitCode(cmd.ProcessState, err); code != 7 {
		t.Fatalf("exit status %d, want the command's 7\n%s", code, stderr.String())
	}
}

func TestValidateLogOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"validate",
		"--tail", filepath.Join(dir, "not", "there", "yet.log"), "--tail-stderr", filepath.Join(dir, "e.log"),
		"--tail-prefix", "--syslog=" + filepath.Join(dir, "log"), "--", "true"})
	if r.Code != 0 {
		t.Fatalf("validate: exit status %d\n%s", r.Code, r.Stderr)
	}
	if _, err := os.Lstat(filepath.Join(dir, "log")); !os.IsNotExist(err) {
		t.Errorf("validate created the syslog socket: %v", err)
	}
}

// fastRotationWriter is a shell writer as a fault-injection run writes
// one, as fast as the shell goes: it appends numbered lines "L%08d ..." to
// $1 and, every $3 lines, renames the file to $1.1 ($2 = renames) or
// truncates it ($2 = truncate), $4 lines in all.
const fastRotationWriter = `p=$1 mode=$2 every=$3 n=$4 i=0
while [ $i -lt $n ]; do
	if [ $i -gt 0 ] && [ $((i % every)) -eq 0 ]; then
		if [ "$mode" = renames ]; then mv "$p" "$p.1"; else : >"$p"; fi
	fi
	printf 'L%08d abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\n' $i >>"$p"
	i=$((i + 1))
done`

// median is the middle of xs (xs is sorted in place).
func median(xs []int) int {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// lostLines counts the numbered lines 0..n-1 missing from out.
func lostLines(out string, n int) int {
	seen := make([]bool, n)
	for _, l := range strings.Split(out, "\n") {
		var i int
		if k := strings.Index(l, "L"); k >= 0 {
			if _, err := fmt.Sscanf(l[k:], "L%08d ", &i); err == nil && i >= 0 && i < n {
				seen[i] = true
			}
		}
	}
	lost := 0
	for _, s := range seen {
		if !s {
			lost++
		}
	}
	return lost
}

// TestTailFastRotationLosesNoMoreThanTailF runs initd --tail and
// `tail -n0 -F` while a writer rotates its file as fast as it can, and
// compares what each lost (issue 15: 770 of 3,000 lines kept at fast
// renames where tail -F kept all; 3,479-3,845 of 5,000 lost at truncation
// where tail -F lost none). Each follower races the writer, so each may
// lose lines; initd may not lose more than tail -F.
//
// It runs both ways a user could compare them: both followers on the same
// file at once ("together"), and each alone, one after the other, in
// alternating order ("alone"). Together, each round is a race between the
// writer and two followers for two CPUs, and its figures swing widely
// from round to round, the two followers' against each other; alone, a
// follower is sometimes woken late by the scheduler (see docs/logs.md). So
// the test runs by itself, not beside the parallel tests, over seven
// rounds each way, and compares the medians, with a margin of a tenth of
// the lines.
func TestTailFastRotationLosesNoMoreThanTailF(t *testing.T) {
	if _, err := exec.LookPath("tail"); err != nil {
		skipOrFail(t, "no tail: %v", err)
	}
	tests := []struct {
		mode     string
		every, n int
	}{
		{"renames", 10, 3000},
		{"truncate", 100, 5000},
	}
	for _, tt := range tests {
		for _, together := range []bool{true, false} {
			name := tt.mode + "/alone"
			if together {
				name = tt.mode + "/together"
			}
			t.Run(name, func(t *testing.T) {
				var initdLost, tailLost []int
				for round := range 7 {
					var il, tl int
					switch {
					case together:
						il, tl = rotationRound(t, tt.mode, tt.every, tt.n, true, true)
					case round%2 == 0:
						il, _ = rotationRound(t, tt.mode, tt.every, tt.n, true, false)
						_, tl = rotationRound(t, tt.mode, tt.every, tt.n, false, true)
					default:
						_, tl = rotationRound(t, tt.mode, tt.every, tt.n, false, true)
						il, _ = rotationRound(t, tt.mode, tt.every, tt.n, true, false)
					}
					t.Logf("round %d: initd lost %d, tail -n0 -F lost %d of %d", round, il, tl, tt.n)
					initdLost = append(initdLost, il)
					tailLost = append(tailLost, tl)
				}
				im, tm := median(initdLost), median(tailLost)
				if margin := tt.n / 10; im > tm+margin {
					t.Errorf("initd lost a median of %d lines a round, tail -n0 -F %d (of %d), more than the margin of %d", im, tm, tt.n, margin)
				}
			})
		}
	}
}

// rotationRound follows a new file with initd --tail, `tail -n0 -F` or
// both while fastRotationWriter writes n lines to it, rotating it every
// lines (mode renames or truncate), and returns how many of the writer's
// lines each follower lost (0 for one not run).
func rotationRound(t *testing.T, mode string, every, n int, withInitd, withTail bool) (initdLost, tailLost int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var p *proc
	if withInitd {
		p = startInitd(t, ctxFor(t, 60*time.Second), []string{"--tail", path, "--", "sleep", "1000"})
		stopAtEnd(t, p)
	}
	tailOut := &testutil.SyncBuffer{}
	var tail *exec.Cmd
	if withTail {
		tail = exec.Command("tail", "-n0", "-F", path)
		tail.Stdout = tailOut
		if err := tail.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tail.Process.Kill(); _ = tail.Wait() })
	}
	followed(t, path, func() string {
		if withTail && !strings.Contains(tailOut.String(), "marker ") {
			return ""
		}
		if withInitd {
			return p.Stdout()
		}
		return tailOut.String()
	})
	w := exec.Command("sh", "-c", fastRotationWriter, "sh", path, mode, strconv.Itoa(every), strconv.Itoa(n))
	if out, err := w.CombinedOutput(); err != nil {
		t.Fatalf("writer: %v\n%s", err, out)
	}
	// The writer's last line may never come out of tail -F: truncated and
	// rewritten to the size it had read, the file looks unchanged to it.
	// A line appended after all comes out of both.
	appendLine(path, "the end")
	waitUntil(t, 10*time.Second, "the end from every follower", func() bool {
		return (!withInitd || strings.Contains(p.Stdout(), "the end\n")) && (!withTail || strings.Contains(tailOut.String(), "the end\n"))
	})
	if withInitd {
		p.Signal(syscall.SIGTERM)
		initdLost = lostLines(p.Wait(20*time.Second).Stdout, n)
	}
	if withTail {
		_ = tail.Process.Kill()
		_ = tail.Wait()
		tailLost = lostLines(tailOut.String(), n)
	}
	return initdLost, tailLost
}

// TestStuckStdoutOneDrainBound: with a reader of stdout that never reads,
// initd exits within one drain bound (1 s) after COMMAND, for everything
// it still had to write out (tailed lines, its own log), not 3 s for the
// followers and 3 s more for the outputs.
func TestStuckStdoutOneDrainBound(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close() // open and never read: writes block once the pipe is full
	defer w.Close()
	// COMMAND appends 1.3 MB of lines, far more than a pipe holds, and
	// notes when it is done.
	done := filepath.Join(t.TempDir(), "done")
	cmd := exec.CommandContext(ctxFor(t, 30*time.Second), initdBinary(t), "--tail", path, "--",
		"sh", "-c", `seq 1 200000 >>"$1" && date +%s%N >"$2"`, "sh", path, done)
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	end := time.Now()
	if code := exitCode(cmd.ProcessState, err); code != 0 {
		t.Fatalf("exit status %d, want 0\n%s", code, stderr.String())
	}
	b, err := os.ReadFile(done)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if after := end.Sub(time.Unix(0, ns)); after > 2*time.Second {
		t.Fatalf("initd exited %v after COMMAND with stdout stuck, want within the 1 s drain (and a margin)", after)
	}
}
