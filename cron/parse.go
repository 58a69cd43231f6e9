package cron

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	robfig "github.com/robfig/cron/v3"
)

// Job is one scheduled command, as parsed from a --cron value or a crontab
// line. The zero Job is not runnable: Jobs come from ParseLine or ParseCrontab.
type Job struct {
	// Name marks the job's output lines ("[job1] ...") and its log entries.
	// Parsing leaves it empty; Number fills it in as job1, job2, ...
	Name string
	// Schedule is the schedule as written, with its CRON_TZ=/TZ= prefix.
	Schedule string
	// Command is given to /bin/sh -c unchanged.
	Command string
	// Env holds the NAME=VALUE lines of the crontab above this job; they
	// override Options.Env for this job's runs.
	Env []string
	// Source says where the job came from, "FILE:LINE" for a crontab line
	// and empty for a --cron value.
	Source string
	// Seconds is true when the schedule has six fields (seconds first).
	Seconds bool

	sched robfig.Schedule
	loc   *time.Location
}

// Location returns the time zone the schedule is evaluated in: the
// CRON_TZ=/TZ= zone, or initd's local zone (from its TZ variable).
func (j Job) Location() *time.Location {
	if j.loc == nil {
		return time.Local
	}
	return j.loc
}

// ParseError is returned for every malformed line or zone. It is a usage
// error: initd reports it and exits 2 before starting anything.
type ParseError struct {
	// File is the crontab's name, empty for a --cron value.
	File string
	// Line is the 1-based line number in File, 0 for a --cron value.
	Line int
	// Err says what is wrong; it wraps errField for a bad schedule field.
	Err error
}

