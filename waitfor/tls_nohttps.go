//go:build initd_nohttps

package waitfor

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
)

// This file replaces tls.go in a build with the initd_nohttps tag: https
// targets are refused at parse time and crypto/tls is not linked, which
// saves about 2.4 MB (more when text/template is linked too).

type handshake func(ctx context.Context, conn net.Conn) (net.Conn, error)

var errNoHTTPS = errors.New("https is not available in this build (built with the initd_nohttps tag)")

func newHandshake(string, Options) (handshake, error) { return nil, errNoHTTPS }

func tlsReason(error) (string, bool) { return "", false }

// CheckCACertFile checks a --wait-cacert file: a regular file of at most
// [MaxCACertFile] bytes holding at least one PEM "CERTIFICATE" block (this
// build cannot parse certificates). Errors wrap [ErrBadOption].
func CheckCACertFile(path string) error {
	rest, err := readCACertFile(path)
	if err != nil {
		return err
	}
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return fmt.Errorf("%w: --wait-cacert %s: no PEM certificate found", ErrBadOption, path)
		}
		if b.Type == "CERTIFICATE" && len(bytes.TrimSpace(b.Bytes)) > 0 {
			return nil
		}
	}
}
