package integration

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && len(b) > i+2 && b[i+2] != 'Z'
}

func readPids(t *testing.T, path string) []int {
	t.Helper()
	var pids []int
	for _, f := range readLines(path) {
		if n, err := strconv.Atoi(f); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}

// Whole-tree clean-up: when COMMAND exits, its background children, a
// grandchild that called setsid, and one that ignores SIGTERM are all gone
// by the time initd exits.
func TestTreeCleanupAfterCommandExits(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			// Pids inside a PID namespace mean nothing out here, so the
			// processes are found again by their unique command lines.
			base := 2000 + rand.IntN(90000)*4
			names := []string{}
			for i := 0; i < 4; i++ {
				names = append(names, "sleep "+strconv.Itoa(base+i))
			}
			script := fmt.Sprintf(`
				%s &
				setsid sh -c '%s' &
				sh -c 'trap "" TERM; exec %s' &
				(%s &)
				sleep 0.3
				exit 7`, names[0], names[1], names[2], names[3])
			t0 := time.Now()
			r := runInitd(t, ctxFor(t, 60*time.Second), []string{"--grace", "1s", "--", "sh", "-c", script}, m.opts...)
			if r.Code != 7 {
				t.Errorf("exit %d, want 7\n%s", r.Code, r.Stderr)
			}
			if took := time.Since(t0); took > 10*time.Second {
				t.Errorf("took %v", took)
			}
			for _, name := range names {
				if out, _ := exec.Command("pgrep", "-f", "^"+name+"$").Output(); len(bytes.TrimSpace(out)) > 0 {
					t.Errorf("%q survived initd: pids %s", name, bytes.TrimSpace(out))
				}
			}
			if !strings.Contains(r.Stderr, "remaining") {
				t.Errorf("no clean-up logged:\n%s", r.Stderr)
			}
		})
	}
}

// In subreaper mode initd never signals a process outside its own tree.
func TestSubreaperSparesProcessesOutsideItsTree(t *testing.T) {
	t.Parallel()
	outsider := exec.Command("sleep", "1004")
	if err := outsider.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { outsider.Process.Kill(); outsider.Wait() })
	r := runInitd(t, ctxFor(t, 30*time.Second), []string{"--grace", "500ms", "sh", "-c", "sleep 1005 & exit 0"})
	if r.Code != 0 {
		t.Errorf("exit %d", r.Code)
	}
	if !alive(outsider.Process.Pid) {
		t.Error("a process outside initd's tree was killed")
	}
}

// zombiesOf counts the children of pid, and the zombies among them. The
// kernel lists children under the thread that forked them (or adopted
// them), so every thread's list counts.
func zombiesOf(pid int) (zombies, children int) {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	var all []string
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		all = append(all, strings.Fields(string(b))...)
	}
	for _, f := range all {
		children++
		if c, _ := strconv.Atoi(f); !alive(c) {
			if _, err := os.Stat("/proc/" + f); err == nil {
				zombies++
			}
		}
	}
	return zombies, children
}

// 1,000 orphans are reaped, and none is left a zombie while COMMAND keeps
// running.
func TestThousandOrphansReaped(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			orphans := strings.Join(helper(t, "orphans", "1000"), " ")
			script := orphans + ` && touch ` + dir + `/made && sleep 1000`
			p := startInitd(t, ctxFor(t, 120*time.Second), []string{"--log-level", "debug", "sh", "-c", script},
				append(m.opts, withEnv(helperEnv))...)
			pid := p.Pid()
			waitUntil(t, 60*time.Second, "orphans made", func() bool { _, err := os.Stat(dir + "/made"); return err == nil })
			waitUntil(t, 30*time.Second, "every orphan reaped", func() bool {
				z, c := zombiesOf(pid)
				return z == 0 && c == 1 // only sh remains
			})
			p.Signal(unix.SIGTERM)
			r := p.Wait(30 * time.Second)
			if r.Code != 143 {
				t.Errorf("exit %d\n%s", r.Code, r.Stderr)
			}
			// 1,000 orphans, and sleep too when TERM killed sh before sh
			// could reap it.
			if !strings.Contains(r.Stderr, "orphans_reaped=1000") && !strings.Contains(r.Stderr, "orphans_reaped=1001") {
				t.Errorf("want orphans_reaped=1000 or 1001 in the exit line:\n%s", lastLines(r.Stderr, 3))
			}
		})
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// Orphans churning while COMMAND exits 7: initd exits exactly 7 and never
// mistakes an orphan's exit for COMMAND's.
func TestOrphanChurnKeepsCommandStatus(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			for i := 0; i < 5; i++ {
				script := `(while :; do (sh -c 'exit 3' &); (sh -c 'kill -9 $$' &); done) & sleep 0.3; exit 7`
				r := runInitd(t, ctxFor(t, 60*time.Second), []string{"--grace", "2s", "sh", "-c", script}, m.opts...)
				if r.Code != 7 {
					t.Fatalf("round %d: exit %d, want 7\n%s", i, r.Code, lastLines(r.Stderr, 5))
				}
			}
		})
	}
}

