// Package signals holds initd's signal vocabulary: parsing signal names in
// every form users type, the rewrite table, and which signals initd catches
// and forwards.
//
// Names are accepted as "TERM", "SIGTERM", "sigterm" or "15", and real-time
// signals as "RTMIN", "RTMIN+3", "SIGRTMAX-1" or their numbers.
//
// # What is forwarded
//
// Every catchable signal is caught and forwarded except SIGCHLD (initd's own
// business: the reaper handles children) and SIGURG (the Go runtime's
// preemption signal; forwarding it would make children see signals nobody
// sent them). SIGKILL and SIGSTOP cannot be caught. Catching SIGTSTP,
// SIGTTIN and SIGTTOU means initd itself is never stopped by job control;
// catching SIGPIPE means a closed stdout never kills initd.
//
// The package does not deliver signals (see package reaper) and does not
// decide what a stop request is (see cmd/initd).
package signals
