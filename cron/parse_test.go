package cron

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseLineValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line, schedule, command string
		seconds                 bool
		zone                    string
	}{
		{line: "* * * * * echo hi", schedule: "* * * * *", command: "echo hi"},
		{line: "*/5 0-23/2 1,15 jan-jun mon-fri  /bin/task  --flag 'a  b'", schedule: "*/5 0-23/2 1,15 jan-jun mon-fri", command: "/bin/task  --flag 'a  b'"},
		{line: "\t0\t3\t*\t*\t*\tbackup.sh", schedule: "0 3 * * *", command: "backup.sh"},
		{line: "*/10 * * * * * echo six", schedule: "*/10 * * * * *", command: "echo six", seconds: true},
		{line: "30 0 3 ? * sun cmd", schedule: "30 0 3 ? * sun", command: "cmd", seconds: true},
		// Five fields, then a command whose first word is not a field.
		{line: "0 0 * * * 7z a x.7z", schedule: "0 0 * * *", command: "7z a x.7z"},
		{line: "@hourly date", schedule: "@hourly", command: "date"},
		{line: "@DAILY date", schedule: "@DAILY", command: "date"},
		{line: "@every 90s echo x", schedule: "@every 90s", command: "echo x"},
		{line: "@every 1h30m echo x", schedule: "@every 1h30m", command: "echo x"},
		{line: "CRON_TZ=Europe/Paris 0 9 * * * hello", schedule: "CRON_TZ=Europe/Paris 0 9 * * *", command: "hello", zone: "Europe/Paris"},
		{line: "TZ=UTC @daily x", schedule: "TZ=UTC @daily", command: "x", zone: "UTC"},
		{line: "CRON_TZ=America/New_York */5 * * * * * x", schedule: "CRON_TZ=America/New_York */5 * * * * *", command: "x", seconds: true, zone: "America/New_York"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			j, err := ParseLine(tt.line)
			if err != nil {
				t.Fatalf("ParseLine(%q): %v", tt.line, err)
			}
			if j.Schedule != tt.schedule || j.Command != tt.command || j.Seconds != tt.seconds {
				t.Errorf("got schedule %q command %q seconds %v, want %q %q %v", j.Schedule, j.Command, j.Seconds, tt.schedule, tt.command, tt.seconds)
			}
			if tt.zone != "" && j.Location().String() != tt.zone {
				t.Errorf("zone %q, want %q", j.Location(), tt.zone)
			}
			if len(j.Next(time.Now(), 3)) != 3 {
				t.Errorf("fewer than 3 next runs")
			}
		})
	}
}

// Every malformed example must be a *ParseError, never a panic.
func TestParseLineInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct{ line, want string }{
		{"", "empty"},
		{"   ", "empty"},
		{"TZ=", "empty time zone"},
		{"TZ= * * * * * x", "empty time zone"},
		{"CRON_TZ=", "empty time zone"},
		{"CRON_TZ= @daily x", "empty time zone"},
		{"TZ=Mars/Olympus * * * * * x", "unknown time zone"},
		{"CRON_TZ=../../etc/passwd * * * * * x", `CRON_TZ="../../etc/passwd"`},
		{"TZ=UTC", "expected 5 schedule fields"},
		{"* * * * *", "no command"},
		{"* * * *", "expected 5"},
		{"* * * * * * ", "six schedule fields and no command"},
		{"60 * * * * x", "minute"},
		{"* 24 * * * x", "hour"},
		{"* * 0 * * x", "day-of-month"},
		{"* * 32 * * x", "day-of-month"},
		{"* * * 13 * x", "month"},
		{"* * * foo * x", "month"},
		{"* * * * 8 x", "outside 0-7"},
		{"* * * * 7-1 x", "runs backwards"},
		{"* * * * mon-sun x", "runs backwards"},
		{"5-1 * * * * x", "runs backwards"},
		{"1,,2 * * * * x", "empty item"},
		{", * * * * x", "empty item"},
		{"*/0 * * * * x", "step 0"},
		{"*/61 * * * * x", "step 61"},
		{"*/ * * * * x", "step"},
		{"1/x * * * * x", "step"},
		{"*-5 * * * * x", "not a number"},
		{"+5 * * * * x", "not a number"},
		{"-5 * * * * x", "not a number"},
		{"1-2-3 * * * * x", "not a number"},
		{"99999999999999999999 * * * * x", "not a number"},
		{"? * * * * x", `"?" is only allowed`},
		{"L * * * * x", "not a number"},
		{"* * L * * x", "not a number"},
		{"* * * * 5#3 x", "neither a number"},
		{"0 0 30 2 * x", "never fires"},
		{"@reboot x", "@reboot is not supported"},
		{"@weekly", "no command"},
		{"@every", "needs a duration"},
		{"@every x", "not a duration"},
		{"@every 500ms x", "whole number of seconds"},
		{"@every 1500ms x", "whole number of seconds"},
		{"@every 0s x", "at least 1s"},
		{"@every -1m x", "at least 1s"},
		{"@fortnightly x", "unknown descriptor"},
		{"@", "unknown descriptor"},
		{"@daily\x00 x", "NUL"},
		{"0 3 * * * 2027 year", "year field"},
		{"0 0 3 * * * 2027 year", "year field"},
		{"0 3 * * * 2027-2030 year", "year field"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			_, err := ParseLine(tt.line)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseLine(%q) = %v, want a *ParseError", tt.line, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.HasPrefix(msg, "cron: ") || strings.Contains(msg, "\n") {
				t.Errorf("ParseLine(%q) = %q, want it to contain %q", tt.line, err, tt.want)
			}
		})
	}
}

