package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/initd-dev/initd/waitfor"
	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"
)

// runWaitCommand is `initd wait` (block until every target is ready: 0,
// or 124 on timeout) and `initd check` (one probe each: 0 or 1). A stop
// signal ends either with 128+signal, which matters in a Kubernetes init
// container where initd wait is PID 1.
func runWaitCommand(ctx context.Context, name string, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	// Options may also follow the targets (initd wait tcp://db:5432
	// --wait-timeout 30s): a target never starts with '-'.
	o, rest, err := parseArgs(args, getenv, func(d *optDef) bool { return d.wait }, true)
	if err != nil {
		return reportParse(err, stdout, stderr)
	}
	if len(rest) == 0 {
		fmt.Fprintf(stderr, "initd: %s needs at least one TARGET (tcp://HOST:PORT, http(s)://..., unix:///PATH, file:///PATH)\n", name)
		return exitUsage
	}
	wo, err := waitOptions(o)
	if err == nil {
		var targets []waitfor.Target
		if targets, err = waitfor.ParseAll(rest, wo); err == nil {
			log := newLogger(o, stderr)
			warnUnknownVariables(log, os.Environ())
			wo.Log = log
			return waitOrCheck(ctx, name, targets, wo, log)
		}
		err = usagef("%s: %w", name, err)
	}
	return reportParse(err, stdout, stderr)
}

func waitOrCheck(ctx context.Context, name string, targets []waitfor.Target, wo waitfor.Options, log zerolog.Logger) int {
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, unix.SIGTERM, unix.SIGINT, unix.SIGHUP)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var gotSig atomic.Int32
	go func() {
		select {
		case s := <-sigc:
			gotSig.Store(int32(s.(syscall.Signal)))
			cancel()
		case <-ctx.Done():
		}
	}()
	var err error
	if name == "check" {
		err = waitfor.Check(ctx, targets, wo)
	} else {
		err = waitfor.All(ctx, targets, wo)
	}
	cancel()
	got := syscall.Signal(gotSig.Load())
	switch {
	case err == nil:
		return 0
	case got != 0:
		log.Info().Str("signal", unix.SignalName(got)).Msg(name + " stopped")
		return 128 + int(got)
	case name == "check":
		log.Error().Msg(err.Error())
		return 1
	case errors.Is(err, waitfor.ErrTimeout):
		log.Error().Msg(err.Error())
		return exitTimeout
	}
	log.Error().Msg(err.Error())
	return exitStartup
}

// waitStep is the start-up step for --wait.
func (s *startup) waitStep(ctx context.Context) error {
	if len(s.p.waits) == 0 {
		return nil
	}
	wo := s.p.waitOpts
	wo.Log = s.log
	err := waitfor.All(ctx, s.p.waits, wo)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, waitfor.ErrTimeout):
		return &stepError{exitTimeout, err}
	}
	return err
}
