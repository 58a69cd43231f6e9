//go:build !initd_nohttps

package waitfor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
)

// handshake turns a connected socket into a TLS client connection.
type handshake func(ctx context.Context, conn net.Conn) (net.Conn, error)

// errNoHTTPS is what newHandshake returns in a build without TLS.
var errNoHTTPS = errors.New("https is not available in this build")

// newHandshake builds the TLS client of one https target: the system roots
// plus opts.CACertFile, or no verification with opts.Insecure. No ALPN
// protocol is offered, so servers answer in HTTP/1.1.
func newHandshake(host string, opts Options) (handshake, error) {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: opts.Insecure, //nolint:gosec // the user asked for it with --wait-insecure
		// For an IP address no SNI is sent and the certificate's IP
		// addresses are checked; crypto/tls does both from ServerName.
		ServerName: host,
	}
	if opts.CACertFile != "" && !opts.Insecure {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if err := appendCACerts(pool, opts.CACertFile); err != nil {
			return nil, err
		}
		cfg.RootCAs = pool // nil otherwise: crypto/tls uses the system roots
	}
	return func(ctx context.Context, conn net.Conn) (net.Conn, error) {
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, err
		}
		return tc, nil
	}, nil
}

// CheckCACertFile checks a --wait-cacert file without waiting for anything:
// a regular file of at most [MaxCACertFile] bytes holding at least one PEM
// certificate. `initd validate` and start-up call it whether or not an
// https target is given. Errors wrap [ErrBadOption].
func CheckCACertFile(path string) error {
	return appendCACerts(x509.NewCertPool(), path)
}

// appendCACerts adds the certificates of the CA file at path to pool.
func appendCACerts(pool *x509.CertPool, path string) error {
	pemData, err := readCACertFile(path)
	if err != nil {
		return err
	}
	if !pool.AppendCertsFromPEM(pemData) {
		return fmt.Errorf("%w: --wait-cacert %s: no PEM certificate found", ErrBadOption, path)
	}
	return nil
}

// tlsReason describes a TLS failure: "TLS error: " and the message from
// its first "x509: " on, or else from its first "tls: " on ("x509:
// certificate signed by unknown authority"), whole: a later "x509: " may be
// inside the quoted hint that follows the reason. ok is false for other
// errors.
func tlsReason(err error) (reason string, ok bool) {
	var (
		verify  *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		alert   tls.AlertError
		record  tls.RecordHeaderError
	)
	if err == nil || !(errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &host) ||
		errors.As(err, &invalid) || errors.As(err, &alert) || errors.As(err, &record)) {
		return "", false
	}
	msg := err.Error()
	for _, marker := range []string{"x509: ", "tls: "} {
		if i := strings.Index(msg, marker); i >= 0 {
			return "TLS error: " + msg[i:], true
		}
	}
	return "TLS error: " + msg, true
}
