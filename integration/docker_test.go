package integration

// The Docker tests run initd where most users run it: under a real Docker
// engine (Debian's docker.io 20.10), started by the tests themselves (see
// docker_helpers_test.go). They look only from the outside, through the
// docker client: exit statuses, docker stop and kill, zombies, logs,
// HEALTHCHECK, resource limits, the examples/ images, `docker run --init`
// with initd as the daemon's init (docker_init_test.go) and a Compose
// project (docker_compose_test.go). The images are those of the podman
// tests: examples/ and testdata/podman/base, FROM scratch with
// busybox-static and the initd under test.

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDocker runs every Docker scenario as a parallel subtest under one
// daemon, so that the daemon starts once and each image is built once.
func TestDocker(t *testing.T) {
	s := newDockerSuite(t)
	base := func(t *testing.T) string { return s.image(t, "base", "testdata/podman/base") }

	t.Run("ExitStatus", func(t *testing.T) {
		t.Parallel()
		img := base(t)
		tests := []struct {
			name string
			cmd  []string
			want int
			msg  string // in initd's stderr
		}{
			{"exit 3", []string{"sh", "-c", "exit 3"}, 3, ""},
			{"exit 0", []string{"true"}, 0, ""},
			{"killed by SEGV", []string{"sh", "-c", "kill -SEGV $$"}, 128 + 11, ""},
			{"killed by TERM", []string{"sh", "-c", "kill -TERM $$"}, 128 + 15, ""},
			{"not found", []string{"no-such-command"}, 127, "no-such-command"},
			{"not executable", []string{"/etc"}, 126, "/etc"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := podmanContext(t, time.Minute)
				name := s.name("exit-" + strconv.Itoa(i))
				t.Cleanup(func() { s.removeContainer(t, name) })
				args := append([]string{"run", "--rm", "--network", "none", "--name", name, img}, tt.cmd...)
				code, _, stderr := s.status(t, ctx, args...)
				if code != tt.want {
					t.Errorf("docker run %q: exit %d, want %d\nstderr:\n%s", tt.cmd, code, tt.want, stderr)
				}
				if !strings.Contains(stderr, tt.msg) {
					t.Errorf("docker run %q: stderr does not name %q:\n%s", tt.cmd, tt.msg, stderr)
				}
			})
		}
	})

	t.Run("StopHonoursStopSignalAndGrace", func(t *testing.T) {
		t.Parallel()
		img := base(t)
		tests := []struct {
			name       string
			dockerfile []string // when set, the test runs an image FROM base with these lines
			run        []string // docker run options
			cmd        []string
			wantLog    string
			notLog     string
			want       int
			minElapsed time.Duration
		}{
			{
				// Docker sends the image's STOPSIGNAL to initd, which
				// passes it on to the command.
				name:       "image STOPSIGNAL reaches the command",
				dockerfile: []string{"STOPSIGNAL SIGUSR1"},
				cmd:        []string{"traps.sh", "exit:USR1"},
				wantLog:    "got USR1",
				notLog:     "got TERM",
			},
			{
				// Docker sends TERM; the command gets its own stop
				// signal, set with -e like any option.
				name:    "INITD_STOP_SIGNAL replaces TERM",
				run:     []string{"-e", "INITD_STOP_SIGNAL=QUIT"},
				cmd:     []string{"traps.sh", "exit:QUIT"},
				wantLog: "got QUIT",
				notLog:  "got TERM",
			},
			{
				// A tree that ignores TERM is killed by initd when its
				// grace ends (137), long before docker stop's own 30 s.
				name:       "grace ends in SIGKILL from initd",
				run:        []string{"-e", "INITD_GRACE=1s"},
				cmd:        []string{"traps.sh", "ignore:TERM"},
				want:       128 + 9,
				minElapsed: time.Second,
			},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := podmanContext(t, 2*time.Minute)
				what := "stop-" + strconv.Itoa(i)
				ref := img
				if tt.dockerfile != nil {
					ref = s.derive(t, ctx, what, img, tt.dockerfile...)
				}
				args := append(append(append([]string{}, tt.run...), ref), tt.cmd...)
				name := s.start(t, ctx, what, args...)
				s.waitLogs(t, ctx, name, "ready", 30*time.Second)

				begin := time.Now()
				s.must(t, ctx, "stop", "-t", "30", name)
				elapsed := time.Since(begin)
				code := s.exitCode(t, ctx, name)
				logs := s.logs(t, ctx, name)
				if code != tt.want {
					t.Errorf("exit status after docker stop: %d, want %d\nlogs:\n%s", code, tt.want, logs)
				}
				if elapsed < tt.minElapsed || elapsed > 15*time.Second {
					t.Errorf("docker stop took %v, want between %v and 15s (docker's own timeout is 30s)", elapsed, tt.minElapsed)
				}
				if tt.wantLog != "" && !hasLine(logs, tt.wantLog) {
					t.Errorf("logs do not contain %q:\n%s", tt.wantLog, logs)
				}
				if tt.notLog != "" && hasLine(logs, tt.notLog) {
					t.Errorf("logs contain %q:\n%s", tt.notLog, logs)
				}
			})
		}
	})

	t.Run("KillSignals", func(t *testing.T) {
		t.Parallel()
		ctx := podmanContext(t, 2*time.Minute)
		name := s.start(t, ctx, "kill", base(t), "sh", "-c", rtTraps)
		s.waitLine(t, ctx, name, "ready", 30*time.Second)
		// Plain and real-time signals are forwarded as they are and the
		// command keeps running; INT is a stop request, so the command
		// gets its stop signal (TERM).
		for _, sig := range []struct{ send, got string }{
			{"USR1", "USR1"}, {"HUP", "HUP"}, {"USR2", "USR2"}, {"RTMIN+3", "RTMIN+3"},
		} {
			s.must(t, ctx, "kill", "-s", sig.send, name)
			s.waitLine(t, ctx, name, "got "+sig.got, 10*time.Second)
			if st := s.inspect(t, ctx, name, "{{.State.Status}}"); st != "running" {
				t.Fatalf("after docker kill -s %s: container is %s, want running", sig.send, st)
			}
		}
		s.must(t, ctx, "kill", "-s", "INT", name)
		if code := s.exitCode(t, ctx, name); code != 0 {
			t.Errorf("after docker kill -s INT: exit %d, want 0 (the command exits 0 on TERM)", code)
		}
		if logs := s.logs(t, ctx, name); !hasLine(logs, "got TERM") || hasLine(logs, "got INT") {
			t.Errorf("docker kill -s INT: want the command to get TERM (its stop signal), not INT; logs:\n%s", logs)
		}
	})

	t.Run("NoZombiesWhileChurningOrphans", func(t *testing.T) {
		t.Parallel()
		ctx := podmanContext(t, 2*time.Minute)
		const n = 300
		name := s.start(t, ctx, "orphans", base(t), "orphans.sh", strconv.Itoa(n))
		s.waitLogs(t, ctx, name, "churned "+strconv.Itoa(n), time.Minute)
		var ps string
		defer func() {
			if t.Failed() {
				t.Logf("ps inside %s:\n%s", name, ps)
			}
		}()
		// Without a reaper the n orphans would stay zombies for good.
		waitUntil(t, 10*time.Second, "no zombie left in the container", func() bool {
			ps = s.must(t, ctx, "exec", name, "ps", "-o", "pid,ppid,stat,args")
			return podmanZombies(ps) == 0
		})
		if st := s.inspect(t, ctx, name, "{{.State.Status}}"); st != "running" {
			t.Errorf("container is %s, want running", st)
		}
	})

	t.Run("CgroupLimitVariables", func(t *testing.T) {
		t.Parallel()
		img := base(t)
		tests := []struct {
			name      string
			limits    []string
			mem, cpus string
		}{
			{"memory", []string{"--memory", "64m"}, "67108864", ""},
			{"cpus", []string{"--cpus", "0.5"}, "", "0.5"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := podmanContext(t, time.Minute)
				name := s.name("limits-" + strconv.Itoa(i))
				t.Cleanup(func() { s.removeContainer(t, name) })
				args := append([]string{"run", "--rm", "--network", "none", "--name", name}, tt.limits...)
				args = append(args, img, "sh", "-c", `echo "mem=$INITD_MEMORY_LIMIT_BYTES cpu=$INITD_CPU_LIMIT"`)
				code, out, stderr := s.status(t, ctx, args...)
				if code != 0 {
					t.Fatalf("docker run %q: exit %d\n%s", tt.limits, code, stderr)
				}
				if tt.mem != "" && !strings.Contains(out, "mem="+tt.mem+" ") {
					t.Errorf("docker run %q: %q, want INITD_MEMORY_LIMIT_BYTES=%s", tt.limits, out, tt.mem)
				}
				if tt.cpus != "" && !strings.Contains(out, "cpu="+tt.cpus+"\n") {
					t.Errorf("docker run %q: %q, want INITD_CPU_LIMIT=%s", tt.limits, out, tt.cpus)
				}
			})
		}
	})

	t.Run("ExampleEntrypoint", func(t *testing.T) {
		t.Parallel()
		testDockerExampleEntrypoint(t, s)
	})
	t.Run("ExampleHealthcheck", func(t *testing.T) {
		t.Parallel()
		testDockerExampleHealthcheck(t, s)
	})
	t.Run("ExampleCron", func(t *testing.T) {
		t.Parallel()
		testDockerExampleCron(t, s)
	})
	t.Run("ExampleServices", func(t *testing.T) {
		t.Parallel()
		testDockerExampleServices(t, s)
	})
	t.Run("ExampleCompose", func(t *testing.T) {
		t.Parallel()
		testDockerExampleCompose(t, s)
	})
	t.Run("RunInit", func(t *testing.T) {
		t.Parallel()
		testDockerRunInit(t, s, base(t))
	})
}

// rtTraps is a shell script that prints "got SIG" for HUP, USR1, USR2 and
// RTMIN+3 and keeps running, exits 0 on TERM, and prints "ready" once its
// traps are set. busybox sh knows real-time signals only by number:
// RTMIN+3 is 37 with glibc's SIGRTMIN of 34, which Docker uses too.
const rtTraps = `for s in HUP USR1 USR2; do trap "echo got $s" $s; done
trap 'echo got RTMIN+3' 37
trap 'echo got INT' INT
trap 'echo got TERM; exit 0' TERM
echo ready
while :; do sleep 1 & wait $!; done`
