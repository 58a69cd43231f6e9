package main

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    procStat
		wantErr bool
	}{
		{"plain", "42 (sleep) S 7 42 42 0 -1", procStat{state: 'S', ppid: 7}, false},
		{"zombie", "43 (true) Z 1 43 43 0 -1", procStat{state: 'Z', ppid: 1}, false},
		{"name with spaces and parens", "44 (a) b (c)) R 9 44", procStat{state: 'R', ppid: 9}, false},
		{"no paren", "45 sleep S 7", procStat{}, true},
		{"short", "46 (x) S", procStat{}, true},
		{"bad ppid", "47 (x) S nine", procStat{}, true},
		{"long state", "48 (x) SS 1", procStat{}, true},
		{"empty", "", procStat{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseStat(1, []byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStat(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("parseStat(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParseStat(f *testing.F) {
	for _, s := range []string{"42 (sleep) S 7 42", "44 (a) b (c)) R 9 44", ")", "(", "1 () Z -1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStat(1, b)
		if err == nil && st.state == 0 {
			t.Fatalf("parseStat(%q) = %+v without an error", b, st)
		}
	})
}

func TestQuantile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		xs   []float64
		q    float64
		want float64
	}{
		{nil, 0.5, 0},
		{[]float64{3}, 0.5, 3},
		{[]float64{5, 1, 3}, 0.5, 3},
		{[]float64{4, 1, 3, 2}, 0.5, 2},
		{[]float64{10, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0.9, 9},
		{[]float64{10, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0.1, 1},
	}
	for _, tt := range tests {
		if got := quantile(tt.xs, tt.q); got != tt.want {
			t.Errorf("quantile(%v, %v) = %v, want %v", tt.xs, tt.q, got, tt.want)
		}
	}
}

func TestStatusOf(t *testing.T) {
	t.Parallel()
	m, err := statusOf("/proc/self/status", "VmRSS", "Threads", "voluntary_ctxt_switches")
	if err != nil {
		t.Fatal(err)
	}
	if m["VmRSS"] <= 0 || m["Threads"] <= 0 {
		t.Fatalf("statusOf(/proc/self/status) = %v, want positive VmRSS and Threads", m)
	}
	if _, err := statusOf("/proc/self/status", "NoSuchField"); err == nil {
		t.Fatal("statusOf with a missing field: no error")
	}
}

func TestZombiesIn(t *testing.T) {
	t.Parallel()
	if _, err := zombiesIn(1 << 30); err == nil {
		t.Fatal("zombiesIn of a pid that does not exist: no error")
	}
	// A child that exited and was not waited for is a zombie of this
	// process's namespace.
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := readStat(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if st.state == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still in state %c after 5s", cmd.Process.Pid, st.state)
		}
		time.Sleep(time.Millisecond)
	}
	n, err := zombiesIn(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 {
		t.Fatalf("zombiesIn(self) = %d with a zombie child", n)
	}
}
