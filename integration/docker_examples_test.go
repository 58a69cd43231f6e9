package integration

// The examples/ images under Docker: each test builds the example's own
// Dockerfile (with busybox-static and the initd under test in its context)
// and checks what its README promises, as podman_examples_test.go does
// under podman.

import (
	"strings"
	"testing"
	"time"
)

// testDockerExampleEntrypoint: the access log reaches docker logs through
// --tail, and docker stop ends the server with the image's STOPSIGNAL long
// before docker's timeout.
func testDockerExampleEntrypoint(t *testing.T, s *dockerSuite) {
	ctx := podmanContext(t, 2*time.Minute)
	name := s.start(t, ctx, "example-web", s.image(t, "example-web", "../examples/entrypoint"))
	if sig := s.inspect(t, ctx, name, "{{.Config.StopSignal}}"); sig != "SIGTERM" {
		t.Errorf("image STOPSIGNAL is %q, want SIGTERM", sig)
	}
	waitUntil(t, 30*time.Second, "the server to answer", func() bool {
		_, _, err := s.docker(ctx, nil, "exec", name, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/")
		return err == nil
	})
	// A path of our own, so the line we look for comes from this request.
	path := "/" + s.prefix + "-marker"
	s.docker(ctx, nil, "exec", name, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080"+path) // a 404, logged all the same
	s.waitLogs(t, ctx, name, "url:"+path, 10*time.Second)
	// The tailed lines are on stdout, initd's own on stderr. (The last 20
	// lines: the image's health probes add two lines every 10 s.)
	out, errOut, err := s.docker(ctx, nil, "logs", "--tail", "20", name)
	if err != nil {
		t.Fatalf("docker logs: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "url:"+path) || !strings.Contains(out, "response:404") {
		t.Errorf("docker logs --tail 20: stdout has no url:%s and response:404 lines:\n%s", path, out)
	}
	if strings.Contains(errOut, "url:"+path) {
		t.Errorf("docker logs: the tailed line is on stderr, want stdout:\n%s", errOut)
	}

	begin := time.Now()
	s.must(t, ctx, "stop", "-t", "30", name)
	elapsed := time.Since(begin)
	// httpd dies of the TERM initd passes on: 128+15.
	if code := s.exitCode(t, ctx, name); code != 128+15 {
		t.Errorf("exit status after docker stop: %d, want 143\nlogs:\n%s", code, s.logs(t, ctx, name))
	}
	if elapsed > 10*time.Second {
		t.Errorf("docker stop took %v; the server should stop at once on TERM", elapsed)
	}
}

// testDockerExampleHealthcheck: Docker runs the image's HEALTHCHECK
// (initd check) on its own schedule; it fails while the server is not up
// and turns the container healthy once it is.
func testDockerExampleHealthcheck(t *testing.T, s *dockerSuite) {
	ctx := podmanContext(t, 2*time.Minute)
	img := s.image(t, "example-web", "../examples/entrypoint")
	if hc := s.inspect(t, ctx, img, "{{json .Config.Healthcheck.Test}}"); !strings.Contains(hc, `"check"`) {
		t.Fatalf("image HEALTHCHECK is %s, want initd check", hc)
	}
	// The same server as the image's CMD, started only once the test says
	// so: the health check must fail first.
	name := s.start(t, ctx, "example-health", img, "/bin/sh", "-c",
		"until [ -e /tmp/go ]; do sleep 0.1; done; exec httpd -f -vv -p 8080 -h /var/www 2>>/var/log/httpd/access.log")
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

// testDockerExampleCron: the cron-only image runs its crontab's heartbeat,
// and docker stop ends it with status 0.
func testDockerExampleCron(t *testing.T, s *dockerSuite) {
	ctx := podmanContext(t, 2*time.Minute)
	name := s.start(t, ctx, "example-cron", s.image(t, "example-cron", "../examples/cron"))
	// The heartbeat runs every 10 seconds.
	s.waitLogs(t, ctx, name, "heartbeat: ", 25*time.Second)
	begin := time.Now()
	s.must(t, ctx, "stop", "-t", "30", name)
	elapsed := time.Since(begin)
	if code := s.exitCode(t, ctx, name); code != 0 {
		t.Errorf("cron-only container: exit %d after docker stop, want 0\nlogs:\n%s", code, s.logs(t, ctx, name))
	}
	if elapsed > 10*time.Second {
		t.Errorf("docker stop took %v, want well under the image's INITD_GRACE plus slack", elapsed)
	}
}

// testDockerExampleServices: examples/services under Docker: the init
// hook's page is served by the web service, the worker's lines reach docker
// logs prefixed, and docker stop ends the services-only container with 0.
func testDockerExampleServices(t *testing.T, s *dockerSuite) {
	ctx := podmanContext(t, 2*time.Minute)
	name := s.start(t, ctx, "example-services", s.image(t, "example-services", "../examples/services"))
	s.waitLogs(t, ctx, name, "[worker] worker: tick 2", 30*time.Second)
	var page string
	waitUntil(t, 30*time.Second, "the web service to serve the hook's page", func() bool {
		out, _, err := s.docker(ctx, nil, "exec", name, "wget", "-q", "-O", "-", "http://127.0.0.1:8080/")
		page = out
		return err == nil
	})
	if !strings.Contains(page, "Written by the init hook at ") {
		t.Errorf("the page served is not the init hook's:\n%s", page)
	}
	begin := time.Now()
	s.must(t, ctx, "stop", "-t", "30", name)
	elapsed := time.Since(begin)
	if code := s.exitCode(t, ctx, name); code != 0 {
		t.Errorf("services-only container: exit %d after docker stop, want 0\nlogs:\n%s", code, s.logs(t, ctx, name))
	}
	if elapsed > 10*time.Second {
		t.Errorf("docker stop took %v; both services stop at once on TERM", elapsed)
	}
	if logs := s.logs(t, ctx, name); !strings.Contains(logs, "[worker] worker: stopping after ") {
		t.Errorf("the worker did not get its TERM:\n%s", logs)
	}
}
