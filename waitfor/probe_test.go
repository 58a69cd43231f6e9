package waitfor

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// refusedAddr returns a loopback address on which nothing listens.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silentServer accepts connections and never answers until the test ends.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func mustParse(t *testing.T, s string, opts Options) Target {
	t.Helper()
	tg, err := Parse(s, opts)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return tg
}

func probeOnce(t *testing.T, tg Target) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return tg.Probe(ctx)
}

func TestProbeTCP(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := probeOnce(t, mustParse(t, "tcp://"+ln.Addr().String(), Options{})); err != nil {
		t.Errorf("listening port: %v", err)
	}
	err = probeOnce(t, mustParse(t, "tcp://"+refusedAddr(t), Options{}))
	if !errors.Is(err, syscall.ECONNREFUSED) || Reason(err) != "connection refused" {
		t.Errorf("closed port: %v (reason %q); want connection refused", err, Reason(err))
	}
	var te *TargetError
	if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), "tcp://127.0.0.1:") {
		t.Errorf("error %q is not a *TargetError naming the target", err)
	}
}

func TestProbeDNS(t *testing.T) {
	t.Parallel()
	err := probeOnce(t, mustParse(t, "tcp://no-such-host.invalid:80", Options{}))
	if !strings.HasPrefix(Reason(err), "DNS: ") {
		t.Errorf("unknown host: reason %q (%v); want DNS: ...", Reason(err), err)
	}
}

func TestProbeUnix(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sock := filepath.Join(dir, "app.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path   string
		reason string
	}{
		{sock, "ready"},
		{filepath.Join(dir, "missing.sock"), "does not exist"},
		{plain, "not a socket (a regular file)"},
		{dir, "not a socket (a directory)"},
	}
	for _, tt := range tests {
		err := probeOnce(t, mustParse(t, "unix://"+tt.path, Options{}))
		if Reason(err) != tt.reason {
			t.Errorf("unix://%s: %v (reason %q), want %q", tt.path, err, Reason(err), tt.reason)
		}
	}
}

func TestProbeFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := probeOnce(t, mustParse(t, "file://"+dir, Options{})); err != nil {
		t.Errorf("existing directory: %v", err)
	}
	err := probeOnce(t, mustParse(t, "file://"+dir+"/nope", Options{}))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestProbeHTTPStatuses(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(http.StatusOK)
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/hints":
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusOK)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	redirects, _ := ParseStatuses("300-399")
	tests := []struct {
		path     string
		statuses StatusSet
		reason   string
	}{
		{"/ok", nil, "ready"},
		{"/nocontent", nil, "ready"},
		{"/down", nil, "status 503"},
		{"/redirect", nil, "status 302"},
		{"/redirect", redirects, "ready"},
		{"/hints", nil, "ready"},
		{"/missing", nil, "status 404"},
	}
	for _, tt := range tests {
		err := probeOnce(t, mustParse(t, srv.URL+tt.path, Options{Statuses: tt.statuses}))
		if Reason(err) != tt.reason {
			t.Errorf("GET %s (statuses %v): %v (reason %q), want %q", tt.path, tt.statuses, err, Reason(err), tt.reason)
		}
	}
}

func TestProbeHTTPSendsHeadersAndAuth(t *testing.T) {
	t.Parallel()
	var seen atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		seen.Store(r.Method + " " + r.URL.RequestURI() + " " + r.Header.Get("X-Token") + " " + user + ":" + pass +
			" " + r.Host + " " + r.Header.Get("Connection"))
	}))
	defer srv.Close()
	h, err := ParseHeader("X-Token: s3cret")
	if err != nil {
		t.Fatal(err)
	}
	target := strings.Replace(srv.URL, "http://", "http://me:pw@", 1) + "/health?deep=1"
	if err := probeOnce(t, mustParse(t, target, Options{Headers: []Header{h}})); err != nil {
		t.Fatal(err)
	}
	want := "GET /health?deep=1 s3cret me:pw " + strings.TrimPrefix(srv.URL, "http://") + " close"
	if got, _ := seen.Load().(string); got != want {
		t.Errorf("server saw %q, want %q", got, want)
	}
}

func TestProbeHTTPNotHTTP(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			c.Close()
		}
	}()
	err = probeOnce(t, mustParse(t, "http://"+ln.Addr().String()+"/", Options{}))
	if err == nil || !strings.Contains(Reason(err), "malformed HTTP answer") {
		t.Errorf("SSH server: %v, want a malformed HTTP answer", err)
	}
}

func TestProbeHTTPSilentServerTimesOut(t *testing.T) {
	t.Parallel()
	addr := silentServer(t)
	schemes := []string{"http"}
	if httpsBuilt {
		schemes = append(schemes, "https")
	}
	for _, scheme := range schemes {
		tg := mustParse(t, scheme+"://"+addr+"/", Options{Insecure: true})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		err := tg.Probe(ctx)
		cancel()
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: the probe took %v despite a 200ms timeout", scheme, took)
		}
		if Reason(err) != "attempt timed out" {
			t.Errorf("%s: %v (reason %q), want timeout", scheme, err, Reason(err))
		}
	}
}

func TestProbeHTTPSilentServerCancelled(t *testing.T) {
	t.Parallel()
	tg := mustParse(t, "http://"+silentServer(t)+"/", Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := tg.Probe(ctx)
	if took := time.Since(start); took > time.Second || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled probe: %v after %v; want context.Canceled promptly", err, took)
	}
}
