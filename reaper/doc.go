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
// [Reaper.Run] blocks in waitid(P_ALL, WEXITED|WNOWAIT), which tells it that
// some child has exited without reaping it. It then takes the reaper's lock
// and reaps with wait4(-1, WNOHANG) until nothing is left. [Reaper.Start]
// holds the same lock across fork and registration, so an exit can never be
// reaped before its Process is registered, and a reaped pid can never be
// handed to a newer process with the same pid. No SIGCHLD handler is on the
// hot path (SIGCHLD keeps its default disposition, so the kernel does not
// even deliver it): the loop sleeps in the kernel until a child exits. Only while
// initd has no children at all does it listen for SIGCHLD, to notice
// processes that become its children without being started by it (a process
// left over by `docker exec`, say).
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
