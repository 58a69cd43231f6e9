package integration

// Helpers for the podman tests (podman_test.go): a podmanSuite is an
// engine (engine_helpers_test.go) running podman with the suite's
// configuration (testdata/podman/containers.conf, pointed at with
// CONTAINERS_CONF). It builds each image once from a temporary context
// holding busybox-static and the initd under test, names everything it
// makes with a per-run prefix and removes it all when the test ends.
// Nothing is pulled: every image is built FROM scratch or FROM another
// image of the suite.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// podmanSuite is what the podman subtests share. It belongs to one
// top-level test, whose cleanup removes every image, container and pod the
// suite made, after all (parallel) subtests have finished.
type podmanSuite struct {
	*engine
	conf string // absolute path of testdata/podman/containers.conf

	// pauseImage: whether kube play's infra image (localhost/podman-pause)
	// existed before the suite; if not, the suite removes it at the end.
	pauseImage bool
}

// pauseImageRef is the infra image podman kube play builds when missing.
const pauseImageRef = "localhost/podman-pause"

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
	prefix := "initd-it-" + hex.EncodeToString(id[:])
	label := "io.initd.it=" + prefix
	s := &podmanSuite{
		engine: &engine{
			cli:    "podman",
			path:   "podman",
			env:    []string{"CONTAINERS_CONF=" + conf},
			prefix: prefix,
			initd:  initdBinary(t),
			// Images of the suite are built in docker format: the OCI
			// format has no HEALTHCHECK.
			refPrefix: "localhost/",
			buildOpts: []string{"--pull=never", "--format", "docker", "--network", "none", "--label", label},
			runOpts:   []string{"--pull=never", "--network", "none", "--label", label},
			rmOpts:    []string{"rm", "-f", "-t", "0", "--ignore"},
			rmiOpts:   []string{"rmi", "-f", "--ignore"},
			images:    map[string]*engineImage{},
		},
		conf: conf,
	}
	ctx := ctxFor(t, 2*time.Minute)
	if out, _, err := s.client(ctx, nil, "info", "--format", "{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}"); err != nil {
		skipOrFail(t, "podman info with %s: %v", conf, err)
	} else if strings.TrimSpace(out) != "runc cgroupfs" {
		t.Fatalf("podman info: runtime and cgroup manager are %q, want runc cgroupfs from %s", out, conf)
	}
	s.sweepStale(t, ctx)
	out, _, err := s.client(ctx, nil, "images", "-q", "--filter", "reference="+pauseImageRef)
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
	if out, _, err := s.client(ctx, nil, "ps", "-a", "-q", "--filter", "label=io.initd.it", "--filter", "until="+staleAge); err == nil {
		for _, id := range strings.Fields(out) {
			s.removeContainer(t, id)
		}
	}
	if out, _, err := s.client(ctx, nil, "images", "-q", "--filter", "label=io.initd.it", "--filter", "until="+staleAge); err == nil {
		for _, id := range strings.Fields(out) {
			s.removeImage(t, id)
		}
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
		if _, errOut, err = s.client(ctx, nil, "pod", "rm", "-f", "-t", "0", "--ignore", name); err == nil {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(try+1) * 200 * time.Millisecond):
		}
	}
	t.Errorf("cleanup: podman pod rm %s: %v\n%s", name, err, errOut)
}

// cleanup removes whatever the suite left: containers and pods by label
// or name, then its images.
func (s *podmanSuite) cleanup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, _, err := s.client(ctx, nil, "pod", "ps", "-q", "--filter", "name="+s.prefix); err == nil {
		for _, id := range strings.Fields(out) {
			s.removePod(t, id)
		}
	}
	if out, _, err := s.client(ctx, nil, "ps", "-a", "-q", "--filter", "label=io.initd.it="+s.prefix); err == nil {
		for _, id := range strings.Fields(out) {
			s.removeContainer(t, id)
		}
	}
	s.mu.Lock()
	var refs []string
	for what, img := range s.images {
		ref := img.ref
		if ref == "" {
			ref = s.imageRef(what)
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
		if out, _, err := s.client(ctx, nil, "images", "-q", "--filter", "reference="+pauseImageRef); err == nil {
			for _, id := range strings.Fields(out) {
				if _, errOut, err := s.client(ctx, nil, "rmi", "--ignore", id); err != nil {
					t.Logf("cleanup: kube play's infra image %s stays: %v\n%s", id, err, errOut)
				}
			}
		}
	}
	// Intermediate images of failed builds carry the label too.
	if out, _, err := s.client(ctx, nil, "images", "-a", "-q", "--filter", "label=io.initd.it="+s.prefix); err == nil {
		for _, id := range strings.Fields(out) {
			s.removeImage(t, id)
		}
	}
}
