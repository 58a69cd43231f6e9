package logredirect

import (
	"bytes"
	"testing"
)

func TestLineSplitter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		max    int
		chunks []string
		want   []string // lines emitted, the last one by flush
	}{
		{"plain", 100, []string{"a\nbc\n"}, []string{"a", "bc"}},
		{"split lines", 100, []string{"a", "b\nc", "d", "\n"}, []string{"ab", "cd"}},
		{"partial at end", 100, []string{"a\nrest"}, []string{"a", "rest"}},
		{"empty lines", 100, []string{"\n", "\n"}, []string{"", ""}},
		{"too long without newline", 4, []string{"abcdefgh\n"}, []string{"abcdefgh"}},
		{"too long across chunks", 4, []string{"ab", "cd", "ef\n"}, []string{"abcd", "ef"}},
		{"carriage return kept", 100, []string{"a\r\n"}, []string{"a\r"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := lineSplitter{max: tt.max}
			var got []string
			emit := func(line []byte) error { got = append(got, string(line)); return nil }
			for _, c := range tt.chunks {
				if err := s.feed([]byte(c), emit); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.flush(emit); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("lines %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("lines %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// FuzzLineSplitter checks that splitting loses, adds and reorders nothing:
// the lines joined with newlines give back the input, however it is cut
// into chunks and whatever the line limit.
func FuzzLineSplitter(f *testing.F) {
	f.Add([]byte("a\nb\n"), uint8(3), uint8(8))
	f.Add([]byte("no newline at all"), uint8(1), uint8(4))
	f.Add([]byte("\n\n\n"), uint8(2), uint8(1))
	f.Add(bytes.Repeat([]byte("x"), 300), uint8(7), uint8(16))
	f.Fuzz(func(t *testing.T, data []byte, chunk, max uint8) {
		s := lineSplitter{max: int(max) + 1}
		var out []byte
		lines := 0
		emit := func(line []byte) error {
			if bytes.IndexByte(line, '\n') >= 0 {
				t.Fatalf("emitted line %q contains a newline", line)
			}
			out = append(out, line...)
			out = append(out, '\n')
			lines++
			return nil
		}
		step := int(chunk) + 1
		for i := 0; i < len(data); i += step {
			if err := s.feed(data[i:min(i+step, len(data))], emit); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.flush(emit); err != nil {
			t.Fatal(err)
		}
		want := data
		if len(want) > 0 && want[len(want)-1] != '\n' {
			want = append(bytes.Clone(want), '\n')
		}
		// Lines cut at the limit gain a newline; remove those to compare.
		if !bytes.Equal(bytes.ReplaceAll(out, []byte("\n"), nil), bytes.ReplaceAll(want, []byte("\n"), nil)) {
			t.Fatalf("content changed: got %q from %q", out, data)
		}
		if bytes.Count(data, []byte("\n")) > lines {
			t.Fatalf("%d lines emitted for %d newlines", lines, bytes.Count(data, []byte("\n")))
		}
		if int(max) >= len(data) && !bytes.Equal(out, want) {
			t.Fatalf("got %q, want %q", out, want)
		}
	})
}
