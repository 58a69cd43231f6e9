package integration

// Helpers shared by the podman and the Docker tests: an engine is one
// container engine's client (its path, the environment it runs in and the
// options its commands get) with the images the suite built under it. The
// suites (podmanSuite in podman_helpers_test.go, dockerSuite in
// docker_helpers_test.go) set an engine up and clean up after it; the
// checks in engine_test.go run under either.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// busyboxPath is the static busybox put into every test image (Debian's
// busybox-static installs it there).
const busyboxPath = "/bin/busybox"

// engine runs one container engine's client for a suite. Every name it
// makes (containers, images) starts with prefix.
type engine struct {
	cli    string   // the client's name in messages: "podman", "docker"
	path   string   // the client program
	env    []string // added to the test's environment for every command
	prefix string   // "initd-it-<random>"
	initd  string   // the static initd under test

	refPrefix string   // before the name of an image the suite builds: "localhost/" under podman
	buildOpts []string // options of every build (besides -t and the context)
	runOpts   []string // options of every run (besides --name)
	rmOpts    []string // remove a container, running or not: rm and options, before the name
	rmiOpts   []string // remove an image: rmi and options, before the reference
	// streams: logs writes the container's stdout and stderr to its own
	// stdout and stderr.
	streams bool

	mu     sync.Mutex
	images map[string]*engineImage
}

// engineImage is an image built at most once per suite.
type engineImage struct {
	once sync.Once
	ref  string
	err  error
}

// name is a container, pod or image name unique to this run.
func (e *engine) name(what string) string {
	return e.prefix + "-" + what
}

// client runs the engine's client with args and stdin. It returns stdout
// and stderr; err is an *exec.ExitError for a non-zero exit status.
func (e *engine) client(ctx context.Context, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	return e.run(ctx, stdin, nil, e.path, args...)
}

// run runs prog with the engine's environment plus env.
func (e *engine) run(ctx context.Context, stdin io.Reader, env []string, prog string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = append(append(os.Environ(), e.env...), env...)
	cmd.Stdin = stdin
	var o, es bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &es
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	return o.String(), es.String(), err
}

