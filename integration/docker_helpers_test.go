package integration

// Helpers for the Docker tests (docker_test.go): a dockerSuite is an
// engine (engine_helpers_test.go) running the docker client against a
// Docker daemon of its own, which it starts (Debian's docker.io) for one top-level test,
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
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
	*engine
	root string // temporary directory: data root, exec root, socket, logs
	host string // DOCKER_HOST: unix://<root>/s

	daemon *exec.Cmd
	exited chan struct{} // closed when the daemon has exited
	logf   string        // the daemon's own log
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
	host := "unix://" + filepath.Join(root, "s")
	s := &dockerSuite{
		engine: &engine{
			cli:  "docker",
			path: dockerClient,
			// The suite's daemon, a client configuration of its own, and
			// the classic builder (Debian's client has no buildx).
			env: []string{
				"DOCKER_HOST=" + host,
				"DOCKER_CONFIG=" + filepath.Join(root, "client"),
				"DOCKER_BUILDKIT=0",
			},
			prefix: "initd-it-" + hex.EncodeToString(id[:]),
			initd:  initdBinary(t),
			// The images go with the daemon's data root at the end.
			buildOpts: []string{"--network", "none", "--force-rm"},
			runOpts:   []string{"--network", "none"},
			rmOpts:    []string{"rm", "-f", "-v"},
			rmiOpts:   []string{"rmi", "-f"},
			streams:   true,
			images:    map[string]*engineImage{},
		},
		root: root,
		host: host,
		logf: filepath.Join(root, "dockerd.log"),
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
		if pid := readPid(filepath.Join(dir, "dockerd.pid")); pid > 0 && alive(pid) {
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
		_, _, err := s.client(ctx, nil, "version", "--format", "{{.Server.Version}}")
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
		if out, _, err := s.client(ctx, nil, "ps", "-a", "-q"); err == nil {
			if ids := strings.Fields(out); len(ids) > 0 {
				s.client(ctx, nil, append([]string{"rm", "-f", "-v"}, ids...)...)
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
		if containerd > 0 && alive(containerd) && strings.HasPrefix(procCmdline(containerd), "containerd") {
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

// inspectInfo returns one field of docker info, formatted with format.
func (s *dockerSuite) inspectInfo(t *testing.T, ctx context.Context, format string) string {
	t.Helper()
	return strings.TrimSpace(s.must(t, ctx, "info", "--format", format))
}
