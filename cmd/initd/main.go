//go:debug updatemaxprocs=0

// Command initd is a container's init process: it runs one command as PID 1
// (or as a child subreaper), forwards signals to it, reaps every zombie,
// stops the whole process tree gracefully, and exits with the command's
// status. It can also run services and hooks beside it, wait for what it
// depends on, follow log files, render templates and run cron jobs; see
// the README and `initd help`.
//
// This package is wiring: it reads the options into one checked plan and
// hands the mechanism to the packages (supervisor, reaper, signals, ...).
// Only main calls os.Exit.
//
// # Environment
//
// Every option is also read from INITD_<NAME>, NAME being the option's name
// upper-cased with '-' turned into '_' (--stop-signal = INITD_STOP_SIGNAL).
// A flag wins over the variable. Repeatable options take one value a line.
//
// COMMAND additionally receives INITD_MEMORY_LIMIT_BYTES and INITD_CPU_LIMIT
// where the container has such limits.
//
// The Go runtime's periodic re-reading of the cgroup CPU limit is turned
// off (updatemaxprocs=0): it would wake an idle initd up every second, and
// initd needs no more parallelism when a limit changes.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