// must runs the client and fails the test unless it exits 0; it returns
// stdout.
func (e *engine) must(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	out, errOut, err := e.client(ctx, nil, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", e.cli, strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// status runs the client and returns its exit status (run passes on the
// container's), stdout and stderr. It fails the test if the client could
// not run at all or ctx ended first.
func (e *engine) status(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	out, errOut, err := e.client(ctx, nil, args...)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out, errOut
	case ctx.Err() != nil:
		t.Fatalf("%s %s: %v (%v)\nstdout:\n%s\nstderr:\n%s", e.cli, strings.Join(args, " "), err, ctx.Err(), out, errOut)
	case errors.As(err, &ee):
		return ee.ExitCode(), out, errOut
	default:
		t.Fatalf("%s %s: %v", e.cli, strings.Join(args, " "), err)
	}
	return -1, "", ""
}

// image returns the reference of the suite's image called what, building
// it on first use from the files of dir (relative to integration/) plus
// busybox and initd, with dir's Dockerfile.
func (e *engine) image(t *testing.T, what, dir string) string {
	t.Helper()
	e.mu.Lock()
	img, ok := e.images[what]
	if !ok {
		img = &engineImage{}
		e.images[what] = img
	}
	e.mu.Unlock()
	img.once.Do(func() {
		img.ref, img.err = e.build(ctxFor(t, 3*time.Minute), what, dir, nil)
	})
	if img.err != nil {
		t.Fatal(img.err)
	}
	return img.ref
}

// derive builds an image FROM base with the given Dockerfile lines, for
// the test t alone: it is removed when t ends.
func (e *engine) derive(t *testing.T, ctx context.Context, what, base string, lines ...string) string {
	t.Helper()
	dockerfile := "FROM " + base + "\n" + strings.Join(lines, "\n") + "\n"
	ref, err := e.build(ctx, what, "", []byte(dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.removeImage(t, ref) })
	return ref
}

// imageRef is the reference of the suite's image called what.
func (e *engine) imageRef(what string) string {
	return e.refPrefix + e.name(what) + ":latest"
}

// build makes a context directory (the files of dir, busybox, initd, or
// only the given Dockerfile) and builds it as the image called what.
func (e *engine) build(ctx context.Context, what, dir string, dockerfile []byte) (string, error) {
	tmp, err := os.MkdirTemp("", "initd-"+e.cli+"-ctx-")
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
			copyFile(e.initd, filepath.Join(tmp, "initd")),
		)
	}
	if err != nil {
		return "", fmt.Errorf("build %s: context from %q: %w", what, dir, err)
	}
	ref := e.imageRef(what)
	// Register the image for removal before it exists: a build that fails
	// half way may still leave it.
	e.mu.Lock()
	if _, ok := e.images[what]; !ok {
		e.images[what] = &engineImage{ref: ref}
	}
	e.mu.Unlock()
	args := append(append([]string{"build"}, e.buildOpts...), "-t", ref, tmp)
	out, errOut, err := e.client(ctx, nil, args...)
	if err != nil {
		return "", fmt.Errorf("%s build %s from %q: %w\n%s%s", e.cli, what, dir, err, out, errOut)
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

// runArgs is a run command line: the engine's run options, the container's
// name, then opts (more options, the image, the command).
func (e *engine) runArgs(name string, opts ...string) []string {
	args := append(append([]string{"run"}, e.runOpts...), "--name", name)
	return append(args, opts...)
}

// start runs a detached container called <prefix>-<what> with the given
// run arguments (options, image, command) and removes it when t ends. It
// returns the container's name.
func (e *engine) start(t *testing.T, ctx context.Context, what string, args ...string) string {
	t.Helper()
	name := e.name(what)
	t.Cleanup(func() { e.removeContainer(t, name) })
	e.must(t, ctx, e.runArgs(name, append([]string{"-d"}, args...)...)...)
	return name
}

// logs is what the container wrote so far, stdout and stderr together.
func (e *engine) logs(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	out, errOut, err := e.client(ctx, nil, "logs", name)
	if err != nil {
		t.Fatalf("%s logs %s: %v\n%s", e.cli, name, err, errOut)
	}
	return out + errOut
}

// waitLogs waits until the container's logs contain want.
func (e *engine) waitLogs(t *testing.T, ctx context.Context, name, want string, d time.Duration) {
	t.Helper()
	e.waitLogsFunc(t, ctx, name, fmt.Sprintf("%q in the logs of %s", want, name), d, func(logs string) bool {
		return strings.Contains(logs, want)
	})
}

// waitLine waits until the container's logs have line as a whole line:
// initd's start line quotes an inline script, whose words must not count.
func (e *engine) waitLine(t *testing.T, ctx context.Context, name, line string, d time.Duration) {
	t.Helper()
	e.waitLogsFunc(t, ctx, name, fmt.Sprintf("the line %q in the logs of %s", line, name), d, func(logs string) bool {
		return hasLine(logs, line)
	})
}

// waitLogsFunc waits until ok says yes to the container's logs, which it
// shows should the test fail.
func (e *engine) waitLogsFunc(t *testing.T, ctx context.Context, name, what string, d time.Duration, ok func(logs string) bool) {
	t.Helper()
	var last string
	defer func() {
		if t.Failed() {
			t.Logf("logs of %s:\n%s", name, last)
		}
	}()
	waitUntil(t, d, what, func() bool {
		last = e.logs(t, ctx, name)
		return ok(last)
	})
}

// hasLine reports whether text has line as one of its lines.
func hasLine(text, line string) bool {
	return slices.Contains(strings.Split(text, "\n"), line)
}

// inspect returns one field of inspect, formatted with format.
func (e *engine) inspect(t *testing.T, ctx context.Context, name, format string) string {
	t.Helper()
	return strings.TrimSpace(e.must(t, ctx, "inspect", "--format", format, name))
}

// exitCode waits for the container to stop and returns its exit status.
func (e *engine) exitCode(t *testing.T, ctx context.Context, name string) int {
	t.Helper()
	out := strings.TrimSpace(e.must(t, ctx, "wait", name))
	code, err := strconv.Atoi(out)
	if err != nil {
		t.Fatalf("%s wait %s: %q: %v", e.cli, name, out, err)
	}
	return code
}

// stopTimed stops the container with the client's stop and a timeout of 30 s,
// waits for it and returns its exit status and how long stop took.
func (e *engine) stopTimed(t *testing.T, ctx context.Context, name string) (code int, elapsed time.Duration) {
	t.Helper()
	begin := time.Now()
	e.must(t, ctx, "stop", "-t", "30", name)
	elapsed = time.Since(begin)
	return e.exitCode(t, ctx, name), elapsed
}

// removeContainer removes a container, running or not, without waiting;
// one that is not there is no error.
func (e *engine) removeContainer(t *testing.T, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, errOut, err := e.client(ctx, nil, append(slices.Clone(e.rmOpts), name)...); err != nil && !strings.Contains(errOut, "No such container") {
		t.Errorf("cleanup: %s %s %s: %v\n%s", e.cli, strings.Join(e.rmOpts, " "), name, err, errOut)
	}
}

// removeImage removes an image; one that is not there is no error.
func (e *engine) removeImage(t *testing.T, ref string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, errOut, err := e.client(ctx, nil, append(slices.Clone(e.rmiOpts), ref)...); err != nil && !strings.Contains(errOut, "No such image") {
		t.Errorf("cleanup: %s %s %s: %v\n%s", e.cli, strings.Join(e.rmiOpts, " "), ref, err, errOut)
	}
}

// zombies counts the processes in state Z in the output of busybox
// ps -o pid,ppid,stat,args.
func zombies(ps string) int {
	n := 0
	for _, line := range strings.Split(ps, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.HasPrefix(f[2], "Z") {
			n++
		}
	}
	return n
}

// waitNoZombies waits until ps inside the container shows no zombie and
// returns what ps showed last, which it shows should the test fail.
func (e *engine) waitNoZombies(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	var ps string
	defer func() {
		if t.Failed() {
			t.Logf("ps inside %s:\n%s", name, ps)
		}
	}()
	waitUntil(t, 10*time.Second, "no zombie left in the container", func() bool {
		ps = e.must(t, ctx, "exec", name, "ps", "-o", "pid,ppid,stat,args")
		return zombies(ps) == 0
	})
	return ps
}
