package integration

// examples/kubernetes/pod.yaml under podman kube play: the init container
// runs initd wait, and the app must start only once the gate opens.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testExampleKubePlay plays the Pod manifest with the example image and
// tcp://db:5432 pointed at the pod's own loopback, where nothing listens
// until the test opens the port from outside (nsenter into the pod's
// network namespace). kube play runs init containers to completion before
// it starts the app, so it returns only after the gate opened.
func testExampleKubePlay(t *testing.T, s *podmanSuite) {
	ctx := podmanContext(t, 3*time.Minute)
	img := exampleWeb(t, s)
	pod := s.name("kube")

	manifest, err := os.ReadFile("../examples/kubernetes/pod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.NewReplacer(
		"localhost/initd-example-web:latest", img,
		"imagePullPolicy: IfNotPresent", "imagePullPolicy: Never",
		"name: initd-example-web", "name: "+pod,
		"tcp://db:5432", "tcp://127.0.0.1:5432",
		`"--wait-timeout", "2m"`, `"--wait-timeout", "60s"`,
	).Replace(string(manifest))
	for _, want := range []string{img, "tcp://127.0.0.1:5432", "name: " + pod, `"60s"`} {
		if !strings.Contains(yaml, want) {
			t.Fatalf("examples/kubernetes/pod.yaml changed: cannot point %q at the test's image, pod and port", want)
		}
	}
	file := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}

	pauseBefore := strings.TrimSpace(s.must(t, ctx, "images", "-q", "--filter", "reference=localhost/podman-pause"))
	playCtx, cancelPlay := context.WithCancel(ctx)
	type played struct {
		out string
		err error
	}
	done := make(chan played, 1)
	go func() {
		out, errOut, err := s.podman(playCtx, nil, "kube", "play", "--network", "none", file)
		done <- played{out + errOut, err}
	}()
	t.Cleanup(func() {
		cancelPlay()
		<-done
		rctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, errOut, err := s.podman(rctx, nil, "pod", "rm", "-f", "-t", "0", "--ignore", pod); err != nil {
			t.Errorf("cleanup: podman pod rm %s: %v\n%s", pod, err, errOut)
		}
		// kube play builds its infra image when there is none; remove it
		// only if this test made it.
		if pauseBefore == "" {
			if out, _, err := s.podman(rctx, nil, "images", "-q", "--filter", "reference=localhost/podman-pause"); err == nil {
				for _, id := range strings.Fields(out) {
					s.removeImage(t, id)
				}
			}
		}
	})

	gate, app := pod+"-wait-for-db", pod+"-web"
	var gatePid int
	waitUntil(t, time.Minute, "the init container to run initd wait", func() bool {
		select {
		case r := <-done:
			t.Fatalf("podman kube play returned before the gate opened: %v\n%s", r.err, r.out)
		default:
		}
		out, _, err := s.podman(ctx, nil, "inspect", "--format", "{{.State.Status}} {{.State.Pid}}", gate)
		f := strings.Fields(out)
		if err != nil || len(f) != 2 || f[0] != "running" {
			return false
		}
		gatePid, _ = strconv.Atoi(f[1])
		return gatePid > 0
	})
	// While the gate is closed the app must not run, however long we look.
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
		if st := appStatus(ctx, s, app); st == "running" || st == "exited" {
			t.Fatalf("app container is %s while the init container still waits", st)
		}
		select {
		case r := <-done:
			t.Fatalf("kube play returned while the gate was closed: %v\n%s", r.err, r.out)
		case <-time.After(200 * time.Millisecond):
		}
	}

	// Open the gate: a listener on 127.0.0.1:5432 in the pod's network
	// namespace (the init container's, shared by the pod).
	www := t.TempDir()
	listener := exec.Command("nsenter", "--net=/proc/"+strconv.Itoa(gatePid)+"/ns/net",
		busyboxPath, "httpd", "-f", "-p", "127.0.0.1:5432", "-h", www)
	opened := time.Now()
	if err := listener.Start(); err != nil {
		t.Fatalf("listener in the pod: %v", err)
	}
	t.Cleanup(func() {
		_ = listener.Process.Signal(syscall.SIGKILL)
		_ = listener.Wait()
	})

	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("podman kube play: %v\n%s", r.err, r.out)
		}
	case <-ctx.Done():
		t.Fatal("podman kube play did not return after the gate opened")
	}
	waitUntil(t, 30*time.Second, "the app container to run", func() bool {
		return appStatus(ctx, s, app) == "running"
	})
	started, err := strconv.ParseInt(s.inspect(t, ctx, app, "{{.State.StartedAt.UnixNano}}"), 10, 64)
	if err != nil {
		t.Fatalf("app StartedAt: %v", err)
	}
	if at := time.Unix(0, started); at.Before(opened) {
		t.Errorf("app started at %v, before the gate opened at %v", at, opened)
	}
	waitUntil(t, 30*time.Second, "the app to serve on :8080", func() bool {
		_, _, err := s.podman(ctx, nil, "exec", app, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/")
		return err == nil
	})
}

// appStatus is a container's state, or "" when it does not exist (yet).
func appStatus(ctx context.Context, s *podmanSuite, name string) string {
	out, _, err := s.podman(ctx, nil, "inspect", "--format", "{{.State.Status}}", name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}
