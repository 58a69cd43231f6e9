package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Start-up configuration through the real binary: --template, render,
// --env-file, --expand-file-env, --user and the cgroup limit variables.

func writeTestFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestTemplateRenderThenRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "app.conf.tmpl")
	dest := filepath.Join(dir, "etc", "app", "app.conf")
	writeTestFile(t, src, `greeting={{ .Env.GREETING }} port={{ env "PORT" | default "8080" }}`+"\n", 0o640)
	res := runInitd(t, testContext(t), []string{"--template", src + ":" + dest, "--", "cat", dest},
		withEnv("GREETING=hello"))
	if res.Code != 0 || res.Stdout != "greeting=hello port=8080\n" {
		t.Fatalf("initd = %+v, want COMMAND to print the rendered file", res)
	}
	fi, err := os.Stat(dest)
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("DEST stat = %v, %v; want mode 0640 from SRC", fi, err)
	}
}

func TestTemplateFailureKeepsOldDest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dest := filepath.Join(dir, "app.conf.tmpl"), filepath.Join(dir, "app.conf")
	marker := filepath.Join(dir, "command-ran")
	old := "old = \"config\"\n\x00\xff binary-safe\n"
	writeTestFile(t, src, "host={{ .Env.DB_HOST }}\n", 0o644)
	writeTestFile(t, dest, old, 0o600)
	res := runInitd(t, testContext(t), []string{"--template", src + ":" + dest, "--", "touch", marker})
	if res.Code != 1 {
		t.Fatalf("exit %d, want 1 for a render failure (stderr %q)", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "DB_HOST") {
		t.Errorf("stderr %q does not name the missing key", res.Stderr)
	}
	got, err := os.ReadFile(dest)
	if err != nil || string(got) != old {
		t.Errorf("DEST = %q, %v; want the old content byte for byte", got, err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("COMMAND ran although a template failed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d entries in DEST's directory, want no temporary file left", len(entries))
	}
}

func TestTemplateMissingSrcIsUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res := runInitd(t, testContext(t), []string{"--template", filepath.Join(dir, "nope.tmpl") + ":" + filepath.Join(dir, "out"), "--", "true"})
	if res.Code != 2 || !strings.Contains(res.Stderr, "nope.tmpl") {
		t.Fatalf("initd = %+v, want exit 2 naming the missing SRC", res)
	}
}

// shortContext bounds a run that must end at once: a FIFO or a device
// given to a template must not block start-up.
func shortContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

// listenUnix leaves a socket file at path for the test's duration.
func listenUnix(t *testing.T, path string) {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
}

// TestTemplateFileFunctionReadsRegularFilesOnly: the file function refuses
// a FIFO (which blocked start-up for ever), a device (/dev/zero was read
// until memory ran out), a directory and a file over 1 MiB, naming the
// path; initd exits 1 without starting COMMAND.
func TestTemplateFileFunctionReadsRegularFilesOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "secret.fifo")
	mkfifo(t, fifo)
	big := filepath.Join(dir, "big")
	writeTestFile(t, big, strings.Repeat("x", 1<<20+1), 0o644)
	tests := []struct {
		path, want string
	}{
		{fifo, "is a FIFO"},
		{"/dev/zero", "is a character device"},
		{dir, "is a directory"},
		{big, "larger than 1048576 bytes"},
	}
	for i, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			src := filepath.Join(dir, fmt.Sprintf("t%d.tmpl", i))
			dest := filepath.Join(dir, fmt.Sprintf("out%d", i))
			marker := filepath.Join(dir, fmt.Sprintf("ran%d", i))
			writeTestFile(t, src, `s={{ file .Env.SECRET_PATH }}`, 0o644)
			res := runInitd(t, shortContext(t), []string{"--template", src + ":" + dest, "--", "touch", marker},
				withEnv("SECRET_PATH="+tt.path))
			if res.Code != 1 || !strings.Contains(res.Stderr, tt.path) || !strings.Contains(res.Stderr, tt.want) {
				t.Fatalf("initd = %+v, want exit 1 naming %s and %q", res, tt.path, tt.want)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Error("COMMAND ran although the template failed")
			}
			if _, err := os.Stat(dest); err == nil {
				t.Error("DEST written although the template failed")
			}
		})
	}
}

