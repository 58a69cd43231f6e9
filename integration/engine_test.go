package integration

// The checks TestPodman and TestDocker both run: initd as the ENTRYPOINT
// of a container, seen from the outside through the engine's client (exit
// statuses, stop and kill, zombies, resource limits, the examples/
// images). Each is written once here against an engine
// (engine_helpers_test.go); what only one engine has (podman's kube play
// and healthcheck run, Docker's --init and Compose) is in the podman_ and
// docker_ files.

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// baseDir is the image most checks run: FROM scratch with busybox, initd
// as ENTRYPOINT and the scripts traps.sh and orphans.sh.
const baseDir = "testdata/podman/base"

// runEngineChecks runs, as parallel subtests of t, the checks every engine
// runs on the base image and the examples; stops are the engine's own
// cases of StopHonoursStopSignalAndGrace.
func runEngineChecks(t *testing.T, e *engine, stops []stopCase) {
	base := func(t *testing.T) string { return e.image(t, "base", baseDir) }
	t.Run("ExitStatus", func(t *testing.T) {
		t.Parallel()
		testExitStatus(t, e, base(t), "exit", e.cli+" run", nil, exitCases)
	})
	t.Run("StopHonoursStopSignalAndGrace", func(t *testing.T) {
		t.Parallel()
		testStop(t, e, base(t), "stop", stops)
	})
	t.Run("KillSignals", func(t *testing.T) {
		t.Parallel()
		testKillSignals(t, e, base(t))
	})
	t.Run("NoZombiesWhileChurningOrphans", func(t *testing.T) {
		t.Parallel()
		testNoZombies(t, e, base(t))
	})
	t.Run("CgroupLimitVariables", func(t *testing.T) {
		t.Parallel()
		testCgroupLimits(t, e, base(t))
	})
	t.Run("ExampleEntrypoint", func(t *testing.T) {
		t.Parallel()
		testExampleEntrypoint(t, e)
	})
	t.Run("ExampleCron", func(t *testing.T) {
		t.Parallel()
		testExampleCron(t, e)
	})
	t.Run("ExampleServices", func(t *testing.T) {
		t.Parallel()
		testExampleServices(t, e)
	})
}

// exitCase is a command and the exit status initd passes on for it.
type exitCase struct {
	name string
	cmd  []string
	want int
	msg  string // in initd's stderr
}

// exitCases are the statuses a container's run ends with.
var exitCases = []exitCase{
	{"exit 3", []string{"sh", "-c", "exit 3"}, 3, ""},
	{"exit 0", []string{"true"}, 0, ""},
	{"killed by SEGV", []string{"sh", "-c", "kill -SEGV $$"}, 128 + 11, ""},
	{"killed by TERM", []string{"sh", "-c", "kill -TERM $$"}, 128 + 15, ""},
	{"not found", []string{"no-such-command"}, 127, "no-such-command"},
	{"not executable", []string{"/etc"}, 126, "/etc"},
}

// testExitStatus runs each case in a container of img, `run --rm` with
// opts, named after what, and checks that the run ends with the command's
// status and initd's stderr names what could not run. desc is the command
// in messages ("docker run --init").
func testExitStatus(t *testing.T, e *engine, img, what, desc string, opts []string, cases []exitCase) {
	for i, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, time.Minute)
			name := e.name(what + "-" + strconv.Itoa(i))
			t.Cleanup(func() { e.removeContainer(t, name) })
			args := append(append(append([]string{"--rm"}, opts...), img), tt.cmd...)
			code, _, stderr := e.status(t, ctx, e.runArgs(name, args...)...)
			if code != tt.want {
				t.Errorf("%s %q: exit %d, want %d\nstderr:\n%s", desc, tt.cmd, code, tt.want, stderr)
			}
			if !strings.Contains(stderr, tt.msg) {
				t.Errorf("%s %q: stderr does not name %q:\n%s", desc, tt.cmd, tt.msg, stderr)
			}
		})
	}
}

// stopCase is a container the engine stops, and how it must end.
type stopCase struct {
	name       string
	dockerfile []string // when set, the container runs an image FROM img with these lines
	run        []string // run options
	cmd        []string // the command, if not the image's
	wantLog    string   // a line the logs must have
	notLog     string   // what the logs must not contain
	want       int      // the exit status
	minElapsed time.Duration
}

