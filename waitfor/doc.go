// Package waitfor blocks until network services and files are ready: the
// wait gate that runs before a container's command starts, and the single
// probe behind a HEALTHCHECK that has no shell or curl.
//
// A target is written as a URL and parsed into a typed probe:
//
//	tcp://HOST:PORT        a TCP connection is accepted
//	http://HOST[:PORT]/P   a GET answers with a status in Options.Statuses
//	https://HOST[:PORT]/P  the same over TLS
//	unix:///PATH           a connection to a unix stream socket is accepted
//	file:///PATH           the path exists
//
// A Go program (a test suite, for example) uses it like initd does:
//
//	targets, err := waitfor.ParseAll([]string{"tcp://db:5432"}, opts)
//	if err != nil { ... }                 // errors.Is(err, waitfor.ErrBadTarget)
//	err = waitfor.All(ctx, targets, opts) // errors.Is(err, waitfor.ErrTimeout)
//
// # Timing
//
// All probes every target in parallel under one deadline (Options.Timeout).
// A target that is not ready is tried again after a short first interval
// (100 ms) that grows by half each time up to Options.Interval, so a service
// that comes up is noticed within a fraction of a second while a service that
// stays down sees at most a few attempts a second. Every attempt has its own
// timeout (Options.AttemptTimeout), and no attempt outlives the deadline: a
// server that accepts and never answers cannot stall the wait.
//
// # HTTP
//
// HTTP targets are probed by a minimal HTTP/1.1 client written on net and
// crypto/tls, not net/http: one GET with "Connection: close", the status line
// is read and judged, the rest of the answer is ignored. Redirects are never
// followed (a 302 is judged like any status), no proxy is used, and HTTP/2 is
// not spoken. This keeps net/http's size and start-up cost out of initd.
// Built with the initd_nohttps tag, the package leaves crypto/tls out as
// well and refuses https targets as bad targets.
//
// # What it deliberately does not do
//
// It does not look at response bodies, follow redirects, read proxy settings
// from the environment, resolve names itself (the Go resolver does, on every
// attempt, so a DNS name that appears late is found) or log secrets: header
// values and URL passwords never reach a log or an error message. It does not
// decide exit statuses; the caller maps ErrBadTarget, ErrBadOption and
// ErrTimeout onto its own.
package waitfor