// TestTemplateSrcOfWrongKindIsUsage: a SRC that is a FIFO, a device or a
// socket, or a file over 1 MiB, is a usage error naming it.
func TestTemplateSrcOfWrongKindIsUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "t.fifo")
	mkfifo(t, fifo)
	sock := filepath.Join(dir, "t.sock")
	listenUnix(t, sock)
	big := filepath.Join(dir, "big.tmpl")
	writeTestFile(t, big, strings.Repeat("x", 1<<20+1), 0o644)
	for _, src := range []string{fifo, sock, "/dev/zero", big} {
		for _, sub := range []string{"", "validate"} {
			args := []string{"--template", src + ":" + filepath.Join(dir, "out"), "--", "true"}
			if sub != "" {
				args = append([]string{sub}, args...)
			}
			res := runInitd(t, shortContext(t), args)
			if res.Code != 2 || !strings.Contains(res.Stderr, src) {
				t.Errorf("initd %q = %+v, want exit 2 naming SRC", args, res)
			}
		}
	}
}

// TestTemplateDestOfWrongKindIsLeftAlone: a DEST that exists and is not a
// regular file (a FIFO, a socket, a symbolic link to /dev/null) is refused
// with exit 1 naming it, and stays what it was; other DESTs of the same
// run are not written either.
func TestTemplateDestOfWrongKindIsLeftAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "t.tmpl")
	writeTestFile(t, src, "x={{ .Env.X }}\n", 0o644)
	fifo := filepath.Join(dir, "dest.fifo")
	mkfifo(t, fifo)
	sock := filepath.Join(dir, "dest.sock")
	listenUnix(t, sock)
	devnull := filepath.Join(dir, "dest.null")
	if err := os.Symlink("/dev/null", devnull); err != nil {
		t.Fatal(err)
	}
	for i, dest := range []string{fifo, sock, devnull} {
		before, err := os.Stat(dest)
		if err != nil {
			t.Fatal(err)
		}
		other := filepath.Join(dir, fmt.Sprintf("other%d.conf", i))
		marker := filepath.Join(dir, fmt.Sprintf("ran%d", i))
		res := runInitd(t, shortContext(t), []string{"--template", src + ":" + other, "--template", src + ":" + dest, "--", "touch", marker},
			withEnv("X=1"))
		if res.Code != 1 || !strings.Contains(res.Stderr, dest) {
			t.Errorf("initd with DEST %s = %+v, want exit 1 naming it", dest, res)
		}
		after, err := os.Stat(dest)
		if err != nil || !os.SameFile(before, after) || after.Mode() != before.Mode() {
			t.Errorf("DEST %s changed: %v -> %v, %v", dest, before.Mode(), after, err)
		}
		if fi, err := os.Lstat(devnull); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the link to /dev/null was replaced: %v, %v", fi, err)
		}
		for _, p := range []string{other, marker} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s exists although a DEST was refused", p)
			}
		}
	}
}

// TestValidateRendersTemplates: validate renders every template against
// the environment COMMAND would get, in memory: a missing variable is exit
// 2 naming the template and the variable, and nothing is written.
func TestValidateRendersTemplates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dest := filepath.Join(dir, "app.conf.tmpl"), filepath.Join(dir, "app.conf")
	writeTestFile(t, src, "host={{ .Env.DB_HOST }} user={{ .Env.DB_USER }}\n", 0o644)
	envFile := filepath.Join(dir, "app.env")
	writeTestFile(t, envFile, "DB_USER=app\n", 0o644)
	args := []string{"validate", "--env-file", envFile, "--template", src + ":" + dest, "--", "true"}
	res := runInitd(t, testContext(t), args)
	if res.Code != 2 || !strings.Contains(res.Stderr, src) || !strings.Contains(res.Stderr, `"DB_HOST"`) {
		t.Errorf("initd validate without DB_HOST = %+v, want exit 2 naming %s and DB_HOST", res, src)
	}
	if strings.Contains(res.Stderr, `"DB_USER"`) {
		t.Errorf("validate did not see the env file's DB_USER: %q", res.Stderr)
	}
	res = runInitd(t, testContext(t), args, withEnv("DB_HOST=db"))
	if res.Code != 0 || !strings.Contains(res.Stdout, "configuration is valid") {
		t.Errorf("initd validate with DB_HOST = %+v, want 0", res)
	}
	if _, err := os.Stat(dest); err == nil {
		t.Error("validate wrote DEST")
	}
}

func TestRenderSubcommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "src", "a.conf"), "a={{ .Env.A }}", 0o644)
	writeTestFile(t, filepath.Join(dir, "src", "sub", "b.conf"), "b={{ .Env.A | upper }}", 0o600)
	res := runInitd(t, testContext(t), []string{"render", filepath.Join(dir, "src") + ":" + filepath.Join(dir, "out")}, withEnv("A=x"))
	if res.Code != 0 {
		t.Fatalf("initd render = %+v", res)
	}
	for rel, want := range map[string]string{"a.conf": "a=x", "sub/b.conf": "b=X"} {
		if got, err := os.ReadFile(filepath.Join(dir, "out", rel)); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", rel, got, err, want)
		}
	}
	res = runInitd(t, testContext(t), []string{"render", filepath.Join(dir, "src", "a.conf") + ":" + filepath.Join(dir, "o2")})
	if res.Code != 1 {
		t.Errorf("initd render with a missing key = %+v, want exit 1", res)
	}
}

func TestEnvFilePrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first.env"), filepath.Join(dir, "second.env")
	writeTestFile(t, first, "# defaults\nA=from-file\nB=first\nexport C='c value'\n", 0o600)
	writeTestFile(t, second, "B=\"second\"\nEMPTY_IN_PROCESS=from-file\n", 0o600)
	res := runInitd(t, testContext(t), []string{"--env-file", first, "--env-file", second, "--",
		"sh", "-c", `printf '%s|%s|%s|%s\n' "$A" "$B" "$C" "$EMPTY_IN_PROCESS"`},
		withEnv("A=from-process", "EMPTY_IN_PROCESS="))
	if want := "from-process|second|c value|\n"; res.Code != 0 || res.Stdout != want {
		t.Fatalf("initd = %+v, want stdout %q (process env wins, later file wins)", res, want)
	}
}

func TestEnvFileErrorsAreUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.env")
	writeTestFile(t, bad, "OK=1\nPASSWORD=\"s3cret\n", 0o600)
	for _, file := range []string{bad, filepath.Join(dir, "missing.env")} {
		res := runInitd(t, testContext(t), []string{"--env-file", file, "--", "true"})
		if res.Code != 2 || !strings.Contains(res.Stderr, file) {
			t.Errorf("--env-file %s: %+v, want exit 2 naming the file", file, res)
		}
		if strings.Contains(res.Stderr, "s3cret") {
			t.Errorf("stderr leaks a value: %q", res.Stderr)
		}
	}
}

func TestExpandFileEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "db_password")
	writeTestFile(t, secret, "s3cret-value\n\n", 0o600)
	tmpl, dest := filepath.Join(dir, "t"), filepath.Join(dir, "out")
	writeTestFile(t, tmpl, "pw={{ .Env.DB_PASSWORD }}", 0o600)
	res := runInitd(t, testContext(t), []string{"--log-level", "debug", "--expand-file-env",
		"--template", tmpl + ":" + dest, "--",
		"sh", "-c", `printf '[%s] [%s] [%s]\n' "$DB_PASSWORD" "${DB_PASSWORD_FILE-unset}" "$KEPT"`},
		withCleanEnv(), withEnv("DB_PASSWORD_FILE="+secret, "KEPT=given", "KEPT_FILE=/nonexistent"))
	if want := "[s3cret-value] [unset] [given]\n"; res.Code != 0 || res.Stdout != want {
		t.Fatalf("initd = %+v, want stdout %q", res, want)
	}
	if got, _ := os.ReadFile(dest); string(got) != "pw=s3cret-value" {
		t.Errorf("template saw %q", got)
	}
	if strings.Contains(res.Stderr, "s3cret") {
		t.Errorf("the secret reached initd's log: %q", res.Stderr)
	}

	res = runInitd(t, testContext(t), []string{"--expand-file-env", "--", "true"},
		withCleanEnv(), withEnv("API_KEY_FILE="+filepath.Join(dir, "missing")))
	if res.Code != 1 || !strings.Contains(res.Stderr, "API_KEY_FILE") {
		t.Errorf("missing secret file: %+v, want exit 1 naming API_KEY_FILE", res)
	}
}

