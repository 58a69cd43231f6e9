// Package signals holds initd's signal vocabulary (parsing signal names in
// every form users type, the rewrite table, which signals initd catches
// and forwards) and the [Trap], initd's own signal handler, that catches
// them and forwards them to COMMAND.
//
// Names are accepted as "TERM", "SIGTERM", "sigterm" or "15", and real-time
// signals as "RTMIN", "RTMIN+3", "SIGRTMAX-1" or their numbers.
//
// # What is forwarded
//
// Every catchable signal is caught and forwarded except SIGCHLD (initd's own
// business: the reaper has its handler) and SIGURG (the Go runtime's
// preemption signal; forwarding it would make children see signals nobody
// sent them). SIGKILL and SIGSTOP cannot be caught. Catching SIGTSTP,
// SIGTTIN and SIGTTOU means initd itself is never stopped by job control;
// catching SIGPIPE means a closed stdout never kills initd.
//
// # How signals are taken
//
// A [Trap] makes initd's own handler the handler of every forwardable
// signal: a few dozen instructions of assembly (amd64 and arm64) that the
// kernel runs directly on whichever thread it interrupts, the way a C init
// handles signals, with no goroutine in the way. For each signal it does
// what its [Action] says: send a signal (the same one, or its rewrite) to
// the armed target with kill(2), at once, and report an [Event] to the Go
// side through a pipe. Forwarding thus costs one thread wake-up, as in
// tini, where going through os/signal cost two more hand-offs between
// threads; and catching every signal at start-up costs one sigaction each
// instead of a round trip to the runtime's signal thread.
//
// The handler leaves alone what is not initd's: a fault the kernel raises
// in initd's own code (si_code > 0: SIGSEGV, SIGBUS, SIGFPE, SIGILL,
// SIGTRAP, SIGSYS) goes on to the Go runtime's handler, which turns it
// into a panic; a signal that reaches a child of initd between fork and
// exec does nothing; a SIGPIPE initd raised at itself by writing to a
// closed pipe is reported as Self and never forwarded.
//
// A handler may send to a pid only while the pid names the process:
// [Trap.Arm] it before the process can be reaped and [Trap.Disarm] it
// before it is (the reaper's Watch gives both moments). Disarm waits for
// handlers already about to send.
//
// On other architectures a Trap catches signals with os/signal and
// forwards them from a goroutine: the same behaviour, slower, and SIGPIPE
// is never forwarded.
//
// # Hazards
//
// Nothing else in initd may catch these signals (signal.Notify would put
// the runtime's handler back). Writing to fd 1 or 2 through os.Stdout or
// os.Stderr is unsafe once a Trap exists: the Go runtime ends a program
// whose write to fd 1 or 2 fails with EPIPE unless os/signal catches
// SIGPIPE; initd writes to duplicates of them.
//
// The package does not decide what a stop request is (see cmd/initd).
package signals
