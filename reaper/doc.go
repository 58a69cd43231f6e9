// Package reaper is the one owner of wait4 in initd.
//
// Everything initd starts — the main command, cron jobs — is started through
// [Reaper.Start] and learns its exit from the [Process] it returns. The
// reaper also collects every other child that exits: orphans re-parented to
// initd because it is PID 1 or a child subreaper. Those are counted and
// discarded, so no zombie is ever left behind and no caller ever sees
// "wait: no child processes" (ECHILD), however many orphans churn.
//
// # How exits are collected
//
// SIGCHLD has a handler of its own, a few dozen instructions of assembly
// the kernel runs directly (amd64 and arm64; see handler.go). It looks at
// each exited child without reaping it (waitid with WNOWAIT), reaps the
// orphans on the spot with wait4 and counts them, the way a C init does,
// and wakes [Reaper.Run] (one byte on a pipe it sleeps on in the Go
// netpoller) only for what needs Go: the exit of a process started through
// [Reaper.Start], or no children left. An orphan thus costs one signal
// and three system calls, and no Go code runs for it.
//
// Run then takes the reaper's lock, looks at each exited child the same
// way, tells a watched process's [Watch] that it is about to be reaped,
// and reaps it. [Reaper.Start] holds the same lock across fork and
// registration, and closes a gate that makes the handler leave every child
// to Run until the new pid is listed: an exit can never be reaped before
// its Process is registered, and a reaped pid can never be handed to a
// newer process with the same pid. Run's system calls are raw ones, which
// keep the Go runtime's sysmon thread asleep.
//
// On other architectures SIGCHLD reaches Run through os/signal and Run
// reaps everything.
//
// # Hazards
//
// Nothing else in the process may call wait4, waitpid, waitid or
// exec.Cmd.Wait: those would steal exits from the reaper. The one exception
// is inside syscall.ForkExec, which reaps a child whose exec failed before
// returning the error; that child never ran the command.
//
// The package does not decide what to do with exits (exit codes, restarts,
// logging policy): that is the caller's.
package reaper
