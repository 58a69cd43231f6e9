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

// kubeManifests are the examples/kubernetes manifests kube play runs:
// the app's pod is POD plus podSuffix.
var kubeManifests = []struct {
	file, podSuffix string
	limits          []string // in the app command's environment
}{
	{"pod.yaml", "", nil},
	{"deployment.yaml", "-pod-0", []string{"INITD_MEMORY_LIMIT_BYTES=134217728", "INITD_CPU_LIMIT=0.5"}},
}

// testExampleKubePlay plays a manifest with the example image and
// tcp://db:5432 pointed at the pod's own loopback, where nothing listens
// until the test opens the port from outside (nsenter into the pod's
// network namespace). kube play runs init containers to completion before
// it starts the app, so it returns only after the gate opened.
//
// Besides image, name, target and timeout, two things are adapted to
// podman 4.3: containerPort needs a network there (the tests have none),
// and under restartPolicy Always it restarts the finished init container
// and fails; OnFailure behaves as Kubernetes does for init containers.
func testExampleKubePlay(t *testing.T, s *podmanSuite, file, podSuffix string, limits []string) {
	ctx := ctxFor(t, 3*time.Minute)
	img := exampleWeb(t, s.engine)
	name := s.name("kube-" + strings.TrimSuffix(file, ".yaml"))
	pod := name + podSuffix

	manifest, err := os.ReadFile(filepath.Join("../examples/kubernetes", file))
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.NewReplacer(
		"localhost/initd-example-web:latest", img,
		"imagePullPolicy: IfNotPresent", "imagePullPolicy: Never",
		"name: initd-example-web", "name: "+name,
		"tcp://db:5432", "tcp://127.0.0.1:5432",
		`"--wait-timeout", "2m"`, `"--wait-timeout", "60s"`,
		"replicas: 2", "replicas: 1",
		"\nspec:\n", "\nspec:\n  restartPolicy: OnFailure\n",
		"\n    spec:\n", "\n    spec:\n      restartPolicy: OnFailure\n",
		"      ports:\n        - containerPort: 8080\n", "",
		"          ports:\n            - containerPort: 8080\n", "",
	).Replace(string(manifest))
	for _, want := range []string{img, "tcp://127.0.0.1:5432", "name: " + name, `"60s"`, "restartPolicy: OnFailure"} {
		if !strings.Contains(yaml, want) {
			t.Fatalf("examples/kubernetes/%s changed: cannot set %q for the test", file, want)
		}
	}
	if strings.Contains(yaml, "containerPort") {
		t.Fatalf("examples/kubernetes/%s changed: cannot drop ports for --network none", file)
	}
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}

	playCtx, cancelPlay := context.WithCancel(ctx)
	// played is closed when kube play has returned, with its output and
	// error in playOut and playErr.
	played := make(chan struct{})
	var playOut string
	var playErr error
	go func() {
		defer close(played)
		out, errOut, err := s.client(playCtx, nil, "kube", "play", "--network", "none", path)
		playOut, playErr = out+errOut, err
	}()
	t.Cleanup(func() {
		cancelPlay()
		<-played
		s.removePod(t, pod)
	})

	gate, app := pod+"-wait-for-db", pod+"-web"
	var gatePid int
	waitUntil(t, time.Minute, "the init container to run initd wait", func() bool {
		select {
		case <-played:
			t.Fatalf("podman kube play returned before the gate opened: %v\n%s", playErr, playOut)
		default:
		}
		out, _, err := s.client(ctx, nil, "inspect", "--format", "{{.State.Status}} {{.State.Pid}}", gate)
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
		case <-played:
			t.Fatalf("kube play returned while the gate was closed: %v\n%s", playErr, playOut)
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
	case <-played:
		if playErr != nil {
			t.Fatalf("podman kube play: %v\n%s", playErr, playOut)
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
		_, _, err := s.client(ctx, nil, "exec", app, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/")
		return err == nil
	})
	if len(limits) > 0 {
		// initd passes the limit variables to its child, httpd.
		env := s.must(t, ctx, "exec", app, "sh", "-c", `tr '\0' '\n' </proc/$(pidof httpd)/environ`)
		for _, want := range limits {
			if !strings.Contains("\n"+env, "\n"+want+"\n") {
				t.Errorf("the app's environment lacks %s (resources.limits):\n%s", want, env)
			}
		}
	}
}

// appStatus is a container's state, or "" when it does not exist (yet).
func appStatus(ctx context.Context, s *podmanSuite, name string) string {
	out, _, err := s.client(ctx, nil, "inspect", "--format", "{{.State.Status}}", name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}