// testStop starts each case in a container named after what, waits for
// its "ready", stops it with a 30 s timeout and checks its exit status,
// its logs and that initd ended it well inside the engine's timeout.
func testStop(t *testing.T, e *engine, img, what string, cases []stopCase) {
	for i, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, 2*time.Minute)
			what := what + "-" + strconv.Itoa(i)
			ref := img
			if tt.dockerfile != nil {
				ref = e.derive(t, ctx, what, img, tt.dockerfile...)
			}
			args := append(append(append([]string{}, tt.run...), ref), tt.cmd...)
			name := e.start(t, ctx, what, args...)
			e.waitLogs(t, ctx, name, "ready", 30*time.Second)

			code, elapsed := e.stopTimed(t, ctx, name)
			logs := e.logs(t, ctx, name)
			if code != tt.want {
				t.Errorf("exit status after %s stop: %d, want %d\nlogs:\n%s", e.cli, code, tt.want, logs)
			}
			if elapsed < tt.minElapsed || elapsed > 15*time.Second {
				t.Errorf("%s stop took %v, want between %v and 15s (%s's own timeout is 30s)", e.cli, elapsed, tt.minElapsed, e.cli)
			}
			if tt.wantLog != "" && !hasLine(logs, tt.wantLog) {
				t.Errorf("logs do not contain %q:\n%s", tt.wantLog, logs)
			}
			if tt.notLog != "" && strings.Contains(logs, tt.notLog) {
				t.Errorf("logs contain %q:\n%s", tt.notLog, logs)
			}
		})
	}
}

// rtTraps is a shell script that prints "got SIG" for HUP, USR1, USR2 and
// RTMIN+3 and keeps running, exits 0 on TERM, and prints "ready" once its
// traps are set. busybox sh knows real-time signals only by number:
// RTMIN+3 is 37 with glibc's SIGRTMIN of 34, which Docker and podman use
// too.
const rtTraps = `for s in HUP USR1 USR2; do trap "echo got $s" $s; done
trap 'echo got RTMIN+3' 37
trap 'echo got INT' INT
trap 'echo got TERM; exit 0' TERM
echo ready
while :; do sleep 1 & wait $!; done`

// testKillSignals: plain and real-time signals sent with kill are
// forwarded as they are and the command keeps running; INT is a stop
// request, so the command gets its stop signal (TERM).
func testKillSignals(t *testing.T, e *engine, img string) {
	ctx := ctxFor(t, 2*time.Minute)
	name := e.start(t, ctx, "kill", img, "sh", "-c", rtTraps)
	e.waitLine(t, ctx, name, "ready", 30*time.Second)
	for _, sig := range []string{"USR1", "HUP", "USR2", "RTMIN+3"} {
		e.must(t, ctx, "kill", "-s", sig, name)
		e.waitLine(t, ctx, name, "got "+sig, 10*time.Second)
		if st := e.inspect(t, ctx, name, "{{.State.Status}}"); st != "running" {
			t.Fatalf("after %s kill -s %s: container is %s, want running", e.cli, sig, st)
		}
	}
	e.must(t, ctx, "kill", "-s", "INT", name)
	if code := e.exitCode(t, ctx, name); code != 0 {
		t.Errorf("after %s kill -s INT: exit %d, want 0 (the command exits 0 on TERM)", e.cli, code)
	}
	if logs := e.logs(t, ctx, name); !hasLine(logs, "got TERM") || hasLine(logs, "got INT") {
		t.Errorf("%s kill -s INT: want the command to get TERM (its stop signal), not INT; logs:\n%s", e.cli, logs)
	}
}

// testNoZombies: a command that makes orphans by the hundred leaves no
// zombie, and the container keeps running. Without a reaper the orphans
// would stay zombies for good.
func testNoZombies(t *testing.T, e *engine, img string) {
	ctx := ctxFor(t, 2*time.Minute)
	const n = 300
	name := e.start(t, ctx, "orphans", img, "orphans.sh", strconv.Itoa(n))
	e.waitLogs(t, ctx, name, "churned "+strconv.Itoa(n), time.Minute)
	e.waitNoZombies(t, ctx, name)
	if st := e.inspect(t, ctx, name, "{{.State.Status}}"); st != "running" {
		t.Errorf("container is %s, want running", st)
	}
}

