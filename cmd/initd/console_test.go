package main

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestConsoleWriter(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	log := zerolog.New(newConsoleWriter(&b))
	log.Info().Int("pid", 7).Strs("argv", []string{"sh", "-c", "a b"}).Str("status", "exit status 3").
		Stringer("grace", 8*time.Second).Msg("exited")
	log.Warn().Str("line", "two\nlines").Err(errors.New("it failed")).Msg("a\nb")
	log.Debug().Msg("quiet")
	want := `initd INF exited argv=["sh","-c","a b"] grace=8s pid=7 status="exit status 3"` + "\n" +
		`initd WRN a b error="it failed" line="two\nlines"` + "\n" +
		"initd DBG quiet\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}

func FuzzConsoleWriter(f *testing.F) {
	f.Add("m", "v")
	f.Add("a\r\nb", "x\ny \"z\"")
	f.Fuzz(func(t *testing.T, msg, value string) {
		var b bytes.Buffer
		log := zerolog.New(newConsoleWriter(&b))
		log.Info().Str("k", value).Msg(msg)
		if !bytes.HasSuffix(b.Bytes(), []byte("\n")) || bytes.Count(b.Bytes(), []byte("\n")) != 1 ||
			!bytes.HasPrefix(b.Bytes(), []byte("initd INF ")) {
			t.Fatalf("not one line: %q", b.String())
		}
	})
}
