package integration

// initd as Docker's own init: the suite's daemon runs with --init-path
// pointing at the initd under test, so `docker run --init` bind-mounts it
// at /sbin/docker-init and runs `/sbin/docker-init -- COMMAND...` as PID 1
// (what it runs tini as). The image here has no initd ENTRYPOINT
// (--entrypoint ""), so initd is there only as Docker's init.

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func testDockerRunInit(t *testing.T, s *dockerSuite, img string) {
	version, err := exec.Command(s.initd, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", s.initd, err)
	}
	// The daemon runs the init with --version at start and for docker
	// info; initd answers, in a format Docker does not parse (see
	// docs/containers.md), which costs nothing but a warning in its log.
	ctx := ctxFor(t, time.Minute)
	if got := s.inspectInfo(t, ctx, "{{.InitBinary}}"); got != s.initd {
		t.Errorf("docker info: init binary %q, want %q", got, s.initd)
	}
	if out, err := exec.Command(s.initd, "--version").Output(); err != nil || !strings.HasPrefix(string(out), "initd ") {
		t.Errorf("initd --version, as dockerd runs it: %q, %v", out, err)
	}
	// Docker's init, and no initd ENTRYPOINT.
	initOpts := []string{"--init", "--entrypoint", ""}
	runInit := func(name string, args ...string) []string {
		return s.runArgs(name, append(slices.Clone(initOpts), args...)...)
	}

	t.Run("PID1IsInitd", func(t *testing.T) {
		t.Parallel()
		ctx := ctxFor(t, time.Minute)
		name := s.name("init-pid1")
		t.Cleanup(func() { s.removeContainer(t, name) })
		code, out, stderr := s.status(t, ctx, runInit(name, "--rm", img, "sh", "-c",
			`tr '\0' ' ' </proc/1/cmdline; echo; /sbin/docker-init version`)...)
		if code != 0 {
			t.Fatalf("docker run --init: exit %d\n%s%s", code, out, stderr)
		}
		lines := strings.Split(out, "\n")
		if len(lines) < 2 || !strings.HasPrefix(lines[0], "/sbin/docker-init -- sh -c ") {
			t.Errorf("PID 1's command line: %q, want /sbin/docker-init -- sh -c ...", lines[0])
		}
		if !strings.Contains(out, strings.TrimSpace(string(version))) {
			t.Errorf("/sbin/docker-init version in the container: %q, want the initd under test's %q", out, version)
		}
		if !strings.Contains(stderr, "initd INF started") {
			t.Errorf("stderr has no start line of initd:\n%s", stderr)
		}
	})

	t.Run("ExitStatus", func(t *testing.T) {
		t.Parallel()
		testExitStatus(t, s.engine, img, "init-exit", "docker run --init", initOpts, []exitCase{
			{"exit 3", []string{"sh", "-c", "exit 3"}, 3, ""},
			{"killed by SEGV", []string{"sh", "-c", "kill -SEGV $$"}, 128 + 11, ""},
			{"not found", []string{"no-such-command"}, 127, "no-such-command"},
		})
	})

	t.Run("ReapsOrphans", func(t *testing.T) {
		t.Parallel()
		ctx := ctxFor(t, 2*time.Minute)
		const n = 200
		name := s.name("init-orphans")
		t.Cleanup(func() { s.removeContainer(t, name) })
		s.must(t, ctx, runInit(name, "-d", img, "orphans.sh", strconv.Itoa(n))...)
		s.waitLogs(t, ctx, name, "churned "+strconv.Itoa(n), time.Minute)
		if ps := s.waitNoZombies(t, ctx, name); !strings.Contains(ps, "/sbin/docker-init -- orphans.sh") {
			t.Errorf("ps inside %s shows no docker-init:\n%s", name, ps)
		}
	})

	t.Run("SignalsAndStop", func(t *testing.T) {
		t.Parallel()
		ctx := ctxFor(t, 2*time.Minute)
		name := s.name("init-signals")
		t.Cleanup(func() { s.removeContainer(t, name) })
		s.must(t, ctx, runInit(name, "-d", img, "sh", "-c", rtTraps)...)
		s.waitLine(t, ctx, name, "ready", 30*time.Second)
		for _, sig := range []string{"USR1", "RTMIN+3"} {
			s.must(t, ctx, "kill", "-s", sig, name)
			s.waitLine(t, ctx, name, "got "+sig, 10*time.Second)
		}
		code, elapsed := s.stopTimed(t, ctx, name)
		logs := s.logs(t, ctx, name)
		if code != 0 || !hasLine(logs, "got TERM") {
			t.Errorf("after docker stop: exit %d, want 0 with \"got TERM\" (the command exits 0 on TERM)\nlogs:\n%s", code, logs)
		}
		if elapsed > 10*time.Second {
			t.Errorf("docker stop took %v; the command exits at once on TERM", elapsed)
		}
	})

	t.Run("GraceFromEnvironment", func(t *testing.T) {
		t.Parallel()
		testStop(t, s.engine, img, "init-grace", []stopCase{{
			// initd reads its options from the container's environment
			// under --init too: a tree that ignores TERM is killed when
			// INITD_GRACE ends (137), long before docker stop's 30 s.
			name:       "INITD_GRACE ends in SIGKILL from initd",
			run:        append(slices.Clone(initOpts), "-e", "INITD_GRACE=1s"),
			cmd:        []string{"traps.sh", "ignore:TERM"},
			want:       128 + 9,
			minElapsed: time.Second,
		}})
	})
}
