package signals

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// One Trap per process: the tests share it and run one after the other.
var (
	trapOnce sync.Once
	trap     *Trap
	trapErr  error
)

func testTrap(t *testing.T) *Trap {
	t.Helper()
	trapOnce.Do(func() { trap, trapErr = NewTrap() })
	if trapErr != nil {
		t.Fatal(trapErr)
	}
	return trap
}

// sendFromOutside sends sig to this process from another process, as
// users and container engines do.
func sendFromOutside(t *testing.T, sig syscall.Signal) {
	t.Helper()
	out, err := exec.Command("kill", "-s", strconv.Itoa(int(sig)), strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		t.Fatalf("kill: %v: %s", err, out)
	}
}

func nextEvent(t *testing.T, tr *Trap) Event {
	t.Helper()
	select {
	case ev := <-tr.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return Event{}
}

func TestTrapReportsSignalsInTurn(t *testing.T) {
	tr := testTrap(t)
	sigs := []syscall.Signal{unix.SIGUSR1, unix.SIGHUP, unix.SIGWINCH, 40, unix.SIGTERM, unix.SIGSEGV}
	if os.Getenv("INITD_QEMU") != "" {
		// qemu-user renumbers real-time signals between host and guest.
		sigs = slices.DeleteFunc(sigs, func(s syscall.Signal) bool { return s >= 34 })
	}
	for _, sig := range sigs {
		sendFromOutside(t, sig)
		ev := nextEvent(t, tr)
		if ev != (Event{Signal: sig}) {
			t.Fatalf("sent %s, got %+v", Name(sig), ev)
		}
	}
}

// startSleeper starts a child that sleeps until it is killed.
func startSleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill() })
	return child
}

// wantKilledBy reaps child and checks that sig killed it.
func wantKilledBy(t *testing.T, child *exec.Cmd, sig syscall.Signal) {
	t.Helper()
	err := child.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != sig {
		t.Fatalf("child: %v, want killed by %s", err, Name(sig))
	}
}

func TestTrapForwardsFromTheHandler(t *testing.T) {
	tr := testTrap(t)
	child := startSleeper(t)
	tr.Set(unix.SIGUSR1, Action{Send: unix.SIGTERM, Report: true})
	defer tr.Set(unix.SIGUSR1, Action{Report: true})
	tr.Arm(child.Process.Pid, false)
	sendFromOutside(t, unix.SIGUSR1)
	if ev := nextEvent(t, tr); ev != (Event{Signal: unix.SIGUSR1, Forwarded: unix.SIGTERM}) {
		t.Fatalf("got %+v", ev)
	}
	tr.Disarm() // before the child is reaped, as Arm asks
	wantKilledBy(t, child, unix.SIGTERM)
	sendFromOutside(t, unix.SIGUSR1)
	if ev := nextEvent(t, tr); ev.Forwarded != 0 {
		t.Fatalf("disarmed, yet forwarded: %+v", ev)
	}
}

func TestTrapGroupFallsBackToThePid(t *testing.T) {
	tr := testTrap(t)
	// The child is not a group leader, so its pid names no group.
	child := startSleeper(t)
	tr.Set(unix.SIGUSR2, Action{Send: unix.SIGKILL, Report: true})
	defer tr.Set(unix.SIGUSR2, Action{Report: true})
	tr.Arm(child.Process.Pid, true)
	sendFromOutside(t, unix.SIGUSR2)
	nextEvent(t, tr)
	tr.Disarm()
	wantKilledBy(t, child, unix.SIGKILL)
}

// A fault in initd's own code still reaches the Go runtime, which turns it
// into a panic.
func TestTrapFaultsStillPanic(t *testing.T) {
	testTrap(t)
	var p *int
	defer func() {
		if recover() == nil {
			t.Fatal("nil dereference did not panic")
		}
	}()
	*p = 1
}