func TestFieldErrorsWrapErrField(t *testing.T) {
	t.Parallel()
	_, err := ParseLine("61 * * * * x")
	if !errors.Is(err, errField) {
		t.Fatalf("error %v does not wrap errField", err)
	}
}

func TestNextFiveAndSixFields(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		line string
		want []time.Time
	}{
		{"TZ=UTC */20 * * * * * x", []time.Time{from.Add(20 * time.Second), from.Add(40 * time.Second), from.Add(60 * time.Second)}},
		{"TZ=UTC */20 * * * * x", []time.Time{from.Add(20 * time.Minute), from.Add(40 * time.Minute), from.Add(60 * time.Minute)}},
		{"@every 1m x", []time.Time{from.Add(time.Minute), from.Add(2 * time.Minute), from.Add(3 * time.Minute)}},
		{"TZ=UTC @daily x", []time.Time{from.Add(14 * time.Hour), from.Add(38 * time.Hour), from.Add(62 * time.Hour)}},
		// from is a Sunday; 7 is Sunday as in Vixie cron and cronie.
		{"TZ=UTC 0 3 * * 7 x", []time.Time{day(8, 3), day(15, 3), day(22, 3)}},
		{"TZ=UTC 0 3 * * 5-7 x", []time.Time{day(6, 3), day(7, 3), day(8, 3), day(13, 3)}},
		{"TZ=UTC 0 3 * * fri-7/2 x", []time.Time{day(6, 3), day(8, 3), day(13, 3)}},
		{"TZ=UTC 0 3 * * 1,7 x", []time.Time{day(2, 3), day(8, 3), day(9, 3)}},
		{"TZ=UTC 0 0 3 * * 7/3 x", []time.Time{day(8, 3), day(15, 3)}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Parallel()
			j, err := ParseLine(tt.line)
			if err != nil {
				t.Fatal(err)
			}
			got := j.Next(from, len(tt.want))
			for i := range tt.want {
				if i >= len(got) || !got[i].Equal(tt.want[i]) {
					t.Fatalf("Next = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// Around both DST changes, activations must strictly increase and stay an
// ordinary number: no repeated time, no burst (supercronic#86).
func TestNextAcrossDST(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		"CRON_TZ=America/New_York 30 2 * * * x",
		"CRON_TZ=America/New_York 0 1 * * * x",
		"CRON_TZ=America/New_York * * * * * x",
		"CRON_TZ=America/New_York */15 * * * * * x",
		"CRON_TZ=America/New_York @hourly x",
	}
	for _, start := range []time.Time{
		time.Date(2026, 3, 8, 0, 0, 0, 0, ny),  // spring forward at 02:00
		time.Date(2026, 11, 1, 0, 0, 0, 0, ny), // fall back at 02:00
	} {
		for _, line := range lines {
			j, err := ParseLine(line)
			if err != nil {
				t.Fatal(err)
			}
			got := j.Next(start, 2000)
			if len(got) == 0 {
				t.Fatalf("%s from %v: no runs", line, start)
			}
			prev := start
			for _, n := range got {
				if !n.After(prev) {
					t.Fatalf("%s from %v: %v does not follow %v", line, start, n, prev)
				}
				prev = n
			}
		}
	}
}

func TestParseOverlap(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Overlap{"skip": OverlapSkip, "allow": OverlapAllow, "ALLOW": OverlapAllow} {
		got, err := ParseOverlap(in)
		if err != nil || got != want {
			t.Errorf("ParseOverlap(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseOverlap("queue"); err == nil {
		t.Error("ParseOverlap(queue) did not fail")
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	jobs := []Job{
		mustParse(t, "CRON_TZ=Europe/Paris 0 9 * * 1-5 backup.sh"),
		mustParse(t, "TZ=UTC @every 90s echo x"),
		mustParse(t, "TZ=UTC */30 * * * * * tick"),
	}
	var b strings.Builder
	from := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) // a Saturday
	if err := Describe(&b, jobs, from, 2); err != nil {
		t.Fatal(err)
	}
	want := `job1 (--cron) CRON_TZ=Europe/Paris 0 9 * * 1-5 [Europe/Paris, 5 fields]
  command: backup.sh
  next: 2026-11-23 09:00:00 CET
  next: 2026-11-24 09:00:00 CET
job2 (--cron) TZ=UTC @every 90s [UTC, descriptor]
  command: echo x
  next: 2026-11-21 12:01:30 UTC
  next: 2026-11-21 12:03:00 UTC
job3 (--cron) TZ=UTC */30 * * * * * [UTC, 6 fields, seconds first]
  command: tick
  next: 2026-11-21 12:00:30 UTC
  next: 2026-11-21 12:01:00 UTC
`
	if b.String() != want {
		t.Errorf("Describe wrote\n%s\nwant\n%s", b.String(), want)
	}
}

type panickySchedule struct{}

func (panickySchedule) Next(time.Time) time.Time { panic("boom") }

// A schedule whose Next panics ends that job's schedule, never initd.
func TestNextRecoversFromPanic(t *testing.T) {
	t.Parallel()
	j := Job{Command: "x", sched: panickySchedule{}}
	if got := j.Next(time.Now(), 3); len(got) != 0 {
		t.Errorf("Next = %v, want none", got)
	}
}

// When clocks fall back, fixed-hour schedules run once in the repeated hour
// (as in cronie); every-hour schedules run in both. When they spring
// forward, a time that does not exist that day is skipped.
func TestNextDSTSemantics(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	fall := time.Date(2026, 11, 1, 0, 0, 0, 0, ny)
	spring := time.Date(2026, 3, 8, 0, 0, 0, 0, ny)
	tests := []struct {
		line string
		from time.Time
		want []string
	}{
		{"30 1 * * *", fall, []string{"11-01 01:30 EDT", "11-02 01:30 EST"}},
		{"@daily", fall, []string{"11-02 00:00 EST", "11-03 00:00 EST"}},
		{"*/30 1 * * *", fall, []string{"11-01 01:00 EDT", "11-01 01:30 EDT", "11-02 01:00 EST"}},
		{"0 * * * *", fall, []string{"11-01 01:00 EDT", "11-01 01:00 EST", "11-01 02:00 EST"}},
		{"@hourly", fall, []string{"11-01 01:00 EDT", "11-01 01:00 EST", "11-01 02:00 EST"}},
		{"59 59 1 * * *", fall, []string{"11-01 01:59 EDT", "11-02 01:59 EST"}},
		{"* * 1 1 11 *", fall, []string{"11-01 01:00 EDT", "11-01 01:00 EDT"}},
		{"30 2 * * *", spring, []string{"03-09 02:30 EDT", "03-10 02:30 EDT"}},
		{"0 * * * *", spring, []string{"03-08 01:00 EST", "03-08 03:00 EDT"}},
	}
	for _, tt := range tests {
		j := mustParse(t, "CRON_TZ=America/New_York "+tt.line+" x")
		var got []string
		for _, n := range j.Next(tt.from, len(tt.want)) {
			got = append(got, n.In(ny).Format("01-02 15:04 MST"))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s from %v: %q, want %q", tt.line, tt.from, got, tt.want)
		}
	}
}

// Every second of the repeated hour, fixed hour: 3600 runs in the first
// pass of 01:00-01:59, none in the second, and the schedule goes on.
func TestNextDSTEverySecondOfRepeatedHour(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	j := mustParse(t, "CRON_TZ=America/New_York * * 1 1 11 * x")
	got := j.Next(time.Date(2026, 11, 1, 0, 0, 0, 0, ny), 3601)
	if len(got) != 3601 {
		t.Fatalf("%d activations, want 3601", len(got))
	}
	if last := got[3599].In(ny).Format("2006-01-02 15:04:05 MST"); last != "2026-11-01 01:59:59 EDT" {
		t.Errorf("3600th activation %s", last)
	}
	if next := got[3600].In(ny).Format("2006-01-02 15:04:05 MST"); next != "2027-11-01 01:00:00 EDT" {
		t.Errorf("3601st activation %s, want 2027-11-01 01:00:00 EDT", next)
	}
}

func TestSundaySeven(t *testing.T) {
	t.Parallel()
	tests := []struct{ spec, want string }{
		{"0 0 3 * * 7", "0 0 3 * * 0"},
		{"0 0 3 * * 5-7", "0 0 3 * * 5,6,0"},
		{"0 0 3 * * 1-7/2", "0 0 3 * * 1,3,5,0"},
		{"0 0 3 * * 7/2", "0 0 3 * * 0"},
		{"0 0 3 * * sat-7,mon", "0 0 3 * * 6,0,mon"},
		{"0 0 3 * * 1-5", "0 0 3 * * 1-5"},
		{"0 0 3 * * */2", "0 0 3 * * */2"},
		{"0 0 3 * * ?", "0 0 3 * * ?"},
		{"0 0 3 7 * *", "0 0 3 7 * *"},
		{"@daily", "@daily"},
	}
	for _, tt := range tests {
		if got := sundaySeven(tt.spec); got != tt.want {
			t.Errorf("sundaySeven(%q) = %q, want %q", tt.spec, got, tt.want)
		}
	}
}
