//go:build initd_nohttps

package waitfor

import (
	"errors"
	"testing"
)

// httpsBuilt says whether https targets are in this build.
const httpsBuilt = false

func TestHTTPSRefusedWithoutTLS(t *testing.T) {
	t.Parallel()
	if _, err := Parse("https://web/health", Options{}); !errors.Is(err, ErrBadTarget) {
		t.Fatalf("Parse(https://...) in a build without TLS: %v, want ErrBadTarget", err)
	}
}
