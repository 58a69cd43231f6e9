package integration

// Helpers for the podman tests (podman_test.go): a podmanSuite owns the
// podman configuration (testdata/podman/containers.conf, pointed at with
// CONTAINERS_CONF), builds each image once from a temporary context holding
// busybox-static and the initd under test, names everything it makes with a
// per-run prefix and removes it all when the test ends. Nothing is pulled:
// every image is built FROM scratch or FROM another image of the suite.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// busyboxPath is the static busybox put into every test image (Debian's
// busybox-static installs it there).
const busyboxPath = "/bin/busybox"

// podmanSuite is what the podman subtests share. It belongs to one
// top-level test, whose cleanup removes every image, container and pod the
// suite made, after all (parallel) subtests have finished.
type podmanSuite struct {
	conf   string // absolute path of testdata/podman/containers.conf
	prefix string // "initd-it-<random>": every name the suite makes starts with it
	initd  string // the static initd under test

	// pauseImage: whether kube play's infra image (localhost/podman-pause)
	// existed before the suite; if not, the suite removes it at the end.
	pauseImage bool

	mu     sync.Mutex
	images map[string]*podmanImage
}

// pauseImageRef is the infra image podman kube play builds when missing.
const pauseImageRef = "localhost/podman-pause"

// podmanImage is an image built at most once per suite.
type podmanImage struct {
	once sync.Once
	ref  string
	err  error
}

// newPodmanSuite checks that podman can run here (root, podman, runc, a
// static busybox), and returns a suite whose images are removed when t ends.
func newPodmanSuite(t *testing.T) *podmanSuite {
	t.Helper()
	needRoot(t)
	for _, tool := range []string{"podman", "runc", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, "podman tests need %s: %v (apt-get install podman runc)", tool, err)
		}
	}
	if _, err := os.Stat(busyboxPath); err != nil {
		skipOrFail(t, "podman tests need a static busybox at %s: %v (apt-get install busybox-static)", busyboxPath, err)
	}
	conf, err := filepath.Abs(filepath.Join("testdata", "podman", "containers.conf"))
	if err != nil {
		t.Fatal(err)
	}
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		t.Fatal(err)
	}
	s := &podmanSuite{
		conf:   conf,
		prefix: "initd-it-" + hex.EncodeToString(id[:]),
		initd:  initdBinary(t),
		images: map[string]*podmanImage{},
	}
	ctx := podmanContext(t, 2*time.Minute)
	if out, _, err := s.podman(ctx, nil, "info", "--format", "{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}"); err != nil {
		skipOrFail(t, "podman info with %s: %v", conf, err)
	} else if strings.TrimSpace(out) != "runc cgroupfs" {
		t.Fatalf("podman info: runtime and cgroup manager are %q, want runc cgroupfs from %s", out, conf)
	}
	s.sweepStale(t, ctx)
	out, _, err := s.podman(ctx, nil, "images", "-q", "--filter", "reference="+pauseImageRef)
	if err != nil {
		t.Fatalf("podman images: %v", err)
	}
	s.pauseImage = strings.TrimSpace(out) != ""
	t.Cleanup(func() { s.cleanup(t) })
	return s
}

// staleAge is how old a labelled container or image of an earlier run
// must be before a new run removes it: older than any run, so a run going
// on in parallel never loses its own.
const staleAge = "2h"

// sweepStale removes containers and images that earlier runs left because
// they were killed before their cleanup ran.
func (s *podmanSuite) sweepStale(t *testing.T, ctx context.Context) {
	if out, _, err := s.podman(ctx, nil, "ps", "-a", "-q", "--filter", "label=io.initd.it", "--filter", "until="+staleAge); err == nil {
		for _, id := range strings.Fields(out) {
			s.removeContainer(t, id)
		}
	}
	if out, _, err := s.podman(ctx, nil, "images", "-q", "--filter", "label=io.initd.it", "--filter", "until="+staleAge); err == nil {
		for _, id := range strings.Fields(out) {
			s.removeImage(t, id)
		}
	}
}

// podmanContext is a context for podman commands, cancelled when the test
// ends or after d.
func podmanContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// name is a container, pod or image name unique to this run.
func (s *podmanSuite) name(what string) string {
	return s.prefix + "-" + what
}

// podman runs podman with args and stdin, with the suite's containers.conf.
// It returns stdout and stderr; err is an *exec.ExitError for a non-zero
// exit status.
func (s *podmanSuite) podman(ctx context.Context, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, "podman", args...)
	cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+s.conf)
	cmd.Stdin = stdin
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	return o.String(), e.String(), err
}

