// Package safefile opens and reads the small configuration files initd
// reads at start (env files, crontabs, CA files, secrets) without ever
// blocking and without reading without end.
//
// A path given where a regular file belongs may name anything: a FIFO
// (whose open blocks until a writer comes), a device (/dev/zero never ends,
// a terminal or tape may block or act on open), a socket, a directory. [Open]
// refuses all of them with a [*KindError] naming the path and what it is;
// [Read] also refuses a file larger than the bound it is given with a
// [*TooLargeError]. The kind is checked on the opened descriptor (fstat),
// so a name swapped between the check and the open cannot slip through;
// the open itself is non-blocking, so a FIFO that appears in between does
// not stall it. A path that is not a regular file is also looked at before
// the open, so that a device is never opened at all in the common case.
//
// # What it deliberately does not do
//
// It does not follow files (see package logredirect), write files, or
// decide exit statuses: callers wrap its errors (errors.As) and choose.
package safefile