// statusField returns one field of /proc/PID/status with blanks normalised.
func statusField(status, field string) string {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return "<missing>"
}

func TestUserSwitch(t *testing.T) {
	needRoot(t)
	t.Parallel()
	res := runInitd(t, testContext(t), []string{"--user", "65534:65534", "--",
		"sh", "-c", `cat /proc/self/status; echo "HOME=$HOME"`})
	if res.Code != 0 {
		t.Fatalf("initd --user 65534:65534 = %+v", res)
	}
	for field, want := range map[string]string{
		"Uid":    "65534 65534 65534 65534",
		"Gid":    "65534 65534 65534 65534",
		"Groups": "",
	} {
		if got := statusField(res.Stdout, field); got != want {
			t.Errorf("%s: %q, want %q (real, effective, saved, filesystem)", field, got, want)
		}
	}
	if !strings.Contains(res.Stdout, "\nHOME=/") || strings.Contains(res.Stdout, "HOME=/root") {
		t.Errorf("HOME not taken from the user: %q", res.Stdout)
	}

	res = runInitd(t, testContext(t), []string{"--user", "no-such-user-initd", "--", "true"})
	if res.Code != 1 || !strings.Contains(res.Stderr, "no-such-user-initd") {
		t.Errorf("unknown user: %+v, want exit 1 naming the user", res)
	}
	res = runInitd(t, testContext(t), []string{"--user", "a:b:c", "--", "true"})
	if res.Code != 2 {
		t.Errorf("--user a:b:c: %+v, want exit 2", res)
	}
}