// testCgroupLimits: the engine's --memory and --cpus reach the command as
// INITD_MEMORY_LIMIT_BYTES and INITD_CPU_LIMIT.
func testCgroupLimits(t *testing.T, e *engine, img string) {
	tests := []struct {
		name      string
		limits    []string
		mem, cpus string
	}{
		{"memory", []string{"--memory", "64m"}, "67108864", ""},
		{"cpus", []string{"--cpus", "0.5"}, "", "0.5"},
		{"both", []string{"--memory", "96m", "--cpus", "1.5"}, "100663296", "1.5"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, time.Minute)
			name := e.name("limits-" + strconv.Itoa(i))
			t.Cleanup(func() { e.removeContainer(t, name) })
			args := append(append([]string{"--rm"}, tt.limits...),
				img, "sh", "-c", `echo "mem=$INITD_MEMORY_LIMIT_BYTES cpu=$INITD_CPU_LIMIT"`)
			code, out, stderr := e.status(t, ctx, e.runArgs(name, args...)...)
			if code != 0 {
				t.Fatalf("%s run %q: exit %d\n%s", e.cli, tt.limits, code, stderr)
			}
			var mem, cpu string
			for _, f := range strings.Fields(out) {
				if v, ok := strings.CutPrefix(f, "mem="); ok {
					mem = v
				} else if v, ok := strings.CutPrefix(f, "cpu="); ok {
					cpu = v
				}
			}
			if tt.mem != "" && mem != tt.mem {
				t.Errorf("%s run %q: INITD_MEMORY_LIMIT_BYTES=%q, want %q", e.cli, tt.limits, mem, tt.mem)
			}
			if tt.cpus != "" && cpu != tt.cpus {
				t.Errorf("%s run %q: INITD_CPU_LIMIT=%q, want %q", e.cli, tt.limits, cpu, tt.cpus)
			}
		})
	}
}

// exampleWeb is examples/entrypoint, the image the Kubernetes example uses.
func exampleWeb(t *testing.T, e *engine) string {
	return e.image(t, "example-web", "../examples/entrypoint")
}

