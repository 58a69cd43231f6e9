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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/initd-dev/initd/internal/testutil"

	"github.com/rs/zerolog"
)

// countingTarget fails until ready is set and records when it was probed.
type countingTarget struct {
	mu    sync.Mutex
	times []time.Time
	ready atomic.Bool
}

func (c *countingTarget) String() string { return "fake://counting" }

func (c *countingTarget) Probe(ctx context.Context) error {
	c.mu.Lock()
	c.times = append(c.times, time.Now())
	c.mu.Unlock()
	if c.ready.Load() {
		return nil
	}
	return &TargetError{Target: c.String(), Err: errors.New("not yet")}
}

func (c *countingTarget) attempts() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.times...)
}

func TestAllReadyAtOnce(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	targets := []Target{mustParse(t, "tcp://"+ln.Addr().String(), Options{}), mustParse(t, "file:///", Options{})}
	start := time.Now()
	if err := All(context.Background(), targets, Options{Timeout: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("ready targets took %v", took)
	}
	if err := All(context.Background(), nil, Options{}); err != nil {
		t.Errorf("no targets: %v", err)
	}
}

func TestAllWaitsFor503Then200AndLateFile(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	late := filepath.Join(t.TempDir(), "late")
	time.AfterFunc(300*time.Millisecond, func() { _ = os.WriteFile(late, nil, 0o600) })
	targets := []Target{mustParse(t, srv.URL+"/health", Options{}), mustParse(t, "file://"+late, Options{})}
	if err := All(context.Background(), targets, Options{Timeout: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 4 {
		t.Errorf("the server was asked %d times, want 4 (three 503s, then 200)", calls.Load())
	}
}

func TestAllDeadline(t *testing.T) {
	t.Parallel()
	silent := silentServer(t)
	tests := []struct {
		name    string
		attempt time.Duration
		reasons []string
	}{
		// the first attempt at the silent server outlives the deadline
		{"long attempts", 0, []string{"connection refused", "no answer before the deadline"}},
		{"short attempts", 100 * time.Millisecond, []string{"connection refused", "attempt timed out"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			targets := []Target{
				mustParse(t, "tcp://"+refusedAddr(t), Options{}),
				mustParse(t, "http://"+silent+"/", Options{}),
			}
			start := time.Now()
			err := All(context.Background(), targets, Options{Timeout: 700 * time.Millisecond, AttemptTimeout: tt.attempt})
			if took := time.Since(start); took < 700*time.Millisecond || took > 1500*time.Millisecond {
				t.Errorf("All returned after %v; want the 700ms deadline", took)
			}
			var nr *NotReadyError
			if !errors.Is(err, ErrTimeout) || !errors.As(err, &nr) {
				t.Fatalf("All: %v; want a *NotReadyError wrapping ErrTimeout", err)
			}
			if len(nr.NotReady) != 2 {
				t.Fatalf("not ready: %v", nr.NotReady)
			}
			for i, want := range tt.reasons {
				if got := Reason(nr.NotReady[i]); got != want {
					t.Errorf("target %d: reason %q, want %q", i, got, want)
				}
			}
			if !strings.HasPrefix(err.Error(), "wait: timed out after ") {
				t.Errorf("message %q", err)
			}
		})
	}
}

func TestAllContextCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	target := mustParse(t, "http://"+silentServer(t)+"/", Options{})
	start := time.Now()
	err := All(ctx, []Target{target}, Options{Timeout: 10 * time.Second})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) || time.Since(start) > 2*time.Second {
		t.Fatalf("All after cancel: %v (after %v); want context.Canceled promptly", err, time.Since(start))
	}
}

// TestAllAttemptRate checks the promise to a target that stays down: never
// more than 10 attempts in any second, and the interval grows to its bound.
func TestAllAttemptRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		interval time.Duration
		maxPerS  int
	}{
		{0, 10},                     // defaults: 100ms, growing to 200ms
		{time.Second, 10},           // 100ms growing to 1s
		{50 * time.Millisecond, 21}, // the user asked for faster
	}
	for _, tt := range tests {
		t.Run(tt.interval.String(), func(t *testing.T) {
			t.Parallel()
			c := &countingTarget{}
			err := All(context.Background(), []Target{c}, Options{Timeout: 4 * time.Second, Interval: tt.interval})
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("All: %v", err)
			}
			times := c.attempts()
			for i := range times {
				n := 0
				for j := i; j < len(times) && times[j].Sub(times[i]) < time.Second; j++ {
					n++
				}
				if n > tt.maxPerS {
					t.Fatalf("%d attempts within a second from attempt %d, want <= %d", n, i, tt.maxPerS)
				}
			}
			want := tt.interval
			if want == 0 {
				want = DefaultInterval
			}
			// the longest gap shows that the backoff reached its bound (no
			// upper bound here: a busy machine lengthens gaps at will)
			var gap time.Duration
			for i := 1; i < len(times); i++ {
				gap = max(gap, times[i].Sub(times[i-1]))
			}
			if gap < want*8/10 {
				t.Errorf("the longest gap is %v, want about %v", gap, want)
			}
		})
	}
}