// must runs podman and fails the test unless it exits 0; it returns stdout.
func (s *podmanSuite) must(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	out, errOut, err := s.podman(ctx, nil, args...)
	if err != nil {
		t.Fatalf("podman %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// status runs podman and returns its exit status (podman run passes on the
// container's), stdout and stderr. It fails the test if podman could not
// run at all or ctx ended first.
func (s *podmanSuite) status(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	out, errOut, err := s.podman(ctx, nil, args...)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out, errOut
	case ctx.Err() != nil:
		t.Fatalf("podman %s: %v (%v)\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, ctx.Err(), out, errOut)
	case errors.As(err, &ee):
		return ee.ExitCode(), out, errOut
	default:
		t.Fatalf("podman %s: %v", strings.Join(args, " "), err)
	}
	return -1, "", ""
}

// image returns the reference of the suite's image called what, building
// it on first use from the files of dir (relative to integration/) plus
// busybox and initd, with dir's Dockerfile. Images of the suite are built
// in docker format: the OCI format has no HEALTHCHECK.
func (s *podmanSuite) image(t *testing.T, what, dir string) string {
	t.Helper()
	s.mu.Lock()
	img, ok := s.images[what]
	if !ok {
		img = &podmanImage{}
		s.images[what] = img
	}
	s.mu.Unlock()
	img.once.Do(func() {
		img.ref, img.err = s.build(podmanContext(t, 3*time.Minute), what, dir, nil)
	})
	if img.err != nil {
		t.Fatal(img.err)
	}
	return img.ref
}

// derive builds an image FROM base with the given Dockerfile lines, for
// the test t alone: it is removed when t ends.
func (s *podmanSuite) derive(t *testing.T, ctx context.Context, what, base string, lines ...string) string {
	t.Helper()
	dockerfile := "FROM " + base + "\n" + strings.Join(lines, "\n") + "\n"
	ref, err := s.build(ctx, what, "", []byte(dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.removeImage(t, ref) })
	return ref
}

// build makes a context directory (the files of dir, busybox, initd, or
// only the given Dockerfile) and builds it as localhost/<prefix>-<what>.
func (s *podmanSuite) build(ctx context.Context, what, dir string, dockerfile []byte) (string, error) {
	tmp, err := os.MkdirTemp("", "initd-podman-ctx-")
	if err != nil {
		return "", fmt.Errorf("build %s: %w", what, err)
	}
	defer os.RemoveAll(tmp)
	if dockerfile != nil {
		err = os.WriteFile(filepath.Join(tmp, "Dockerfile"), dockerfile, 0o644)
	} else {
		err = errors.Join(
			os.CopyFS(tmp, os.DirFS(dir)),
			copyFile(busyboxPath, filepath.Join(tmp, "busybox")),
			copyFile(s.initd, filepath.Join(tmp, "initd")),
		)
	}
	if err != nil {
		return "", fmt.Errorf("build %s: context from %q: %w", what, dir, err)
	}
	ref := "localhost/" + s.name(what) + ":latest"
	// Register the image for removal before it exists: a build that fails
	// half way may still leave it.
	s.mu.Lock()
	if _, ok := s.images[what]; !ok {
		s.images[what] = &podmanImage{ref: ref}
	}
	s.mu.Unlock()
	out, errOut, err := s.podman(ctx, nil, "build", "--pull=never", "--format", "docker", "--network", "none",
		"--label", "io.initd.it="+s.prefix, "-t", ref, tmp)
	if err != nil {
		return "", fmt.Errorf("podman build %s from %q: %w\n%s%s", what, dir, err, out, errOut)
	}
	return ref, nil
}

// copyFile copies src to dst, keeping the executable bits.
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, fi.Mode().Perm())
}

// start runs a detached container called <prefix>-<what> with the given
// podman run arguments (options, image, command) and removes it when t ends.
// It returns the container's name.
func (s *podmanSuite) start(t *testing.T, ctx context.Context, what string, args ...string) string {
	t.Helper()
	name := s.name(what)
	t.Cleanup(func() { s.removeContainer(t, name) })
	s.must(t, ctx, append([]string{"run", "-d", "--pull=never", "--network", "none",
		"--label", "io.initd.it=" + s.prefix, "--name", name}, args...)...)
	return name
}

// logs is what the container wrote so far, stdout and stderr together.
func (s *podmanSuite) logs(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	out, errOut, err := s.podman(ctx, nil, "logs", name)
	if err != nil {
		t.Fatalf("podman logs %s: %v\n%s", name, err, errOut)
	}
	return out + errOut
}

// waitLogs waits until the container's logs contain want.
func (s *podmanSuite) waitLogs(t *testing.T, ctx context.Context, name, want string, d time.Duration) {
	t.Helper()
	var last string
	defer func() {
		if t.Failed() {
			t.Logf("logs of %s:\n%s", name, last)
		}
	}()
	waitUntil(t, d, fmt.Sprintf("%q in the logs of %s", want, name), func() bool {
		last = s.logs(t, ctx, name)
		return strings.Contains(last, want)
	})
}

// inspect returns one field of podman inspect, formatted with format.
func (s *podmanSuite) inspect(t *testing.T, ctx context.Context, name, format string) string {
	t.Helper()
	return strings.TrimSpace(s.must(t, ctx, "inspect", "--format", format, name))
}

// exitCode waits for the container to stop and returns its exit status.
func (s *podmanSuite) exitCode(t *testing.T, ctx context.Context, name string) int {
	t.Helper()
	out := strings.TrimSpace(s.must(t, ctx, "wait", name))
	code, err := strconv.Atoi(out)
	if err != nil {
		t.Fatalf("podman wait %s: %q: %v", name, out, err)
	}
	return code
}

// removeContainer removes a container, running or not, without waiting.
func (s *podmanSuite) removeContainer(t *testing.T, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, errOut, err := s.podman(ctx, nil, "rm", "-f", "-t", "0", "--ignore", name); err != nil {
		t.Errorf("cleanup: podman rm %s: %v\n%s", name, err, errOut)
	}
}

// removePod removes a pod and its containers. podman 4.3 sometimes fails
// to stop a pod's container that has just exited ("container state
// improper") and succeeds when asked again, so it tries a few times.
func (s *podmanSuite) removePod(t *testing.T, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errOut string
	var err error
	for try := 0; try < 5; try++ {
		if _, errOut, err = s.podman(ctx, nil, "pod", "rm", "-f", "-t", "0", "--ignore", name); err == nil {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(try+1) * 200 * time.Millisecond):
		}
	}
	t.Errorf("cleanup: podman pod rm %s: %v\n%s", name, err, errOut)
}

