package integration

// The podman tests run initd as the ENTRYPOINT of real containers and look
// only from the outside, through podman: exit statuses, podman stop and
// kill, zombies, logs, healthchecks, resource limits, cron-only mode and
// kube play. The images are the ones in examples/ (so no example goes
// untested) and testdata/podman/base, all FROM scratch with busybox-static
// and the initd under test; nothing is pulled. See podman_helpers_test.go
// for the podman configuration and the cleanup.

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPodman runs every podman scenario as a parallel subtest of one suite,
// so that each image is built once and removed at the end.
func TestPodman(t *testing.T) {
	s := newPodmanSuite(t)
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
				args := append([]string{"run", "--rm", "--pull=never", "--network", "none",
					"--label", "io.initd.it=" + s.prefix, "--name", name, img}, tt.cmd...)
				code, _, stderr := s.status(t, ctx, args...)
				if code != tt.want {
					t.Errorf("podman run %q: exit %d, want %d\nstderr:\n%s", tt.cmd, code, tt.want, stderr)
				}
				if !strings.Contains(stderr, tt.msg) {
					t.Errorf("podman run %q: stderr does not name %q:\n%s", tt.cmd, tt.msg, stderr)
				}
			})
		}
	})

	t.Run("StopHonoursStopSignalAndGrace", func(t *testing.T) {
		t.Parallel()
		img := base(t)
		tests := []struct {
			name       string
			dockerfile []string
			wantLog    string
			notLog     string
			want       int
			minElapsed time.Duration
		}{
			{
				// podman sends the image's STOPSIGNAL to initd, which
				// passes it on to the command.
				name:       "image STOPSIGNAL reaches the command",
				dockerfile: []string{"STOPSIGNAL SIGUSR1", `CMD ["traps.sh", "exit:USR1"]`},
				wantLog:    "got USR1",
				notLog:     "got TERM",
			},
			{
				// The runtime sends TERM; the command gets its own stop
				// signal, set with ENV like any option.
				name:       "INITD_STOP_SIGNAL replaces TERM",
				dockerfile: []string{`ENV INITD_STOP_SIGNAL=QUIT`, `CMD ["traps.sh", "exit:QUIT"]`},
				wantLog:    "got QUIT",
				notLog:     "got TERM",
			},
			{
				// A tree that ignores TERM is killed by initd when its
				// grace ends, long before podman's own 30 s timeout.
				name:       "grace ends in SIGKILL",
				dockerfile: []string{`ENV INITD_GRACE=1s`, `CMD ["traps.sh", "ignore:TERM"]`},
				want:       128 + 9,
				minElapsed: time.Second,
			},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := podmanContext(t, 2*time.Minute)
				what := "stop-" + strconv.Itoa(i)
				ref := s.derive(t, ctx, what, img, tt.dockerfile...)
				name := s.start(t, ctx, what, ref)
				s.waitLogs(t, ctx, name, "ready", 30*time.Second)

				begin := time.Now()
				s.must(t, ctx, "stop", "-t", "30", name)
				elapsed := time.Since(begin)
				code := s.exitCode(t, ctx, name)
				logs := s.logs(t, ctx, name)
				if code != tt.want {
					t.Errorf("exit status after podman stop: %d, want %d\nlogs:\n%s", code, tt.want, logs)
				}
				if elapsed < tt.minElapsed || elapsed > 15*time.Second {
					t.Errorf("podman stop took %v, want between %v and 15s (podman's own timeout is 30s)", elapsed, tt.minElapsed)
				}
				if !strings.Contains(logs, tt.wantLog) {
					t.Errorf("logs do not contain %q:\n%s", tt.wantLog, logs)
				}
				if tt.notLog != "" && strings.Contains(logs, tt.notLog) {
					t.Errorf("logs contain %q:\n%s", tt.notLog, logs)
				}
			})
		}
	})

	t.Run("KillSignals", func(t *testing.T) {
		t.Parallel()
		ctx := podmanContext(t, 2*time.Minute)
		name := s.start(t, ctx, "kill", base(t), "traps.sh", "exit:TERM")
		s.waitLogs(t, ctx, name, "ready", 30*time.Second)
		// Plain signals are forwarded as they are and the command keeps
		// running; INT is a stop request, so the command gets its stop
		// signal (TERM).
		for _, sig := range []string{"USR1", "HUP", "USR2"} {
			s.must(t, ctx, "kill", "-s", sig, name)
			s.waitLogs(t, ctx, name, "got "+sig, 10*time.Second)
			if st := s.inspect(t, ctx, name, "{{.State.Status}}"); st != "running" {
				t.Fatalf("after podman kill -s %s: container is %s, want running", sig, st)
			}
		}
		s.must(t, ctx, "kill", "-s", "INT", name)
		if code := s.exitCode(t, ctx, name); code != 0 {
			t.Errorf("after podman kill -s INT: exit %d, want 0 (the command exits 0 on TERM)", code)
		}
		if logs := s.logs(t, ctx, name); !strings.Contains(logs, "got TERM") || strings.Contains(logs, "got INT") {
			t.Errorf("podman kill -s INT: want the command to get TERM (its stop signal), not INT; logs:\n%s", logs)
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
			{"both", []string{"--memory", "96m", "--cpus", "1.5"}, "100663296", "1.5"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := podmanContext(t, time.Minute)
				name := s.name("limits-" + strconv.Itoa(i))
				t.Cleanup(func() { s.removeContainer(t, name) })
				args := append([]string{"run", "--rm", "--pull=never", "--network", "none",
					"--label", "io.initd.it=" + s.prefix, "--name", name}, tt.limits...)
				args = append(args, img, "sh", "-c", `echo "mem=$INITD_MEMORY_LIMIT_BYTES cpu=$INITD_CPU_LIMIT"`)
				code, out, stderr := s.status(t, ctx, args...)
				if code != 0 {
					t.Fatalf("podman run %q: exit %d\n%s", tt.limits, code, stderr)
				}
				var mem, cpu string
				for _, f := range strings.Fields(out) {
					if v, ok := strings.CutPrefix(f, "mem="); ok {
						mem = v
					} else if v, ok := strings.CutPrefix(f, "cpu="); ok {
						cpu = v
					}
				}
				if tt.mem != "" && mem != tt.mem {
					t.Errorf("podman run %q: INITD_MEMORY_LIMIT_BYTES=%q, want %q", tt.limits, mem, tt.mem)
				}
				if tt.cpus != "" && cpu != tt.cpus {
					t.Errorf("podman run %q: INITD_CPU_LIMIT=%q, want %q", tt.limits, cpu, tt.cpus)
				}
			})
		}
	})

	t.Run("ExampleEntrypoint", func(t *testing.T) {
		t.Parallel()
		testExampleEntrypoint(t, s)
	})
	t.Run("ExampleHealthcheck", func(t *testing.T) {
		t.Parallel()
		testExampleHealthcheck(t, s)
	})
	t.Run("ExampleCron", func(t *testing.T) {
		t.Parallel()
		testExampleCron(t, s)
	})
	t.Run("ExampleServices", func(t *testing.T) {
		t.Parallel()
		testExampleServices(t, s)
	})
	t.Run("ExampleKubePlayGate", func(t *testing.T) {
		t.Parallel()
		// One after the other: when the infra image is missing, two kube
		// plays at once both build it and one copy is left untagged.
		for _, m := range kubeManifests {
			t.Run(m.file, func(t *testing.T) {
				testExampleKubePlay(t, s, m.file, m.podSuffix, m.limits)
			})
		}
	})
}

// podmanZombies counts the processes in state Z in the output of
// busybox ps -o pid,ppid,stat,args.
func podmanZombies(ps string) int {
	n := 0
	for _, line := range strings.Split(ps, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.HasPrefix(f[2], "Z") {
			n++
		}
	}
	return n
}
