package waitfor

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxStatusLine bounds the status line and each skipped header line of an
// informational (1xx) answer; a longer line is a protocol error.
const maxStatusLine = 4096

// httpTarget is ready when a GET of its URL answers with a status in
// statuses. The request is built once, at parse time.
type httpTarget struct {
	name     string    // redacted URL, for messages
	addr     string    // host:port to dial
	tls      handshake // nil for http
	request  []byte    // the whole request, headers included
	statuses StatusSet
}

func (t *httpTarget) String() string { return t.name }

func parseHTTP(s string, u *url.URL, opts Options) (Target, error) {
	if u.Opaque != "" {
		return nil, badTarget(s, "want "+u.Scheme+"://HOST[:PORT][/PATH]")
	}
	if err := checkHostPort(u, true); err != nil {
		return nil, badTarget(s, err.Error())
	}
	secure := strings.EqualFold(u.Scheme, "https")
	port := u.Port()
	if port == "" {
		port = "80"
		if secure {
			port = "443"
		}
	}
	t := &httpTarget{
		addr:     net.JoinHostPort(u.Hostname(), port),
		statuses: opts.Statuses,
	}
	redacted := *u
	redacted.Fragment, redacted.RawFragment = "", ""
	t.name = redacted.Redacted()
	t.request = buildRequest(u, opts.Headers)
	if secure {
		hs, err := newHandshake(u.Hostname(), opts)
		if errors.Is(err, errNoHTTPS) {
			return nil, badTarget(s, err.Error())
		}
		if err != nil {
			return nil, err
		}
		t.tls = hs
	}
	return t, nil
}

// buildRequest writes the GET request. Headers from opts win over the
// defaults of the same name (Host, User-Agent, Accept, Authorization); a URL
// password becomes basic authorization unless an Authorization header is
// given.
func buildRequest(u *url.URL, headers []Header) []byte {
	given := make(map[string]bool, len(headers))
	for _, h := range headers {
		given[strings.ToLower(h.Name)] = true
	}
	var b strings.Builder
	b.WriteString("GET " + u.RequestURI() + " HTTP/1.1\r\n")
	if !given["host"] {
		b.WriteString("Host: " + u.Host + "\r\n")
	}
	if !given["user-agent"] {
		b.WriteString("User-Agent: initd-wait\r\n")
	}
	if !given["accept"] {
		b.WriteString("Accept: */*\r\n")
	}
	if u.User != nil && !given["authorization"] {
		password, _ := u.User.Password()
		cred := base64.StdEncoding.EncodeToString([]byte(u.User.Username() + ":" + password))
		b.WriteString("Authorization: Basic " + cred + "\r\n")
	}
	for _, h := range headers {
		if strings.EqualFold(h.Name, "connection") {
			continue // the probe always closes
		}
		b.WriteString(h.Name + ": " + h.Value + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	return []byte(b.String())
}

// Probe sends one GET and judges the status line. The connection is closed
// when ctx ends, so a server that accepts and never answers costs at most
// the attempt's timeout.
func (t *httpTarget) Probe(ctx context.Context) error {
	code, err := t.roundTrip(ctx)
	if err == nil && !t.statuses.Contains(code) {
		err = &StatusError{Code: code}
	}
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			// The read failed because ctx ended and closed the connection.
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return &TargetError{Target: t.name, Err: err}
	}
	return nil
}

func (t *httpTarget) roundTrip(ctx context.Context) (int, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	// Deadlines on the socket end a blocked handshake, write or read: the
	// context's deadline at once, and its cancellation when it comes.
	if deadline, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	conn := raw
	if t.tls != nil {
		if conn, err = t.tls(ctx, raw); err != nil {
			return 0, err
		}
	}
	if _, err := conn.Write(t.request); err != nil {
		return 0, fmt.Errorf("send request: %w", err)
	}
	return readStatus(bufio.NewReaderSize(conn, maxStatusLine))
}

// readStatus reads the status line of the final answer, skipping
// informational 1xx answers (103 Early Hints, a stray 100 Continue).
func readStatus(r *bufio.Reader) (int, error) {
	for {
		line, err := readLine(r)
		if err != nil {
			return 0, err
		}
		code, err := parseStatusLine(line)
		if err != nil {
			return 0, err
		}
		if code >= 200 || code == 101 {
			return code, nil
		}
		for { // skip the 1xx answer's header lines up to the blank line
			h, err := readLine(r)
			if err != nil {
				return 0, err
			}
			if h == "" {
				break
			}
		}
	}
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", errors.New("malformed HTTP answer: line longer than 4096 bytes")
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

// parseStatusLine reads "HTTP/1.x NNN reason" and returns NNN.
func parseStatusLine(line string) (int, error) {
	proto, rest, ok := strings.Cut(line, " ")
	if !ok || !strings.HasPrefix(proto, "HTTP/") {
		return 0, fmt.Errorf("malformed HTTP answer: status line %.40q", line)
	}
	codeText, _, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeText)
	if err != nil || len(codeText) != 3 || code < 100 {
		return 0, fmt.Errorf("malformed HTTP answer: status line %.40q", line)
	}
	return code, nil
}