func TestAllNoticesReadinessQuickly(t *testing.T) {
	t.Parallel()
	c := &countingTarget{}
	var readyAt atomic.Int64
	time.AfterFunc(1200*time.Millisecond, func() {
		readyAt.Store(time.Now().UnixNano())
		c.ready.Store(true)
	})
	if err := All(context.Background(), []Target{c}, Options{Timeout: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if delay := time.Since(time.Unix(0, readyAt.Load())); delay > time.Second {
		// a loose bound for busy test machines; integration/bench/wait.sh
		// measures the real median
		t.Errorf("readiness noticed after %v, want within about one interval (%v)", delay, DefaultInterval)
	}
}

func TestAllProgressLogNamesReasonsNotSecrets(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var buf testutil.SyncBuffer
	h, _ := ParseHeader("Authorization: Bearer tok-SECRET-1")
	opts := Options{
		Timeout:  600 * time.Millisecond,
		Progress: 200 * time.Millisecond,
		Headers:  []Header{h},
		Log:      zerolog.New(&buf).Level(zerolog.DebugLevel),
	}
	targets := []Target{
		mustParse(t, strings.Replace(srv.URL, "http://", "http://me:pw-SECRET-2@", 1)+"/health", opts),
		mustParse(t, "tcp://"+refusedAddr(t), opts),
	}
	err := All(context.Background(), targets, opts)
	out := buf.String() + err.Error()
	for _, secret := range []string{"SECRET"} {
		if strings.Contains(out, secret) {
			t.Errorf("a secret reached the log or the error:\n%s", out)
		}
	}
	for _, want := range []string{"not ready yet", "status 503", "connection refused", "me:xxxxx@"} {
		if !strings.Contains(out, want) {
			t.Errorf("log and error lack %q:\n%s", want, out)
		}
	}
	if n := strings.Count(buf.String(), "not ready yet"); n < 1 || n > 3 {
		t.Errorf("%d progress lines in 600ms at one per 200ms:\n%s", n, out)
	}
	if n := strings.Count(buf.String(), "target not ready"); n != 2 {
		t.Errorf("%d debug lines for unchanged reasons, want one per target:\n%s", n, out)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	up := mustParse(t, "tcp://"+ln.Addr().String(), Options{})
	down := mustParse(t, "tcp://"+refusedAddr(t), Options{})
	silent := mustParse(t, "http://"+silentServer(t)+"/", Options{})

	if err := Check(context.Background(), []Target{up}, Options{}); err != nil {
		t.Errorf("Check(up): %v", err)
	}
	start := time.Now()
	err = Check(context.Background(), []Target{up, down, silent}, Options{AttemptTimeout: 300 * time.Millisecond})
	if took := time.Since(start); took > time.Second {
		t.Errorf("Check took %v with a 300ms attempt timeout", took)
	}
	var nr *NotReadyError
	if !errors.As(err, &nr) || len(nr.NotReady) != 2 || errors.Is(err, ErrTimeout) {
		t.Fatalf("Check: %v; want two targets not ready", err)
	}
	if !strings.HasPrefix(err.Error(), "check: tcp://") || !strings.Contains(err.Error(), "connection refused; http://") ||
		!strings.HasSuffix(err.Error(), ": attempt timed out") {
		t.Errorf("message %q", err)
	}
}
