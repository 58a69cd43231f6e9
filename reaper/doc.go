// Package reaper is the one owner of wait4 in initd.
//
// Everything initd starts — COMMAND, services, hooks, cron jobs — is started
// through [Reaper.Start] and learns its exit from the [Process] it returns.
// The reaper also collects every other child that exits: orphans re-parented
// to initd because it is PID 1 or a child subreaper. Those are counted and
// discarded, so no zombie is left behind and no caller ever sees "wait: no
// child processes" (ECHILD), however many orphans churn.
//
// # How exits are collected
//
// [Reaper.Run] sleeps in waitid(P_ALL, WEXITED|WNOWAIT), which wakes when
// a child has exited and does not reap it, then calls wait4(-1, WNOHANG)
// until nothing more has exited. It holds the
// reaper's lock while it reaps, and [Reaper.Start] holds the same lock
// across fork and registration: an exit can never be reaped before its
// Process is registered, and a pid that was reaped can never be mistaken
// for a newer process. [Process.Signal] and [Process.SignalGroup] take the
// lock too and refuse once the process was reaped, so neither a pid nor a
// process group is ever signalled after its leader was reaped: the kernel
// may have given the number to another process by then.
//
// # Hazards
//
// Nothing else in the process may call wait4, waitpid, waitid or
// exec.Cmd.Wait: those would steal exits from the reaper. The one exception
// is inside syscall.ForkExec, which reaps a child whose exec failed before
// returning the error; Start holds the lock then, so the reaper cannot race
// it.
//
// The package does not decide what to do with exits (exit codes, restarts,
// logging): that is the caller's.
package reaper
