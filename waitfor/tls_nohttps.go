//go:build initd_nohttps

package waitfor

import (
	"context"
	"errors"
	"net"
)

// This file replaces tls.go in a build with the initd_nohttps tag: https
// targets are refused at parse time and crypto/tls is not linked, which
// saves about 2.4 MB (more when text/template is linked too).

type handshake func(ctx context.Context, conn net.Conn) (net.Conn, error)

var errNoHTTPS = errors.New("https is not available in this build (built with the initd_nohttps tag)")

func newHandshake(string, Options) (handshake, error) { return nil, errNoHTTPS }

func tlsReason(error) (string, bool) { return "", false }
