//go:build !initd_nohttps

package waitfor

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// httpsBuilt says whether https targets are in this build.
const httpsBuilt = true

func TestProbeHTTPS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes are expected
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemData := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		url    string
		opts   Options
		reason string
	}{
		{"unknown authority", srv.URL + "/", Options{}, "TLS error: x509: certificate signed by unknown authority"},
		{"insecure", srv.URL + "/", Options{Insecure: true}, "ready"},
		{"cacert", srv.URL + "/", Options{CACertFile: caFile}, "ready"},
		{"cacert, 503", srv.URL + "/down", Options{CACertFile: caFile}, "status 503"},
		{"cacert, wrong name", strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/",
			Options{CACertFile: caFile}, "TLS error: x509: certificate is valid for"},
	}
	for _, tt := range tests {
		err := probeOnce(t, mustParse(t, tt.url, tt.opts))
		if !strings.HasPrefix(Reason(err), tt.reason) {
			t.Errorf("%s: %v (reason %q), want %q", tt.name, err, Reason(err), tt.reason)
		}
	}
	// plain HTTP spoken to a TLS port
	err := probeOnce(t, mustParse(t, strings.Replace(srv.URL, "https", "http", 1), Options{}))
	if Reason(err) != "status 400" {
		t.Errorf("http to a TLS port: %v (reason %q)", err, Reason(err))
	}
}

func TestParseCACertProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{filepath.Join(dir, "missing.pem"), notPEM} {
		_, err := Parse("https://web/", Options{CACertFile: file})
		if !errors.Is(err, ErrBadOption) {
			t.Errorf("CACertFile %s: %v, want ErrBadOption", file, err)
		}
	}
}

func TestTLSReasonKeepsTheReasonWhole(t *testing.T) {
	t.Parallel()
	// x509.UnknownAuthorityError with a hint: a second "x509: " inside a quote.
	msg := `x509: certificate signed by unknown authority (possibly because of "x509: ECDSA verification failure" while trying to verify candidate authority certificate "ca")`
	err := &tls.CertificateVerificationError{Err: errors.New(msg)}
	got, ok := tlsReason(fmt.Errorf("Get: %w", err))
	if !ok || got != "TLS error: "+msg {
		t.Fatalf("tlsReason = %q, want the whole x509 message", got)
	}
}

func TestCheckCACertFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	srv.Close()
	good := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(good, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	none := filepath.Join(dir, "none.pem")
	if err := os.WriteFile(none, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckCACertFile(good); err != nil {
		t.Fatalf("CheckCACertFile(good) = %v", err)
	}
	for path, want := range map[string]string{
		none:        "no PEM certificate found",
		fifo:        "is a FIFO (named pipe), not a regular file",
		"/dev/zero": "is a character device, not a regular file",
		dir:         "is a directory, not a regular file",
	} {
		err := CheckCACertFile(path)
		if !errors.Is(err, ErrBadOption) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckCACertFile(%s) = %v, want %q", path, err, want)
		}
	}
}
