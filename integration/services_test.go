package integration

// Several processes and hooks (the contract's section of that name):
// --service, --service-dir, --restart, --restart-limit, --init-dir with
// INITD_HOOK_ENV, --pre-stop and --finish, from the outside.

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shq quotes w for --service and the hooks (and for a POSIX shell).
func shq(w string) string { return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'" }

// fileLines is the lines of path; none when it does not exist yet.
func fileLines(path string) []string {
	b, _ := os.ReadFile(path)
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// waitForLine waits until path has a line equal to line.
func waitForLine(t *testing.T, path, line string, d time.Duration) {
	t.Helper()
	waitUntil(t, d, path+" to have the line "+strconv.Quote(line), func() bool {
		return slices.Contains(fileLines(path), line)
	})
}

// trapper is a shell script for a service or COMMAND: it appends "NAME
// ready" to OUT, then "NAME TERM" when it gets SIGTERM and exits 0.
func trapper(name, out string) string {
	return "sh -c " + shq(`trap 'echo `+name+` TERM >> `+shq(out)+`; exit 0' TERM; echo `+name+` ready >> `+shq(out)+`; while :; do sleep 0.05; done`)
}

// noCrash fails when initd's output shows a Go panic or a lost exit.
func noCrash(t *testing.T, r result) {
	t.Helper()
	for _, bad := range []string{"panic:", "goroutine ", "no child processes"} {
		if strings.Contains(r.Stdout+r.Stderr, bad) {
			t.Errorf("output contains %q:\nstdout:\n%s\nstderr:\n%s", bad, r.Stdout, r.Stderr)
		}
	}
}

// Every usage error of the section is exit 2 with a message naming the
// option and the value, in validate and at start, and nothing runs.
func TestServiceUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "svc/web/run"), "#!/bin/sh\nexec sleep 10\n", 0o755)
	marker := filepath.Join(dir, "ran")
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"no NAME=", []string{"--service", "sleep 10"}, nil, `--service "sleep 10": want NAME=COMMAND`},
		{"bad NAME", []string{"--service", "my web=sleep 10"}, nil, `service NAME "my web"`},
		{"bad NAME from the environment", nil, []string{"INITD_SERVICE=a=sleep 1\nb/c=sleep 1"}, `INITD_SERVICE="b/c=sleep 1"`},
		{"empty NAME", []string{"--service", "=sleep 10"}, nil, "empty service NAME"},
		{"empty COMMAND", []string{"--service", "web="}, nil, "empty command"},
		{"duplicate NAME", []string{"--service", "a=sleep 1", "--service", "a=sleep 2"}, nil, `service NAME "a" is used twice`},
		{"duplicate across --service-dir", []string{"--service", "web=sleep 1", "--service-dir", filepath.Join(dir, "svc")}, nil,
			`service NAME "web" is used twice: by --service and by ` + filepath.Join(dir, "svc/web/run")},
		{"unbalanced double quote", []string{"--service", `web=echo "abc`}, nil, "unterminated double quote at position 6"},
		{"unbalanced single quote", []string{"--pre-stop", `echo 'abc`}, nil, `--pre-stop "echo 'abc": unterminated single quote`},
		{"trailing backslash", []string{"--finish", `echo abc\`}, nil, "trailing backslash"},
		{"shell operator", []string{"--service", "web=echo a; touch " + marker}, nil, `unquoted ";"`},
		{"unknown policy", []string{"--restart", "sometimes"}, nil, `--restart "sometimes": want no, on-failure or always`},
		{"unknown policy from the environment", nil, []string{"INITD_RESTART=never"}, `INITD_RESTART="never"`},
		{"negative limit", []string{"--restart-limit", "-1"}, nil, `--restart-limit "-1"`},
		{"limit not a number", []string{"--restart-limit", "five"}, nil, `--restart-limit "five"`},
		{"missing --service-dir", []string{"--service-dir", filepath.Join(dir, "nope")}, nil, `--service-dir "` + filepath.Join(dir, "nope") + `"`},
		{"--service-dir is a file", []string{"--service-dir", filepath.Join(dir, "svc/web/run")}, nil, "not a directory"},
		{"missing --init-dir", []string{"--init-dir", filepath.Join(dir, "nope")}, nil, `--init-dir "` + filepath.Join(dir, "nope") + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, form := range []string{"validate", "start"} {
				args := slices.Clone(tt.args)
				if form == "validate" {
					args = append([]string{"validate"}, args...)
				}
				args = append(args, "--", "touch", marker)
				r := runInitd(t, ctxFor(t, 20*time.Second), args, withEnv(tt.env...))
				if r.Code != 2 || !strings.Contains(r.Stderr, tt.want) {
					t.Errorf("%s %q: exit %d, stderr %q; want 2 and %q", form, args, r.Code, r.Stderr, tt.want)
				}
				noCrash(t, r)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("COMMAND ran after a usage error")
			}
		})
	}
}

