package integration

// Helpers for the Docker tests (docker_test.go): a dockerSuite starts a
// Docker daemon of its own (Debian's docker.io) for one top-level test,
// with its own data root, exec root, socket and configuration file, and
// with --init-path pointing at the initd under test, so that `docker run
// --init` runs initd in tini's place. It builds each image once from a
// temporary context holding busybox-static and the initd under test, and
// stops the daemon by its pid when the test ends, failed or not. Nothing
// is pulled: every image is built FROM scratch or FROM another image of
// the suite. No other daemon is touched: every docker and docker-compose
// command gets DOCKER_HOST pointing at the suite's socket.

import (
	"bufio"
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
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// dockerClient is the docker command the tests run: the client of
// Debian's docker.io, of the same version (20.10) as its dockerd. It is
// named by its absolute path because a newer client elsewhere on PATH
// (/usr/local/bin/docker on some machine images) talks to the 20.10 daemon
// only through API version negotiation and, without buildx, builds with a
// deprecation notice; the tests want the pair that test.sh installs.
const dockerClient = "/usr/bin/docker"

// dockerSuite is what the Docker subtests share: one daemon and the
// images built under it.
type dockerSuite struct {
	root   string // temporary directory: data root, exec root, socket, logs
	host   string // DOCKER_HOST: unix://<root>/s
	prefix string // "initd-it-<random>": every name the suite makes starts with it
	initd  string // the static initd under test, also the daemon's init

	daemon *exec.Cmd
	exited chan struct{} // closed when the daemon has exited
	logf   string        // the daemon's own log

	mu     sync.Mutex
	images map[string]*podmanImage
}

// newDockerSuite checks that Docker can run here (root, dockerd, the
// client, containerd, runc, a static busybox), starts the suite's daemon
// and returns the suite. The daemon is stopped and its directories are
// removed when t ends.
func newDockerSuite(t *testing.T) *dockerSuite {
	t.Helper()
	needRoot(t)
	for _, tool := range []string{"dockerd", dockerClient, "containerd", "runc"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, "Docker tests need %s: %v (apt-get install docker.io)", tool, err)
		}
	}
	if _, err := os.Stat(busyboxPath); err != nil {
		skipOrFail(t, "Docker tests need a static busybox at %s: %v (apt-get install busybox-static)", busyboxPath, err)
	}
	sweepStaleDaemonDirs(t)
	// A short root: the daemon's and containerd's unix sockets live under
	// it, and a socket path is limited to 107 bytes.
	root, err := os.MkdirTemp("", dockerRootPattern)
	if err != nil {
		t.Fatal(err)
	}
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		t.Fatal(err)
	}
	s := &dockerSuite{
		root:   root,
		host:   "unix://" + filepath.Join(root, "s"),
		prefix: "initd-it-" + hex.EncodeToString(id[:]),
		initd:  initdBinary(t),
		logf:   filepath.Join(root, "dockerd.log"),
		images: map[string]*podmanImage{},
	}
	t.Cleanup(func() { s.stop(t) })
	if err := s.startDaemon(); err != nil {
		skipOrFail(t, "start dockerd: %v", err)
	}
	return s
}

// dockerRootPattern names the suite's temporary directory.
const dockerRootPattern = "idk-"

// sweepStaleDaemonDirs removes what earlier runs left when they were
// killed before their cleanup ran: directories of the suite older than
// staleAge whose daemon is gone (it got SIGTERM when the test process
// died).
func sweepStaleDaemonDirs(t *testing.T) {
	age, err := time.ParseDuration(staleAge)
	if err != nil {
		t.Fatal(err)
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dockerRootPattern+"*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < age {
			continue
		}
		if pid := readPid(filepath.Join(dir, "dockerd.pid")); pid > 0 && processRunning(pid) {
			continue
		}
		for _, m := range mountsUnder(dir) {
			syscall.Unmount(m, syscall.MNT_DETACH)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("stale %s: %v", dir, err)
		}
	}
}

