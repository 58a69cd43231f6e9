package integration

// The Docker tests run initd where most users run it: under a real Docker
// engine (Debian's docker.io 20.10), started by the tests themselves (see
// docker_helpers_test.go). They look only from the outside, through the
// docker client: exit statuses, docker stop and kill, zombies, logs,
// HEALTHCHECK, resource limits, the examples/ images, `docker run --init`
// with initd as the daemon's init (docker_init_test.go) and a Compose
// project (docker_compose_test.go). The images are those of the podman
// tests: examples/ and testdata/podman/base, FROM scratch with
// busybox-static and the initd under test; the checks both engines run
// are in engine_test.go.

import (
	"strings"
	"testing"
	"time"
)

// TestDocker runs every Docker scenario as a parallel subtest under one
// daemon, so that the daemon starts once and each image is built once.
func TestDocker(t *testing.T) {
	s := newDockerSuite(t)
	runEngineChecks(t, s.engine, []stopCase{
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
	})
	t.Run("ExampleHealthcheck", func(t *testing.T) {
		t.Parallel()
		testDockerExampleHealthcheck(t, s)
	})
	t.Run("ExampleCompose", func(t *testing.T) {
		t.Parallel()
		testDockerExampleCompose(t, s)
	})
	t.Run("RunInit", func(t *testing.T) {
		t.Parallel()
		testDockerRunInit(t, s, s.image(t, "base", baseDir))
	})
}

// testDockerExampleHealthcheck: Docker runs the image's HEALTHCHECK
// (initd check) on its own schedule; it fails while the server is not up
// and turns the container healthy once it is.
func testDockerExampleHealthcheck(t *testing.T, s *dockerSuite) {
	ctx := ctxFor(t, 2*time.Minute)
	img := exampleWeb(t, s.engine)
	if hc := s.inspect(t, ctx, img, "{{json .Config.Healthcheck.Test}}"); !strings.Contains(hc, `"check"`) {
		t.Fatalf("image HEALTHCHECK is %s, want initd check", hc)
	}
	name := startHealthServer(t, ctx, s.engine, img)
	// The image's interval is 10 s: the first probe runs 10 s after the start.
	var probes string
	waitUntil(t, 30*time.Second, "a failed probe in the health log", func() bool {
		probes = s.inspect(t, ctx, name, "{{range .State.Health.Log}}{{.ExitCode}} {{end}}")
		return probes != ""
	})
	if f := strings.Fields(probes); f[0] != "1" {
		t.Fatalf("health probes before the server is up exited %q, want 1", probes)
	}
	if st := s.inspect(t, ctx, name, "{{.State.Health.Status}}"); st == "healthy" {
		t.Fatalf("health status %q before the server is up", st)
	}
	s.must(t, ctx, "exec", name, "touch", "/tmp/go")
	waitUntil(t, 30*time.Second, "docker inspect to say healthy", func() bool {
		return s.inspect(t, ctx, name, "{{.State.Health.Status}}") == "healthy"
	})
}