// removeImage removes an image if it exists.
func (s *podmanSuite) removeImage(t *testing.T, ref string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, errOut, err := s.podman(ctx, nil, "rmi", "-f", "--ignore", ref); err != nil {
		t.Errorf("cleanup: podman rmi %s: %v\n%s", ref, err, errOut)
	}
}

// cleanup removes whatever the suite left: containers and pods by label
// or name, then its images.
func (s *podmanSuite) cleanup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, _, err := s.podman(ctx, nil, "pod", "ps", "-q", "--filter", "name="+s.prefix); err == nil {
		for _, id := range strings.Fields(out) {
			s.removePod(t, id)
		}
	}
	if out, _, err := s.podman(ctx, nil, "ps", "-a", "-q", "--filter", "label=io.initd.it="+s.prefix); err == nil {
		for _, id := range strings.Fields(out) {
			s.removeContainer(t, id)
		}
	}
	s.mu.Lock()
	var refs []string
	for what, img := range s.images {
		ref := img.ref
		if ref == "" {
			ref = "localhost/" + s.name(what) + ":latest"
		}
		refs = append(refs, ref)
	}
	s.mu.Unlock()
	for _, ref := range refs {
		s.removeImage(t, ref)
	}
	if !s.pauseImage {
		// Not forced: a pod of another run going on at the same time may
		// use it, and rmi -f would remove that pod's infra container.
		if out, _, err := s.podman(ctx, nil, "images", "-q", "--filter", "reference="+pauseImageRef); err == nil {
			for _, id := range strings.Fields(out) {
				if _, errOut, err := s.podman(ctx, nil, "rmi", "--ignore", id); err != nil {
					t.Logf("cleanup: kube play's infra image %s stays: %v\n%s", id, err, errOut)
				}
			}
		}
	}
	// Intermediate images of failed builds carry the label too.
	if out, _, err := s.podman(ctx, nil, "images", "-a", "-q", "--filter", "label=io.initd.it="+s.prefix); err == nil {
		for _, id := range strings.Fields(out) {
			s.removeImage(t, id)
		}
	}
}
