// Package signals holds initd's signal vocabulary and catches the signals
// initd forwards.
//
// Names are accepted as "TERM", "SIGTERM", "sigterm" or "15", and real-time
// signals as "RTMIN", "RTMIN+3", "SIGRTMAX-1" or their numbers (34 to 64).
// [Rewrites] is the --rewrite table. [Forwardable] says which signals initd
// passes on; [Catcher] takes them all through os/signal.
//
// # What is forwarded
//
// Every catchable signal but SIGCHLD (the reaper's), SIGURG and SIGPROF
// (the Go runtime's), 32 to 34 (the C libraries'; 32 and 34 are ignored,
// since neither the Go runtime nor os/signal takes them), and SIGPIPE
// (caught so that a closed stdout never kills initd, never forwarded). Catching
// SIGTSTP, SIGTTIN and SIGTTOU means initd itself is never stopped by job
// control; catching SIGQUIT, SIGABRT and the like means a stray one from
// outside never ends initd with a goroutine dump.
//
// # Hazards
//
// os/signal folds repeats of one signal number that arrive before initd has
// read the first into one delivery: a process receives each signal at
// least once after it was sent, not once per send. Real-time signals are
// folded too, unlike with a C init that reads them from the kernel's queue.
//
// The package does not decide who receives a signal, nor what a stop
// request is: that is the supervisor's.
package signals