// TestUserFromOwnDatabases runs the real (static, CGO_ENABLED=0) binary in
// a mount namespace whose /etc/passwd and /etc/group are the test's own:
// a name resolves to its uid, primary group, supplementary groups and
// home; an unknown name is exit 1 with one clean message.
func TestUserFromOwnDatabases(t *testing.T) {
	needRoot(t)
	t.Parallel()
	dir := t.TempDir()
	passwd, group := filepath.Join(dir, "passwd"), filepath.Join(dir, "group")
	writeTestFile(t, passwd, "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1234:2345:App:/home/app:/bin/sh\n", 0o644)
	writeTestFile(t, group, "root:x:0:\napp:x:2345:\nwheel:x:10:root,app\nstaff:x:50:other,app\nnone:x:60:other\n", 0o644)
	run := func(args ...string) result {
		t.Helper()
		ctx := testContext(t)
		script := `mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"`
		argv := append([]string{"--mount", "sh", "-c", script, "sh", passwd, group, initdBinary(t)}, args...)
		cmd := exec.CommandContext(ctx, "unshare", argv...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if ctx.Err() != nil {
			t.Fatalf("initd %q did not finish in time", args)
		}
		return result{Code: exitCode(cmd.ProcessState, err), Stdout: stdout.String(), Stderr: stderr.String()}
	}
	res := run("--user", "app", "--", "sh", "-c", `cat /proc/self/status; echo "HOME=$HOME"`)
	if res.Code != 0 {
		t.Fatalf("initd --user app = %+v", res)
	}
	for field, want := range map[string]string{
		"Uid":    "1234 1234 1234 1234",
		"Gid":    "2345 2345 2345 2345",
		"Groups": "10 50 2345",
	} {
		if got := statusField(res.Stdout, field); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	if !strings.Contains(res.Stdout, "\nHOME=/home/app\n") {
		t.Errorf("HOME not /home/app: %q", res.Stdout)
	}
	res = run("--user", "app:staff", "--", "sh", "-c", "cat /proc/self/status")
	if got := statusField(res.Stdout, "Gid"); res.Code != 0 || got != "50 50 50 50" || statusField(res.Stdout, "Groups") != "" {
		t.Errorf("initd --user app:staff: exit %d, Gid %q, Groups %q\n%s", res.Code, got, statusField(res.Stdout, "Groups"), res.Stderr)
	}
	res = run("--user", "ghost", "--", "true")
	if want := `--user ghost: user "ghost" not found`; res.Code != 1 || !strings.Contains(res.Stderr, want) ||
		strings.Contains(res.Stderr, "unknown") || strings.Contains(res.Stderr, "/etc/passwd") {
		t.Errorf("initd --user ghost = %+v, want exit 1 and %q without internal suffixes", res, want)
	}
}

// limitCgroup makes a memory- (and, where possible, CPU-) limited cgroup
// for one test and returns the directories whose cgroup.procs a process
// must join, with the limits as the kernel stored them.
func limitCgroup(t *testing.T) (procs []string, memBytes int64, cpu string) {
	t.Helper()
	name := fmt.Sprintf("initd-itest-%d", os.Getpid())
	var st syscall.Statfs_t
	if err := syscall.Statfs("/sys/fs/cgroup", &st); err == nil && st.Type == 0x63677270 { // CGROUP2_SUPER_MAGIC
		dir := filepath.Join("/sys/fs/cgroup", name)
		mkCgroup(t, dir)
		for _, c := range []string{"+memory", "+cpu"} { // often enabled already; errors show below
			_ = os.WriteFile("/sys/fs/cgroup/cgroup.subtree_control", []byte(c), 0o644)
		}
		writeCgroup(t, dir, "memory.max", "100000000")
		if os.WriteFile(filepath.Join(dir, "cpu.max"), []byte("50000 100000"), 0o644) == nil {
			cpu = "0.5"
		}
		return []string{dir}, readCgroupInt(t, dir, "memory.max"), cpu
	}
	memDir := filepath.Join("/sys/fs/cgroup/memory", name)
	if _, err := os.Stat("/sys/fs/cgroup/memory/memory.limit_in_bytes"); err != nil {
		skipOrFail(t, "no cgroup2 at /sys/fs/cgroup and no v1 memory controller: %v", err)
	}
	mkCgroup(t, memDir)
	writeCgroup(t, memDir, "memory.limit_in_bytes", "100000000")
	procs = []string{memDir}
	if _, err := os.Stat("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"); err == nil {
		cpuDir := filepath.Join("/sys/fs/cgroup/cpu", name)
		mkCgroup(t, cpuDir)
		writeCgroup(t, cpuDir, "cpu.cfs_period_us", "100000")
		writeCgroup(t, cpuDir, "cpu.cfs_quota_us", "150000")
		procs, cpu = append(procs, cpuDir), "1.5"
	}
	return procs, readCgroupInt(t, memDir, "memory.limit_in_bytes"), cpu
}

func mkCgroup(t *testing.T, dir string) {
	t.Helper()
	if err := os.Mkdir(dir, 0o755); err != nil {
		skipOrFail(t, "cannot create cgroup %s: %v", dir, err)
	}
	t.Cleanup(func() {
		// The members have exited; the kernel may take a moment to let go.
		waitUntil(t, 5*time.Second, "cgroup "+dir+" removed", func() bool {
			err := os.Remove(dir)
			return err == nil || os.IsNotExist(err)
		})
	})
}

func writeCgroup(t *testing.T, dir, file, value string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644); err != nil {
		t.Fatalf("write %s to %s/%s: %v", value, dir, file, err)
	}
}

func readCgroupInt(t *testing.T, dir, file string) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatalf("%s/%s: %v", dir, file, err)
	}
	return n
}

// TestLimitVariablesInCgroup runs initd inside a real memory-limited
// cgroup. initd must already be a member when it starts, so a shell joins
// the cgroup and execs initd; runInitd cannot do that, hence exec directly.
func TestLimitVariablesInCgroup(t *testing.T) {
	needRoot(t)
	procs, memBytes, cpu := limitCgroup(t)
	script := `for d in "$@"; do echo $$ > "$d/cgroup.procs" || exit 99; done; exec "$INITD_BIN" -- sh -c 'echo "mem=$INITD_MEMORY_LIMIT_BYTES cpu=$INITD_CPU_LIMIT"'`
	cmd := exec.CommandContext(testContext(t), "sh", append([]string{"-c", script, "sh"}, procs...)...)
	cmd.Env = append(os.Environ(), "INITD_BIN="+initdBinary(t), "INITD_MEMORY_LIMIT_BYTES=inherited")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("initd in cgroup: %v, stderr %q", err, stderr.String())
	}
	want := fmt.Sprintf("mem=%d cpu=%s\n", memBytes, cpu)
	if string(out) != want {
		t.Fatalf("COMMAND saw %q, want %q", out, want)
	}
}
