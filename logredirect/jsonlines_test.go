package logredirect

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/initd-dev/initd/internal/testutil"
)

func TestJSONLines(t *testing.T) {
	t.Parallel()
	var buf testutil.SyncBuffer
	out := NewOutput(&buf)
	w := NewJSONLines(out, "job", "stderr").Writer("[backup] ")
	w.Write([]byte("first\nsec"))
	w.Write([]byte("ond \"quoted\"\n\xffbad utf-8\nlast without newline"))
	w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := out.Close(ctx); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := []string{"first", `second "quoted"`, "\ufffdbad utf-8", "last without newline"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, l := range lines {
		var ev struct{ Level, Job, Stream, Time, Message string }
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("line %d is not JSON: %q: %v", i, l, err)
		}
		if ev.Level != "info" || ev.Job != "backup" || ev.Stream != "stderr" || ev.Time == "" || ev.Message != want[i] {
			t.Errorf("line %d = %+v, want job backup, stream stderr, message %q", i, ev, want[i])
		}
	}
}