// --pdeathsig: when initd's parent dies, initd stops COMMAND and exits, and
// nothing it started survives.
func TestPdeathsig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := initdBinary(t) + ` --pdeathsig TERM --grace 1s -- sh -c 'echo $$ > ` + dir + `/child; sleep 1006' & echo $! > ` + dir + `/initd; wait`
	parent := exec.Command("sh", "-c", script)
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "child pid", func() bool { return len(readPids(t, dir+"/child")) == 1 })
	initdPid, childPid := readPids(t, dir+"/initd")[0], readPids(t, dir+"/child")[0]
	parent.Process.Signal(syscall.SIGKILL)
	parent.Wait()
	waitUntil(t, 10*time.Second, "initd and its child to exit", func() bool { return !alive(initdPid) && !alive(childPid) })
}

// A closed stderr pipe neither kills initd nor changes the status, and the
// SIGPIPE that initd's own write raised never reaches COMMAND.
func TestClosedStderrPipe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "signals")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // nobody will ever read initd's stderr
	argv := append([]string{initdBinary(t), "--log-level", "debug", "--"}, helper(t, "sigrecord", out, "SIGTERM")...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), helperEnv)
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	waitForLines(t, out, "ready")
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(unix.SIGUSR1)
	waitForLines(t, out, "ready", "SIGUSR1")
	cmd.Process.Signal(unix.SIGTERM)
	err = cmd.Wait()
	if code := exitCode(cmd.ProcessState, err); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	waitForLines(t, out, "ready", "SIGUSR1", "SIGTERM")
}

// A usage error reported to a closed stderr pipe still exits 2: the failed
// write must not end initd with SIGPIPE.
func TestUsageErrorToClosedStderr(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	cmd := exec.Command(initdBinary(t), "--no-such-option", "--", "true")
	cmd.Stderr = w
	err = cmd.Run()
	w.Close()
	if code := exitCode(cmd.ProcessState, err); code != 2 {
		t.Errorf("exit %d (%v), want 2", code, cmd.ProcessState)
	}
}

// COMMAND starts with an empty signal mask, nothing ignored but signals
// 32 and 34 (which initd ignores, since no Go program can catch them, and
// execve passes on), and no file descriptor but 0, 1 and 2 — even when
// initd's own parent blocked and ignored signals, and initd holds
// descriptors of its own.
func TestChildMaskAndDescriptors(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			// COMMAND reports on itself: grep reads its own status, and
			// ls lists its own descriptors (3 being the directory it reads).
			for _, c := range []struct {
				argv []string
				want []string
			}{
				{[]string{"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}, []string{"SigBlk:\t0000000000000000", "SigIgn:\t0000000280000000"}},
				{[]string{"ls", "/proc/self/fd"}, []string{"0\n1\n2\n3\n"}},
			} {
				args := append(helper(t, "withmask", initdBinary(t), "--syslog="+t.TempDir()+"/log", "--tail="+t.TempDir()+"/app.log", "--"), c.argv...)
				r := runInitd(t, ctxFor(t, 30*time.Second), args, append(m.opts, withEnv(helperEnv))...)
				for _, want := range c.want {
					if !strings.Contains(r.Stdout, want) {
						t.Errorf("%v reports\n%s\nwant %q\nstderr: %s", c.argv, r.Stdout, want, r.Stderr)
					}
				}
			}
		})
	}
}
