package integration

// The podman tests run initd as the ENTRYPOINT of real containers and look
// only from the outside, through podman: exit statuses, podman stop and
// kill, zombies, logs, healthchecks, resource limits, cron-only mode,
// services and kube play. The images are the ones in examples/ (so no
// example goes untested) and testdata/podman/base, all FROM scratch with
// busybox-static and the initd under test; nothing is pulled. The checks
// Docker runs too are in engine_test.go; see podman_helpers_test.go for
// the podman configuration and the cleanup.

import (
	"strings"
	"testing"
	"time"
)

// TestPodman runs every podman scenario as a parallel subtest of one suite,
// so that each image is built once and removed at the end.
func TestPodman(t *testing.T) {
	s := newPodmanSuite(t)
	runEngineChecks(t, s.engine, []stopCase{
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
	})
	t.Run("ExampleHealthcheck", func(t *testing.T) {
		t.Parallel()
		testPodmanExampleHealthcheck(t, s)
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

// testPodmanExampleHealthcheck: the image's HEALTHCHECK (initd check)
// fails under podman healthcheck run while the server is not up and turns
// the container healthy once it is.
func testPodmanExampleHealthcheck(t *testing.T, s *podmanSuite) {
	ctx := ctxFor(t, 2*time.Minute)
	img := exampleWeb(t, s.engine)
	if hc := strings.TrimSpace(s.must(t, ctx, "image", "inspect", "--format", "{{json .HealthCheck.Test}}", img)); !strings.Contains(hc, `"check"`) {
		t.Fatalf("image HEALTHCHECK is %s, want initd check", hc)
	}
	name := startHealthServer(t, ctx, s.engine, img)
	if code, out, _ := s.status(t, ctx, "healthcheck", "run", name); code == 0 {
		t.Fatalf("podman healthcheck run before the server is up: exit 0 (%s), want unhealthy", strings.TrimSpace(out))
	}
	s.must(t, ctx, "exec", name, "touch", "/tmp/go")
	var last string
	waitUntil(t, 30*time.Second, "podman healthcheck run to pass", func() bool {
		code, out, _ := s.status(t, ctx, "healthcheck", "run", name)
		last = out
		return code == 0
	})
	if st := s.inspect(t, ctx, name, "{{.State.Health.Status}}"); st != "healthy" {
		t.Errorf("health status %q after a passing check (%s), want healthy", st, strings.TrimSpace(last))
	}
}
