//go:build !amd64 && !arm64

package reaper

import (
	"github.com/initd-dev/initd/signals"
	"golang.org/x/sys/unix"
)

// On this architecture the reaper has no SIGCHLD handler of its own (see
// handler.go): SIGCHLD comes through os/signal and Run reaps everything.

func listenSIGCHLD() (*wakeup, error) {
	w, err := newWakeup()
	if err != nil {
		return nil, err
	}
	if err := signals.WakeOn(unix.SIGCHLD, w.w); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func stopListening()              { _ = signals.WakeOn(unix.SIGCHLD, -1) }
func handlerOrphans() uint64      { return 0 }
func setWatched(map[int]*Process) {}
func closeGate()                  {}