// startDaemon runs dockerd and waits until it answers. The daemon starts its own
// containerd under the exec root and stops it when it stops.
func (s *dockerSuite) startDaemon() error {
	conf := filepath.Join(s.root, "daemon.json")
	if err := os.WriteFile(conf, []byte("{}\n"), 0o644); err != nil {
		return err
	}
	logFile, err := os.Create(s.logf)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command("dockerd",
		"--config-file", conf, // not /etc/docker/daemon.json
		"--data-root", filepath.Join(s.root, "d"),
		"--exec-root", filepath.Join(s.root, "x"),
		"--pidfile", filepath.Join(s.root, "dockerd.pid"),
		"-H", s.host,
		// No network: no bridge, no iptables rules on the host.
		"--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
		// vfs works on any filesystem, overlay or not, and needs no
		// kernel module; it copies every layer, so the images are small.
		"--storage-driver=vfs",
		"--init-path", s.initd,
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so a ^C of the test run reaches the test,
	// whose cleanup stops the daemon in order; and SIGTERM should the test
	// process die without cleaning up (a -timeout panic).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.daemon = cmd
	s.exited = make(chan struct{})
	go func() {
		cmd.Wait()
		close(s.exited)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		_, _, err := s.docker(ctx, nil, "version", "--format", "{{.Server.Version}}")
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("dockerd exited at start (%v)\n%s", cmd.ProcessState, s.daemonLog(30))
		case <-ctx.Done():
			return fmt.Errorf("dockerd does not answer on %s after a minute: %v\n%s", s.host, err, s.daemonLog(30))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// daemonLog is the last n lines of the daemon's log that are not at
// level info (of which it writes many).
func (s *dockerSuite) daemonLog(n int) string {
	b, err := os.ReadFile(s.logf)
	if err != nil {
		return err.Error()
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if !strings.Contains(l, " level=info ") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// stop removes the suite's containers and stops its daemon by pid: TERM,
// which stops its containers and its containerd, then KILL if it is still
// there after 30 s. Then it unmounts whatever is left under the root and
// removes it.
func (s *dockerSuite) stop(t *testing.T) {
	if s.daemon != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if out, _, err := s.docker(ctx, nil, "ps", "-a", "-q"); err == nil {
			if ids := strings.Fields(out); len(ids) > 0 {
				s.docker(ctx, nil, append([]string{"rm", "-f", "-v"}, ids...)...)
			}
		}
		cancel()
		containerd := readPid(filepath.Join(s.root, "x", "containerd", "containerd.pid"))
		s.daemon.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			t.Errorf("cleanup: dockerd (pid %d) still running 30s after SIGTERM; killing it\n%s", s.daemon.Process.Pid, s.daemonLog(30))
			s.daemon.Process.Kill()
			<-s.exited
		}
		// The daemon stops the containerd it started; should it not have,
		// that containerd is ours to end.
		if containerd > 0 && processRunning(containerd) && strings.HasPrefix(procCmdline(containerd), "containerd") {
			t.Errorf("cleanup: containerd (pid %d) outlived dockerd; killing it", containerd)
			syscall.Kill(containerd, syscall.SIGKILL)
		}
		if t.Failed() {
			t.Logf("dockerd log (end):\n%s", s.daemonLog(60))
		}
	}
	for _, m := range mountsUnder(s.root) {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
			t.Logf("cleanup: unmount %s: %v", m, err)
		}
	}
	if err := os.RemoveAll(s.root); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

// readPid reads a pid file; 0 if there is none.
func readPid(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// procCmdline is the base name of pid's program and its arguments,
// space-separated.
func procCmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return filepath.Base(strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " "))
}

// mountsUnder lists the mount points under dir, deepest first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var ms []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			ms = append(ms, fields[4])
		}
	}
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms
}

// env is the environment of docker and docker-compose: the suite's
// daemon, a client configuration of its own, and the classic builder
// (Debian's client has no buildx).
func (s *dockerSuite) env() []string {
	return append(os.Environ(),
		"DOCKER_HOST="+s.host,
		"DOCKER_CONFIG="+filepath.Join(s.root, "client"),
		"DOCKER_BUILDKIT=0",
	)
}

// docker runs the client with args and stdin against the suite's daemon.
// It returns stdout and stderr; err is an *exec.ExitError for a non-zero
// exit status.
func (s *dockerSuite) docker(ctx context.Context, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	return s.run(ctx, stdin, nil, dockerClient, args...)
}

// run runs prog with the suite's environment plus env.
func (s *dockerSuite) run(ctx context.Context, stdin io.Reader, env []string, prog string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = append(s.env(), env...)
	cmd.Stdin = stdin
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	return o.String(), e.String(), err
}