// testExampleEntrypoint: the access log reaches the container's logs
// through --tail (on stdout, where the engine keeps the streams apart),
// and stop ends the server with the image's STOPSIGNAL long before the
// engine's timeout.
func testExampleEntrypoint(t *testing.T, e *engine) {
	ctx := ctxFor(t, 2*time.Minute)
	name := e.start(t, ctx, "example-web", exampleWeb(t, e))
	if sig := e.inspect(t, ctx, name, "{{.Config.StopSignal}}"); sig != "15" && sig != "SIGTERM" {
		t.Errorf("image STOPSIGNAL is %q, want SIGTERM", sig)
	}
	waitUntil(t, 30*time.Second, "the server to answer", func() bool {
		_, _, err := e.client(ctx, nil, "exec", name, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/")
		return err == nil
	})
	// A path of our own, so the line we look for comes from this request.
	path := "/" + e.prefix + "-marker"
	e.client(ctx, nil, "exec", name, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080"+path) // a 404, logged all the same
	e.waitLogs(t, ctx, name, "url:"+path, 10*time.Second)
	if logs := e.logs(t, ctx, name); !strings.Contains(logs, "response:404") {
		t.Errorf("%s logs: no response:404 line for %s:\n%s", e.cli, path, logs)
	}
	if e.streams {
		// The tailed lines are on stdout, initd's own on stderr. (The
		// last 20 lines: the image's health probes add two lines every
		// 10 s.)
		out, errOut, err := e.client(ctx, nil, "logs", "--tail", "20", name)
		if err != nil {
			t.Fatalf("%s logs: %v\n%s", e.cli, err, errOut)
		}
		if !strings.Contains(out, "url:"+path) || !strings.Contains(out, "response:404") {
			t.Errorf("%s logs --tail 20: stdout has no url:%s and response:404 lines:\n%s", e.cli, path, out)
		}
		if strings.Contains(errOut, "url:"+path) {
			t.Errorf("%s logs: the tailed line is on stderr, want stdout:\n%s", e.cli, errOut)
		}
	}

	// httpd dies of the TERM initd passes on: 128+15.
	code, elapsed := e.stopTimed(t, ctx, name)
	if code != 128+15 {
		t.Errorf("exit status after %s stop: %d, want 143\nlogs:\n%s", e.cli, code, e.logs(t, ctx, name))
	}
	if elapsed > 10*time.Second {
		t.Errorf("%s stop took %v; the server should stop at once on TERM", e.cli, elapsed)
	}
}

// startHealthServer starts img with the same server as examples/entrypoint's
// CMD, but only once the test touches /tmp/go in the container: its health
// check must see it down first. It returns the container's name.
func startHealthServer(t *testing.T, ctx context.Context, e *engine, img string) string {
	t.Helper()
	return e.start(t, ctx, "example-health", img, "/bin/sh", "-c",
		"until [ -e /tmp/go ]; do sleep 0.1; done; exec httpd -f -vv -p 8080 -h /var/www 2>>/var/log/httpd/access.log")
}

// testExampleCron: the cron-only image runs its crontab's heartbeat, and
// stop ends it with status 0.
func testExampleCron(t *testing.T, e *engine) {
	ctx := ctxFor(t, 2*time.Minute)
	name := e.start(t, ctx, "example-cron", e.image(t, "example-cron", "../examples/cron"))
	// The heartbeat runs every 10 seconds.
	e.waitLogs(t, ctx, name, "heartbeat: ", 25*time.Second)
	code, elapsed := e.stopTimed(t, ctx, name)
	if code != 0 {
		t.Errorf("cron-only container: exit %d after %s stop, want 0\nlogs:\n%s", code, e.cli, e.logs(t, ctx, name))
	}
	if elapsed > 10*time.Second {
		t.Errorf("%s stop took %v, want well under the image's INITD_GRACE plus slack", e.cli, elapsed)
	}
}

// testExampleServices: the init hook writes the page before the services
// start, the web service serves it, both services' lines reach the logs
// prefixed with their names, and stop ends the services-only container
// with 0, each service having had its TERM.
func testExampleServices(t *testing.T, e *engine) {
	ctx := ctxFor(t, 2*time.Minute)
	img := e.image(t, "example-services", "../examples/services")
	name := e.start(t, ctx, "example-services", img)
	e.waitLogs(t, ctx, name, "[worker] worker: tick 2", 30*time.Second)
	var page string
	waitUntil(t, 30*time.Second, "the web service to serve the hook's page", func() bool {
		out, _, err := e.client(ctx, nil, "exec", name, "wget", "-q", "-O", "-", "http://127.0.0.1:8080/")
		page = out
		return err == nil
	})
	if !strings.Contains(page, "Written by the init hook at ") {
		t.Errorf("the page served is not the init hook's:\n%s", page)
	}
	if out := e.must(t, ctx, "exec", name, "wget", "-q", "-O", "-", "http://127.0.0.1:8080/status.txt"); !strings.HasPrefix(out, "tick ") {
		t.Errorf("status.txt is %q, want the worker's tick line", out)
	}
	e.waitLogs(t, ctx, name, "[web] ", 10*time.Second)
	logs := e.logs(t, ctx, name)
	for _, want := range []string{"init: page written", "[worker] worker: started; the init hook ran at 20"} {
		if !strings.Contains(logs, want) {
			t.Errorf("%s logs lack %q:\n%s", e.cli, want, logs)
		}
	}

	code, elapsed := e.stopTimed(t, ctx, name)
	if code != 0 {
		t.Errorf("services-only container: exit %d after %s stop, want 0\nlogs:\n%s", code, e.cli, e.logs(t, ctx, name))
	}
	if elapsed > 10*time.Second {
		t.Errorf("%s stop took %v; both services stop at once on TERM", e.cli, elapsed)
	}
	if logs := e.logs(t, ctx, name); !strings.Contains(logs, "[worker] worker: stopping after ") {
		t.Errorf("the worker did not get its TERM:\n%s", logs)
	}
}