// validate lists the services with their words, the restart policy, the
// init hooks in the order they would run, the pre-stop and finish hooks,
// and warns about each skipped entry by path; it runs none of them.
func TestServiceValidateListing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	script := "#!/bin/sh\ntouch " + marker + "\n"
	svc, hooks := filepath.Join(dir, "service"), filepath.Join(dir, "init.d")
	writeTestFile(t, filepath.Join(svc, "worker/run"), script, 0o755)
	writeTestFile(t, filepath.Join(svc, "off/run"), script, 0o644)
	writeTestFile(t, filepath.Join(hooks, "20-seed"), script, 0o755)
	writeTestFile(t, filepath.Join(hooks, "10-migrate"), script, 0o755)
	writeTestFile(t, filepath.Join(hooks, "README"), "notes\n", 0o644)
	r := runInitd(t, ctxFor(t, 20*time.Second), []string{"validate",
		"--service", `web=printf '%s\n' "a b" $HOME`,
		"--service-dir", svc, "--init-dir", hooks,
		"--restart", "on-failure", "--restart-limit", "3",
		"--pre-stop", "sleep 1", "--finish", `sh -c "echo $INITD_EXIT_STATUS"`,
	})
	if r.Code != 0 {
		t.Fatalf("validate: exit %d\nstderr:\n%s", r.Code, r.Stderr)
	}
	for _, want := range []string{
		`service web: ` + lookPathT(t, "printf") + ` ["%s\\n" "a b" "$HOME"]`,
		`service worker: ` + filepath.Join(svc, "worker/run") + ` [] (from --service-dir)`,
		"restart: on-failure, giving up after 3 restarts in a row",
		"init hook 1: " + filepath.Join(hooks, "10-migrate") + "\ninit hook 2: " + filepath.Join(hooks, "20-seed") + "\n",
		`pre-stop: ` + lookPathT(t, "sleep") + ` ["1"]`,
		`finish: ` + lookPathT(t, "sh") + ` ["-c" "echo $INITD_EXIT_STATUS"]`,
		"configuration is valid",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("validate's listing lacks %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "service off") {
		t.Errorf("validate lists the non-executable off/run:\n%s", r.Stdout)
	}
	for _, skipped := range []string{filepath.Join(svc, "off/run"), filepath.Join(hooks, "README")} {
		if !strings.Contains(r.Stderr, skipped) {
			t.Errorf("no warning naming %s:\n%s", skipped, r.Stderr)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("validate ran a service or a hook")
	}

	// Services alone are something to run; INITD_SERVICE takes one a line.
	r = runInitd(t, ctxFor(t, 20*time.Second), []string{"validate"},
		withEnv("INITD_SERVICE=a=sleep 1\n  b=sh -c 'echo a, b'  \n"))
	if r.Code != 0 || !strings.Contains(r.Stdout, `service a: `) || !strings.Contains(r.Stdout, `service b: `+lookPathT(t, "sh")+` ["-c" "echo a, b"]`) {
		t.Errorf("validate with INITD_SERVICE: exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	// A service program that is not found is reported as COMMAND's is.
	r = runInitd(t, ctxFor(t, 20*time.Second), []string{"validate", "--service", "x=no-such-program-initd"})
	if r.Code != 2 || !strings.Contains(r.Stderr, "service x") || !strings.Contains(r.Stderr, "no-such-program-initd") {
		t.Errorf("validate with a missing service program: exit %d, stderr %q; want 2 naming it", r.Code, r.Stderr)
	}
}

// lookPathT is where validate will find name (the test's PATH is
// initd's).
func lookPathT(t *testing.T, name string) string {
	t.Helper()
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	t.Fatalf("%s not in PATH", name)
	return ""
}