// must runs docker and fails the test unless it exits 0; it returns stdout.
func (s *dockerSuite) must(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	out, errOut, err := s.docker(ctx, nil, args...)
	if err != nil {
		t.Fatalf("docker %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// status runs docker and returns its exit status (docker run passes on
// the container's), stdout and stderr. It fails the test if docker could
// not run at all or ctx ended first.
func (s *dockerSuite) status(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	out, errOut, err := s.docker(ctx, nil, args...)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out, errOut
	case ctx.Err() != nil:
		t.Fatalf("docker %s: %v (%v)\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, ctx.Err(), out, errOut)
	case errors.As(err, &ee):
		return ee.ExitCode(), out, errOut
	default:
		t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
	}
	return -1, "", ""
}

// name is a container or image name unique to this run.
func (s *dockerSuite) name(what string) string {
	return s.prefix + "-" + what
}

// image returns the reference of the suite's image called what, building
// it on first use from the files of dir (relative to integration/) plus
// busybox and initd, with dir's Dockerfile.
func (s *dockerSuite) image(t *testing.T, what, dir string) string {
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

// derive builds an image FROM base with the given Dockerfile lines.
func (s *dockerSuite) derive(t *testing.T, ctx context.Context, what, base string, lines ...string) string {
	t.Helper()
	dockerfile := "FROM " + base + "\n" + strings.Join(lines, "\n") + "\n"
	ref, err := s.build(ctx, what, "", []byte(dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// build makes a context directory (the files of dir, busybox, initd, or
// only the given Dockerfile) and builds it as <prefix>-<what>. The images
// go with the daemon's data root at the end.
func (s *dockerSuite) build(ctx context.Context, what, dir string, dockerfile []byte) (string, error) {
	tmp, err := os.MkdirTemp("", "initd-docker-ctx-")
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
	ref := s.name(what) + ":latest"
	out, errOut, err := s.docker(ctx, nil, "build", "--network", "none", "--force-rm", "-t", ref, tmp)
	if err != nil {
		return "", fmt.Errorf("docker build %s from %q: %w\n%s%s", what, dir, err, out, errOut)
	}
	return ref, nil
}

// start runs a detached container called <prefix>-<what> with the given
// docker run arguments (options, image, command) and removes it when t
// ends. It returns the container's name.
func (s *dockerSuite) start(t *testing.T, ctx context.Context, what string, args ...string) string {
	t.Helper()
	name := s.name(what)
	t.Cleanup(func() { s.removeContainer(t, name) })
	s.must(t, ctx, append([]string{"run", "-d", "--network", "none", "--name", name}, args...)...)
	return name
}

// logs is what the container wrote so far, stdout and stderr together.
func (s *dockerSuite) logs(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	out, errOut, err := s.docker(ctx, nil, "logs", name)
	if err != nil {
		t.Fatalf("docker logs %s: %v\n%s", name, err, errOut)
	}
	return out + errOut
}

// waitLogs waits until the container's logs contain want.
func (s *dockerSuite) waitLogs(t *testing.T, ctx context.Context, name, want string, d time.Duration) {
	t.Helper()
	s.waitLogsFunc(t, ctx, name, fmt.Sprintf("%q in the logs of %s", want, name), d, func(logs string) bool {
		return strings.Contains(logs, want)
	})
}

// waitLine waits until the container's logs have line as a whole line:
// initd's start line quotes an inline script, whose words must not count.
func (s *dockerSuite) waitLine(t *testing.T, ctx context.Context, name, line string, d time.Duration) {
	t.Helper()
	s.waitLogsFunc(t, ctx, name, fmt.Sprintf("the line %q in the logs of %s", line, name), d, func(logs string) bool {
		return hasLine(logs, line)
	})
}

func (s *dockerSuite) waitLogsFunc(t *testing.T, ctx context.Context, name, what string, d time.Duration, ok func(logs string) bool) {
	t.Helper()
	var last string
	defer func() {
		if t.Failed() {
			t.Logf("logs of %s:\n%s", name, last)
		}
	}()
	waitUntil(t, d, what, func() bool {
		last = s.logs(t, ctx, name)
		return ok(last)
	})
}

// hasLine reports whether text has line as one of its lines.
func hasLine(text, line string) bool {
	return slices.Contains(strings.Split(text, "\n"), line)
}

// inspect returns one field of docker inspect, formatted with format.
func (s *dockerSuite) inspect(t *testing.T, ctx context.Context, name, format string) string {
	t.Helper()
	return strings.TrimSpace(s.must(t, ctx, "inspect", "--format", format, name))
}

// exitCode waits for the container to stop and returns its exit status.
func (s *dockerSuite) exitCode(t *testing.T, ctx context.Context, name string) int {
	t.Helper()
	out := strings.TrimSpace(s.must(t, ctx, "wait", name))
	code, err := strconv.Atoi(out)
	if err != nil {
		t.Fatalf("docker wait %s: %q: %v", name, out, err)
	}
	return code
}

// removeContainer removes a container, running or not.
func (s *dockerSuite) removeContainer(t *testing.T, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, errOut, err := s.docker(ctx, nil, "rm", "-f", "-v", name); err != nil && !strings.Contains(errOut, "No such container") {
		t.Errorf("cleanup: docker rm %s: %v\n%s", name, err, errOut)
	}
}

// inspectInfo returns one field of docker info, formatted with format.
func (s *dockerSuite) inspectInfo(t *testing.T, ctx context.Context, format string) string {
	t.Helper()
	return strings.TrimSpace(s.must(t, ctx, "info", "--format", format))
}
