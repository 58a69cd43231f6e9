package waitfor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/initd-dev/initd/safefile"
)

// Target is one thing to wait for. Probe makes a single attempt and returns
// nil when the target is ready, or a *TargetError saying why not; it honours
// ctx's deadline and cancellation. String returns the target with any URL
// password redacted, for messages.
type Target interface {
	String() string
	Probe(ctx context.Context) error
}

// Parse reads one target: tcp://HOST:PORT, http://..., https://...,
// unix:///PATH or file:///PATH. opts supplies the HTTP statuses, headers and
// TLS settings of HTTP targets (for https, the CA file is read here). An
// error wraps ErrBadTarget (or ErrBadOption for an unreadable CA file) and
// says what is wrong; it is never worth retrying.
func Parse(s string, opts Options) (Target, error) {
	s = strings.TrimSpace(s)
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return nil, badTarget(s, "want SCHEME://..., SCHEME being tcp, http, https, unix or file")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, badTarget(s, urlProblem(err))
	}
	switch strings.ToLower(scheme) {
	case "tcp":
		return parseTCP(s, u)
	case "unix", "file":
		return parsePath(s, u)
	case "http", "https":
		return parseHTTP(s, u, opts)
	}
	return nil, badTarget(s, fmt.Sprintf("unknown scheme %q: want tcp, http, https, unix or file", scheme))
}

// ParseAll parses every target in order and stops at the first bad one.
func ParseAll(list []string, opts Options) ([]Target, error) {
	targets := make([]Target, 0, len(list))
	for _, s := range list {
		t, err := Parse(s, opts)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// badTarget builds the parse error. The target is shown redacted: a URL
// password never reaches a message, even for a bad target, and it is
// quoted, so that a newline in it cannot split the message.
func badTarget(s, why string) error {
	return fmt.Errorf("%w %q: %s", ErrBadTarget, redact(s), why)
}

// redact hides the password of a URL-looking string, also when it does not
// parse.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	authority, _, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		return s[:len(s)-len(rest)] + "xxxxx" + rest[at:]
	}
	return s
}

// urlProblem keeps net/url's reason without repeating the (unredacted) URL.
func urlProblem(err error) string {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err.Error()
	}
	return err.Error()
}

func parseTCP(s string, u *url.URL) (Target, error) {
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, badTarget(s, "want tcp://HOST:PORT and nothing more")
	}
	if err := checkHostPort(u, false); err != nil {
		return nil, badTarget(s, err.Error())
	}
	return &tcpTarget{addr: u.Host}, nil
}

// checkHostPort checks u's host and port: the host must be there, the port
// too unless optional, and a port must be a number 1-65535.
func checkHostPort(u *url.URL, portOptional bool) error {
	if u.Hostname() == "" {
		return fmt.Errorf("no host")
	}
	port := u.Port()
	if port == "" {
		if strings.HasSuffix(u.Host, ":") || !portOptional {
			return fmt.Errorf("no port")
		}
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q: want a number 1-65535", port)
	}
	return nil
}

func parsePath(s string, u *url.URL) (Target, error) {
	kind := strings.ToLower(u.Scheme)
	if u.Host != "" || u.User != nil {
		return nil, badTarget(s, fmt.Sprintf("want %s:///ABSOLUTE/PATH (three slashes), found host %q", kind, u.Host))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, badTarget(s, fmt.Sprintf("want %s:///ABSOLUTE/PATH and nothing more", kind))
	}
	if !strings.HasPrefix(u.Path, "/") || u.Path == "/" && kind == "unix" {
		return nil, badTarget(s, fmt.Sprintf("want %s:///ABSOLUTE/PATH", kind))
	}
	if strings.IndexByte(u.Path, 0) >= 0 {
		return nil, badTarget(s, "the path contains NUL")
	}
	if kind == "unix" {
		return &unixTarget{path: u.Path}, nil
	}
	return &fileTarget{path: u.Path}, nil
}

// tcpTarget is ready when a TCP connection to addr is accepted.
type tcpTarget struct {
	addr string
}

func (t *tcpTarget) String() string { return "tcp://" + t.addr }

// Probe connects and closes the connection at once.
func (t *tcpTarget) Probe(ctx context.Context) error {
	return dialAndClose(ctx, "tcp", t.addr, t)
}

// unixTarget is ready when a connection to the unix stream socket at path
// is accepted.
type unixTarget struct {
	path string
}

func (t *unixTarget) String() string { return "unix://" + t.path }

// Probe connects and closes the connection at once. A refusal from
// something that is not a socket (a regular file, a directory) says what
// it is instead: "connection refused" would send the user looking for a
// server that is not the problem.
func (t *unixTarget) Probe(ctx context.Context) error {
	err := dialAndClose(ctx, "unix", t.path, t)
	if err != nil && errors.Is(err, syscall.ECONNREFUSED) {
		if fi, serr := os.Stat(t.path); serr == nil && fi.Mode().Type()&fs.ModeSocket == 0 {
			return &TargetError{Target: t.String(), Err: &NotSocketError{Path: t.path, Kind: safefile.Kind(fi.Mode())}}
		}
	}
	return err
}

// NotSocketError is a unix:// target whose path exists and is not a
// socket. It is retried like any other failure (a server may yet replace
// it), and reported as what it is.
type NotSocketError struct {
	Path string
	// Kind is what the path is, as [safefile.Kind] says ("" for a regular
	// file).
	Kind string
}

// Error implements error.
func (e *NotSocketError) Error() string {
	kind := e.Kind
	if kind == "" {
		kind = "a regular file"
	}
	return "not a socket (" + kind + ")"
}

func dialAndClose(ctx context.Context, network, addr string, t Target) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return &TargetError{Target: t.String(), Err: err}
	}
	_ = conn.Close() // nothing was sent; a failed close says nothing about readiness
	return nil
}

// fileTarget is ready when path exists (symbolic links are followed).
type fileTarget struct {
	path string
}

func (t *fileTarget) String() string { return "file://" + t.path }

// Probe looks the path up once.
func (t *fileTarget) Probe(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &TargetError{Target: t.String(), Err: err}
	}
	if _, err := os.Stat(t.path); err != nil {
		return &TargetError{Target: t.String(), Err: err}
	}
	return nil
}
