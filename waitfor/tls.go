package waitfor

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// tlsConfig builds the client configuration of one https target: the system
// roots plus opts.CACertFile, or no verification with opts.Insecure. No ALPN
// protocol is offered, so servers answer in HTTP/1.1.
func tlsConfig(host string, opts Options) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: opts.Insecure, //nolint:gosec // the user asked for it with --wait-insecure
	}
	// For an IP address no SNI is sent and the certificate's IP addresses
	// are checked; crypto/tls does both from ServerName.
	cfg.ServerName = host
	if opts.CACertFile == "" || opts.Insecure {
		return cfg, nil // nil RootCAs: crypto/tls uses the system roots
	}
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
	cfg.RootCAs = pool
	return cfg, nil
}
