package integration

// The examples/ images under podman: each test builds the example's own
// Dockerfile (with busybox-static and the initd under test in its context)
// and checks what its README promises.

import (
	"strings"
	"testing"
	"time"
)

// exampleWeb is examples/entrypoint, the image the Kubernetes example uses.
func exampleWeb(t *testing.T, s *podmanSuite) string {
	return s.image(t, "example-web", "../examples/entrypoint")
}

// testExampleEntrypoint: the access log reaches podman logs through
// --tail, and podman stop ends the server with the image's STOPSIGNAL
// long before podman's timeout.
func testExampleEntrypoint(t *testing.T, s *podmanSuite) {
	ctx := podmanContext(t, 2*time.Minute)
	name := s.start(t, ctx, "example-web", exampleWeb(t, s))
	if sig := s.inspect(t, ctx, name, "{{.Config.StopSignal}}"); sig != "15" && sig != "SIGTERM" {
		t.Errorf("image STOPSIGNAL is %q, want SIGTERM", sig)
	}
	waitUntil(t, 30*time.Second, "the server to answer", func() bool {
		_, _, err := s.podman(ctx, nil, "exec", name, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/")
		return err == nil
	})
	// A path of our own, so the line we look for comes from this request.
	path := "/" + s.prefix + "-marker"
	s.podman(ctx, nil, "exec", name, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080"+path) // a 404, logged all the same
	s.waitLogs(t, ctx, name, "url:"+path, 10*time.Second)
	if logs := s.logs(t, ctx, name); !strings.Contains(logs, "response:404") {
		t.Errorf("podman logs: no response:404 line for %s:\n%s", path, logs)
	}

	begin := time.Now()
	s.must(t, ctx, "stop", "-t", "30", name)
	elapsed := time.Since(begin)
	// httpd dies of the TERM initd passes on: 128+15.
	if code := s.exitCode(t, ctx, name); code != 128+15 {
		t.Errorf("exit status after podman stop: %d, want 143\nlogs:\n%s", code, s.logs(t, ctx, name))
	}
	if elapsed > 10*time.Second {
		t.Errorf("podman stop took %v; the server should stop at once on TERM", elapsed)
	}
}

// testExampleHealthcheck: the image's HEALTHCHECK (initd check) fails while
// the server is not up and turns the container healthy once it is.
func testExampleHealthcheck(t *testing.T, s *podmanSuite) {
	ctx := podmanContext(t, 2*time.Minute)
	img := exampleWeb(t, s)
	if hc := strings.TrimSpace(s.must(t, ctx, "image", "inspect", "--format", "{{json .HealthCheck.Test}}", img)); !strings.Contains(hc, `"check"`) {
		t.Fatalf("image HEALTHCHECK is %s, want initd check", hc)
	}
	// The same server as the image's CMD, started only once the test says
	// so: the health check must see it down first.
	name := s.start(t, ctx, "example-health", img, "/bin/sh", "-c",
		"until [ -e /tmp/go ]; do sleep 0.1; done; exec httpd -f -vv -p 8080 -h /var/www 2>>/var/log/httpd/access.log")
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

// testExampleCron: the cron-only image runs its crontab's heartbeat, and
// podman stop ends it with status 0.
func testExampleCron(t *testing.T, s *podmanSuite) {
	ctx := podmanContext(t, 2*time.Minute)
	img := s.image(t, "example-cron", "../examples/cron")
	name := s.start(t, ctx, "example-cron", img)
	// The heartbeat runs every 10 seconds.
	s.waitLogs(t, ctx, name, "heartbeat: ", 25*time.Second)
	begin := time.Now()
	s.must(t, ctx, "stop", "-t", "30", name)
	elapsed := time.Since(begin)
	if code := s.exitCode(t, ctx, name); code != 0 {
		t.Errorf("cron-only container: exit %d after podman stop, want 0\nlogs:\n%s", code, s.logs(t, ctx, name))
	}
	if elapsed > 10*time.Second {
		t.Errorf("podman stop took %v, want well under the image's INITD_GRACE plus slack", elapsed)
	}
}

// testExampleServices: the init hook writes the page before the services
// start, the web service serves it, both services' lines reach podman logs
// prefixed with their names, and podman stop ends the services-only
// container with 0, each service having had its TERM.
func testExampleServices(t *testing.T, s *podmanSuite) {
	ctx := podmanContext(t, 2*time.Minute)
	img := s.image(t, "example-services", "../examples/services")
	name := s.start(t, ctx, "example-services", img)
	s.waitLogs(t, ctx, name, "[worker] worker: tick 2", 30*time.Second)
	var page string
	waitUntil(t, 30*time.Second, "the web service to serve the hook's page", func() bool {
		out, _, err := s.podman(ctx, nil, "exec", name, "wget", "-q", "-O", "-", "http://127.0.0.1:8080/")
		page = out
		return err == nil
	})
	if !strings.Contains(page, "Written by the init hook at ") {
		t.Errorf("the page served is not the init hook's:\n%s", page)
	}
	if out := s.must(t, ctx, "exec", name, "wget", "-q", "-O", "-", "http://127.0.0.1:8080/status.txt"); !strings.HasPrefix(out, "tick ") {
		t.Errorf("status.txt is %q, want the worker's tick line", out)
	}
	s.waitLogs(t, ctx, name, "[web] ", 10*time.Second)
	logs := s.logs(t, ctx, name)
	for _, want := range []string{"init: page written", "[worker] worker: started; the init hook ran at 20"} {
		if !strings.Contains(logs, want) {
			t.Errorf("podman logs lack %q:\n%s", want, logs)
		}
	}

	begin := time.Now()
	s.must(t, ctx, "stop", "-t", "30", name)
	elapsed := time.Since(begin)
	if code := s.exitCode(t, ctx, name); code != 0 {
		t.Errorf("services-only container: exit %d after podman stop, want 0\nlogs:\n%s", code, s.logs(t, ctx, name))
	}
	if elapsed > 10*time.Second {
		t.Errorf("podman stop took %v; both services stop at once on TERM", elapsed)
	}
	if logs := s.logs(t, ctx, name); !strings.Contains(logs, "[worker] worker: stopping after ") {
		t.Errorf("the worker did not get its TERM:\n%s", logs)
	}
}
