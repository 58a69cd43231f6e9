// Package logredirect brings log lines that programs write to files or to
// syslog onto initd's stdout and stderr, where `docker logs` and
// `kubectl logs` see them.
//
// It is made of three parts:
//
//   - [Output], one per destination file descriptor (stdout, stderr): the
//     single writer of that descriptor for everything initd copies there.
//     It writes whole lines only, one write(2) per line or per batch of
//     whole lines, so no two sources' lines are ever mixed. Every other
//     part of initd that writes lines (cron job output, initd's own log)
//     writes through an Output too.
//   - Sources: a [Follower] follows one file by name like `tail -F`
//     (inotify, no polling), a [SyslogListener] receives RFC 3164 and
//     RFC 5424 messages on a unix datagram socket.
//   - A [Group] that starts the sources before the command and, after the
//     command has exited, stops them with a bounded drain, so that what was
//     appended up to that moment, including a last line without a newline,
//     is written out before initd exits.
//
// # Back-pressure
//
// When the reader of stdout stops reading (a stuck `docker logs` pipe, a
// full terminal), an Output queues lines up to a byte limit. Past it, the
// two kinds of sources behave differently on purpose:
//
//   - Files are on disk. A Follower waits for room (back-pressure) and
//     simply lags behind; nothing is lost, and the program writing the file
//     never notices.
//   - Syslog datagrams and pipes (cron job output, initd's own log) come
//     from a process that would block if initd stopped reading. Those lines
//     are dropped and counted instead ([Output.Dropped]); when the output
//     moves again, one line says how many were dropped.
//
// A write that fails with EPIPE (stdout is a closed pipe) marks the Output
// broken: from then on lines are discarded and counted, and the
// OnBrokenPipe callback runs once. initd keeps supervising.
//
// # What it does not do
//
// It does not parse, filter, reformat or timestamp file lines; it does not
// forward syslog anywhere but the Output; it does not rotate or delete the
// files it follows; it does not follow files on systems without inotify
// (the Follower is Linux only, like initd).
package logredirect