// Error names the file and line ("crontab /etc/crontab:3: ..."). For a
// --cron value it is only the problem: the caller knows which option and
// value it passed.
func (e *ParseError) Error() string {
	if e.File == "" {
		return e.Err.Error()
	}
	file := e.File
	if q := strconv.Quote(file); q[1:len(q)-1] != file {
		file = q // a newline or invalid UTF-8 in the name stays on one line
	}
	return fmt.Sprintf("crontab %s:%d: %v", file, e.Line, e.Err)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// ParseLine parses one --cron value: an optional CRON_TZ=ZONE or TZ=ZONE,
// a schedule (5 fields, 6 fields seconds first, or a descriptor) and the
// command. Errors are *ParseError.
func ParseLine(line string) (Job, error) {
	j, err := parseJob(line, nil)
	if err != nil {
		return Job{}, &ParseError{Err: err}
	}
	return j, nil
}

// parseJob parses a job line; zone is the zone a crontab's CRON_TZ= line
// set for the lines below it, nil for none.
func parseJob(line string, zone *time.Location) (Job, error) {
	rest := strings.TrimSpace(line)
	if rest == "" {
		return Job{}, errors.New("empty line, expected a schedule and a command")
	}
	if strings.ContainsRune(rest, 0) {
		return Job{}, errors.New("line contains a NUL byte")
	}
	var prefix string
	first, after := nextWord(rest)
	if name, value, ok := strings.Cut(first, "="); ok && (name == "CRON_TZ" || name == "TZ") {
		loc, err := loadZone(name, value)
		if err != nil {
			return Job{}, err
		}
		zone, prefix, rest = loc, first+" ", after
	}
	j, spec, err := splitSchedule(rest)
	if err != nil {
		return Job{}, err
	}
	j.Schedule = prefix + j.Schedule
	if j.Command == "" {
		return Job{}, fmt.Errorf("schedule %q has no command", j.Schedule)
	}
	if w, _ := nextWord(j.Command); looksLikeField(w) {
		return Job{}, fmt.Errorf("%q after the schedule %q is not a command: a 6-field schedule has seconds first, "+
			"and a year field (supercronic, Quartz) is not supported", w, j.Schedule)
	}
	j.sched, err = robfigParse(sundaySeven(spec))
	if err != nil {
		return Job{}, fmt.Errorf("schedule %q: %w", j.Schedule, err)
	}
	j.loc = time.Local
	if zone != nil {
		j.loc = zone
	}
	if s, ok := j.sched.(*robfig.SpecSchedule); ok {
		s.Location = j.loc
	}
	if len(j.Next(time.Now(), 1)) == 0 {
		return Job{}, fmt.Errorf("schedule %q never fires (a date that does not exist?)", j.Schedule)
	}
	return j, nil
}

// splitSchedule separates schedule and command, validates every schedule
// word and returns the spec to hand to robfig (always six fields or a
// descriptor, never a zone prefix).
func splitSchedule(s string) (Job, string, error) {
	first, rest := nextWord(s)
	if strings.HasPrefix(first, "@") {
		return descriptor(first, rest)
	}
	// words[i] is the i-th word, rests[i] what follows it.
	var words, rests []string
	for r := s; len(words) < 6; {
		w, after := nextWord(r)
		if w == "" {
			break
		}
		words, rests, r = append(words, w), append(rests, after), after
	}
	if len(words) == 6 && checkFields(words) == nil {
		if rests[5] == "" {
			return Job{}, "", fmt.Errorf("%q has six schedule fields and no command", strings.Join(words, " "))
		}
		return Job{Schedule: strings.Join(words, " "), Command: rests[5], Seconds: true}, strings.Join(words, " "), nil
	}
	if len(words) < 5 {
		return Job{}, "", errors.New("expected 5 schedule fields, 6 with seconds first, or a descriptor like @hourly, then a command")
	}
	if err := checkFields(words[:5]); err != nil {
		return Job{}, "", err
	}
	sched := strings.Join(words[:5], " ")
	return Job{Schedule: sched, Command: rests[4]}, "0 " + sched, nil
}

// descriptor handles @hourly and friends and "@every DURATION".
func descriptor(word, rest string) (Job, string, error) {
	d := strings.ToLower(word)
	switch d {
	case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
		return Job{Schedule: word, Command: rest}, d, nil
	case "@every":
		dur, cmd := nextWord(rest)
		if dur == "" {
			return Job{}, "", errors.New("@every needs a duration, e.g. @every 30s")
		}
		v, err := time.ParseDuration(dur)
		if err != nil {
			return Job{}, "", fmt.Errorf("@every %q: not a duration (use Go syntax: 30s, 5m, 1h30m)", dur)
		}
		if v < time.Second || v%time.Second != 0 {
			return Job{}, "", fmt.Errorf("@every %q: must be a whole number of seconds, at least 1s", dur)
		}
		return Job{Schedule: word + " " + dur, Command: cmd}, "@every " + v.String(), nil
	case "@reboot":
		return Job{}, "", errors.New("@reboot is not supported: initd starts once per container, so run the command before COMMAND instead")
	}
	return Job{}, "", fmt.Errorf("unknown descriptor %q (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every DURATION)", word)
}

// loadZone validates a CRON_TZ=/TZ= value. time.LoadLocation("") means UTC,
// which is never what an empty value in a crontab meant, so it is an error.
func loadZone(name, value string) (*time.Location, error) {
	if value == "" {
		return nil, fmt.Errorf("%s= has an empty time zone", name)
	}
	loc, err := time.LoadLocation(value)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %w", name, value, err)
	}
	return loc, nil
}

// robfigParse calls robfig's parser on a spec that has already been
// validated. The recover is the second line of defence: robfig v3.0.1 has
// panicked on inputs it did not expect, and no input may crash initd.
func robfigParse(spec string) (s robfig.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("cron parser panicked: %v", r)
		}
	}()
	p := robfig.NewParser(robfig.Second | robfig.Minute | robfig.Hour | robfig.Dom | robfig.Month | robfig.Dow | robfig.Descriptor)
	return p.Parse(spec)
}

// looksLikeField reports whether w is made of schedule characters only
// (digits, "*", ",", "-", "/"): an extra field, such as supercronic's year,
// that would otherwise be run as a command.
func looksLikeField(w string) bool {
	return w != "" && strings.Trim(w, "0123456789*,-/") == ""
}

// nextWord returns the first whitespace-separated word of s and the rest
// with its leading whitespace removed; inner spacing of the rest is kept,
// because it is the command.
func nextWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}
