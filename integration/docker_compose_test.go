package integration

// examples/compose under docker-compose against the suite's daemon: the
// app's initd waits for the backend, both run under initd, and
// docker-compose down stops both cleanly, well inside Compose's 10 s.

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func testDockerExampleCompose(t *testing.T, s *dockerSuite) {
	compose, err := exec.LookPath("docker-compose")
	if err != nil {
		skipOrFail(t, "the Compose example needs docker-compose: %v (apt-get install docker-compose)", err)
	}
	dir, err := filepath.Abs("../examples/compose")
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t, 3*time.Minute)
	img := s.image(t, "example-compose", dir)
	project := s.name("compose")
	// The image the file names, replaced by the suite's: Compose must
	// neither build nor pull.
	run := func(ctx context.Context, args ...string) (string, string, error) {
		args = append([]string{"--ansi", "never", "-p", project, "-f", filepath.Join(dir, "docker-compose.yml")}, args...)
		return s.run(ctx, nil, []string{"INITD_EXAMPLE_IMAGE=" + img}, compose, args...)
	}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, err := run(ctx, args...)
		if err != nil {
			t.Fatalf("docker-compose %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, errOut, err := run(ctx, "down", "-v", "-t", "0"); err != nil {
			t.Errorf("cleanup: docker-compose down: %v\n%s", err, errOut)
		}
	})

	must("up", "-d", "--no-build")
	var logs string
	defer func() {
		if t.Failed() {
			t.Logf("docker-compose logs:\n%s", logs)
		}
	}()
	// The backend takes 3 s to come up; the app reads from it once it
	// starts, which fails unless initd held it back until then.
	waitUntil(t, time.Minute, "the app to start and read from the backend", func() bool {
		logs = must("logs", "--no-color")
		return strings.Contains(logs, "app: backend says: hello from the backend")
	})
	if !strings.Contains(logs, "| backend: up\n") {
		t.Errorf("docker-compose logs: no \"backend: up\" line")
	}
	// initd's own lines, in the order it wrote them (on stderr).
	var waited, started int
	for i, line := range strings.Split(must("logs", "--no-color", "app"), "\n") {
		switch {
		case strings.Contains(line, "initd INF target ready ") && strings.Contains(line, " target=http://127.0.0.1:8080/"):
			waited = i + 1
		case strings.Contains(line, "initd INF started "):
			started = i + 1
		}
	}
	if waited == 0 || started < waited {
		t.Errorf("the app's initd: wait for http://127.0.0.1:8080/ ended at line %d, the app started at line %d; want the wait first", waited, started)
	}

	begin := time.Now()
	must("down", "-v")
	elapsed := time.Since(begin)
	// Compose's own timeout is 10 s, then SIGKILL (137). The app exits 0
	// on TERM; httpd dies of it (143).
	if elapsed > 9*time.Second {
		t.Errorf("docker-compose down took %v, want well under its 10 s timeout", elapsed)
	}
	events := s.must(t, ctx, "events",
		"--since", strconv.FormatInt(begin.Add(-time.Second).Unix(), 10),
		"--until", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10),
		"--filter", "event=die", "--filter", "label=com.docker.compose.project="+composeProject(project),
		"--format", `{{index .Actor.Attributes "com.docker.compose.service"}}={{.Actor.Attributes.exitCode}}`)
	got := strings.Fields(events)
	t.Logf("exit statuses on docker-compose down after %v: %q", elapsed.Round(time.Millisecond), got)
	for _, want := range []string{"app=0", "backend=143"} {
		if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+want+" ") {
			t.Errorf("exit statuses on docker-compose down: %q, want %s", got, want)
		}
	}
	if left := strings.TrimSpace(s.must(t, ctx, "ps", "-a", "-q", "--filter", "label=com.docker.compose.project="+composeProject(project))); left != "" {
		t.Errorf("containers left after docker-compose down: %s", left)
	}
}

// composeProject is the project name as docker-compose 1.x normalises it
// in its labels: lower case, only letters, digits, - and _.
func composeProject(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, name)
}
