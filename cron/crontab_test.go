package cron

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/initd-dev/initd/environ"
)

func TestParseCrontab(t *testing.T) {
	t.Parallel()
	const crontab = "# a comment\r\n" +
		"\n" +
		"   # an indented comment\n" +
		"SHELL=/bin/bash\n" +
		"GREETING = \"hello  world\"\n" +
		"\t*/5\t*\t*\t*\t*\techo \"$GREETING\"\r\n" +
		"QUOTED='single'\n" +
		"GREETING=bye\n" +
		"TZ=Europe/Paris\n" +
		"CRON_TZ=Asia/Tokyo\n" +
		"@hourly echo two\n" +
		"TZ=UTC 0 0 * * * echo three\n" +
		"EMPTY=\n"
	jobs, err := ParseCrontab(strings.NewReader(crontab), "/etc/crontab")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 3 {
		t.Fatalf("got %d jobs, want 3: %+v", len(jobs), jobs)
	}
	tests := []struct {
		cmd, source, zone string
		env               []string
	}{
		{`echo "$GREETING"`, "/etc/crontab:6", "Local", []string{"SHELL=/bin/bash", "GREETING=hello  world"}},
		{"echo two", "/etc/crontab:11", "Asia/Tokyo", []string{"SHELL=/bin/bash", "QUOTED=single", "GREETING=bye", "TZ=Europe/Paris"}},
		{"echo three", "/etc/crontab:12", "UTC", []string{"SHELL=/bin/bash", "QUOTED=single", "GREETING=bye", "TZ=Europe/Paris"}},
	}
	for i, tt := range tests {
		j := jobs[i]
		if j.Command != tt.cmd || j.Source != tt.source || j.Location().String() != tt.zone || !slices.Equal(j.Env, tt.env) {
			t.Errorf("job %d = command %q source %q zone %q env %q, want %q %q %q %q",
				i, j.Command, j.Source, j.Location(), j.Env, tt.cmd, tt.source, tt.zone, tt.env)
		}
	}
}

func TestParseCrontabErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		line       int
		want       string
	}{
		{"bad field", "# ok\n\n61 * * * * x\n", 3, "minute"},
		{"empty cron tz", "CRON_TZ=\n@daily x\n", 1, "empty time zone"},
		{"unknown cron tz", "A=1\nCRON_TZ=Nowhere/Else\n", 2, "unknown time zone"},
		{"tz prefix", "@daily x\nTZ= @daily y\n", 2, "empty time zone"},
		{"junk", "hello world\n", 1, "expected 5"},
		{"nul in value", "SECRET=abc\x00def\n", 1, "SECRET=..."},
		{"long line", strings.Repeat("x", maxLine+10) + "\n", 1, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseCrontab(strings.NewReader(tt.text), "tab")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.File != "tab" || pe.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q (line %d), want line %d containing %q", err, pe.Line, tt.line, tt.want)
			}
			if strings.Contains(err.Error(), "abc") {
				t.Errorf("error %q leaks an environment value", err)
			}
		})
	}
}

// Every bad line is reported, one error each, in order, not only the first.
func TestParseCrontabEveryBadLine(t *testing.T) {
	t.Parallel()
	text := "61 * * * * a\n* * * * * fine\nCRON_TZ=Nowhere/Else\n* * * * 9 b\n"
	_, err := ParseCrontab(strings.NewReader(text), "tab")
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var pe *ParseError
		if !errors.As(e, &pe) {
			t.Fatalf("%v is not a *ParseError", e)
		}
		lines = append(lines, pe.Line)
	}
	if !slices.Equal(lines, []int{1, 3, 4}) {
		t.Errorf("bad lines %v, want [1 3 4]; error:\n%v", lines, err)
	}
	want := "crontab tab:1: minute field \"61\": 61 is outside 0-59\n"
	if !strings.HasPrefix(err.Error(), want) || strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("error text:\n%v\nwant three lines, the first %q", err, want)
	}
}

func TestParseCrontabManyBadLines(t *testing.T) {
	t.Parallel()
	_, err := ParseCrontab(strings.NewReader(strings.Repeat("junk\n", 1000)), "tab")
	if got := strings.Count(err.Error(), "\n") + 1; got != maxLineErrors+1 {
		t.Errorf("%d lines of error, want %d", got, maxLineErrors+1)
	}
	if !strings.Contains(err.Error(), "980 more bad lines not shown (1000 in all)") {
		t.Errorf("last line of %q does not count the rest", err)
	}
}

func TestParseCrontabReadError(t *testing.T) {
	t.Parallel()
	_, err := ParseCrontab(iotest.ErrReader(errors.New("disk on fire")), "tab")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v", err)
	}
}

func TestNumber(t *testing.T) {
	t.Parallel()
	jobs := []Job{{}, {Name: "mine"}, {}}
	got := Number(jobs)
	if got[0].Name != "job1" || got[1].Name != "mine" || got[2].Name != "job3" || jobs[0].Name != "" {
		t.Errorf("Number = %q %q %q (input changed: %q)", got[0].Name, got[1].Name, got[2].Name, jobs[0].Name)
	}
}

// FuzzParseCrontab: no input may panic, and whatever parses must have a
// command and a next run (or have stopped firing), and valid env lines.
func FuzzParseCrontab(f *testing.F) {
	for _, s := range []string{
		"* * * * * echo hi\n",
		"# c\nA=1\n*/5 * * * * * x\n",
		"CRON_TZ=UTC\n@every 1s x\n",
		"TZ= * * * * * x",
		"TZ=",
		"CRON_TZ=Europe/Paris 0 9 * * 1-5 x\r\n",
		"@every 1h30m x",
		"1,,2 */0 ? L W x",
		"0 0 30 2 * x",
		"A = 'b'\n\tB=\"c\"\n",
		"*-5 jan-dec/2 1-31 * sun-sat x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		jobs, err := ParseCrontab(strings.NewReader(s), "fuzz")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		for _, j := range jobs {
			if j.Command == "" || j.sched == nil {
				t.Fatalf("job %+v has no command or schedule", j)
			}
			for _, kv := range j.Env {
				if name, _, ok := strings.Cut(kv, "="); !ok || !environ.ValidName(name) {
					t.Fatalf("bad env entry %q", kv)
				}
			}
		}
	})
}

// FuzzParseLine: a --cron value never panics, and a valid one re-parses
// from its own Schedule and Command to the same thing.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"* * * * * x", "*/10 * * * * * x", "@daily x", "@every 5s x", "TZ=UTC @hourly x",
		"TZ=", "CRON_TZ= x", "@every", "60 * * * * x", "0 0 31 4 * x", "mon * * * * x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := ParseLine(s)
		if err != nil {
			return
		}
		again, err := ParseLine(j.Schedule + " " + j.Command)
		if err != nil {
			t.Fatalf("%q parsed, but %q did not: %v", s, j.Schedule+" "+j.Command, err)
		}
		if again.Schedule != j.Schedule || again.Command != j.Command || again.Seconds != j.Seconds {
			t.Fatalf("re-parse of %q differs: %+v vs %+v", s, again, j)
		}
	})
}
