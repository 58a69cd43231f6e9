//go:build !initd_nohttps

package waitfor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
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
		pemData, err := os.ReadFile(opts.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("%w: --wait-cacert: %w", ErrBadOption, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("%w: --wait-cacert %s: no PEM certificate found", ErrBadOption, opts.CACertFile)
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

// tlsReason describes a TLS failure: "TLS error: " and the part of the
// message after the last "x509: " or "tls: " ("certificate signed by
// unknown authority"). ok is false for other errors.
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
		if i := strings.LastIndex(msg, marker); i >= 0 {
			return "TLS error: " + msg[i:], true
		}
	}
	return "TLS error: " + msg, true
}
