// Package supervisor owns the lifetime of everything initd runs: COMMAND,
// services, hooks and cron job runs.
//
// One loop, in [Supervisor.Run], reads three kinds of input: the signals
// initd caught, the exits the reaper delivers, and timers (stop delay,
// grace period, restart back-off). Everything that changes the set of
// processes happens in that loop, so a stop request is handled once, where
// it is read, and a process is signalled only while the reaper has not
// reaped it.
//
// # The stop sequence
//
// A stop request (SIGTERM, SIGINT or the stop signal, after rewriting)
// runs the pre-stop hooks one at a time (each bounded by the grace
// period), waits the stop delay, sends the stop signal to the process
// group of COMMAND, of every service and of every running job, and starts
// the grace period. When the grace period ends, every remaining descendant
// gets SIGKILL. When COMMAND exits, or a service fails for good, the same
// happens without the hooks and the delay. Once the processes the
// supervisor started are gone, what they left behind (orphans, processes
// that called setsid) gets SIGTERM, and SIGKILL when the grace period
// ends. Then the finish hooks run, and Run returns the exit status.
//
// A single run of a job that times out is stopped the same way, alone:
// [Supervisor.Stop].
//
// # What it does not do
//
// It does not parse options, read files or decide the environment: the
// caller hands it ready [Spec]s, a start-up function and a [Config]. It
// does not reap: the reaper does, and the supervisor only learns of exits.
//
// # Hazards
//
// Without /proc a subreaper cannot find its descendants: the supervisor
// then signals the process groups it started, including groups whose
// leader was already reaped (the one case where a group id is used after
// its leader's exit), warns once, and gives up waiting for leftovers a
// moment after the SIGKILL.
package supervisor
