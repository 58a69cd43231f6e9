package cron

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/initd-dev/initd/environ"
)

// maxLine bounds one crontab line; a longer one is an error, not a silent cut.
const maxLine = 64 << 10

// maxLineErrors bounds how many bad lines ParseCrontab reports one by one.
const maxLineErrors = 20

// ParseCrontab reads a crontab: one job a line, blank lines, lines whose first
// non-blank character is '#', and NAME=VALUE environment lines that apply to
// the jobs below them. A CRON_TZ=ZONE line on its own sets the zone of the
// jobs below it (a job's own CRON_TZ=/TZ= prefix wins). file names the source
// in errors and in each Job's Source. Every malformed line is reported, each
// as a *ParseError naming file and line, joined with errors.Join (the first
// maxLineErrors of them, then their count).
func ParseCrontab(r io.Reader, file string) ([]Job, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var (
		jobs []Job
		env  []string
		zone *time.Location
		n    int
		errs []error
		bad  int
	)
	fail := func(line int, err error) {
		bad++
		if bad <= maxLineErrors {
			errs = append(errs, &ParseError{File: file, Line: line, Err: err})
		}
	}
	for sc.Scan() {
		n++
		line := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if name, value, ok := envLine(line); ok {
			if err := checkEnv(name, value); err != nil {
				fail(n, err)
				continue
			}
			if name == "CRON_TZ" {
				loc, err := loadZone(name, value)
				if err != nil {
					fail(n, err)
					continue
				}
				zone = loc
				continue
			}
			env = setEnv(env, name+"="+value)
			continue
		}
		j, err := parseJob(line, zone)
		if err != nil {
			fail(n, err)
			continue
		}
		j.Env = append([]string(nil), env...)
		j.Source = fmt.Sprintf("%s:%d", file, n)
		jobs = append(jobs, j)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			fail(n+1, fmt.Errorf("line longer than %d bytes", maxLine))
		} else {
			fail(n, fmt.Errorf("read: %w", err))
		}
	}
	if bad > maxLineErrors {
		errs = append(errs, &ParseError{File: file, Line: n,
			Err: fmt.Errorf("%d more bad lines not shown (%d in all)", bad-maxLineErrors, bad)})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return jobs, nil
}

// envLine recognises NAME=VALUE (spaces around '=' allowed, as in Vixie
// cron; VALUE may be quoted with ' or "). A job line never looks like this:
// schedule fields have no '=', and a CRON_TZ=/TZ= prefix is followed by a
// schedule, which makes the line a job.
func envLine(line string) (name, value string, ok bool) {
	i := strings.IndexByte(line, '=')
	if i <= 0 {
		return "", "", false
	}
	name = strings.TrimRight(line[:i], " \t")
	if !environ.ValidName(name) {
		return "", "", false
	}
	value = strings.TrimSpace(line[i+1:])
	if (name == "CRON_TZ" || name == "TZ") && line[i-1] != ' ' && line[i-1] != '\t' {
		if _, rest := nextWord(value); rest != "" {
			return "", "", false // CRON_TZ=ZONE schedule command: a job
		}
	}
	if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
		value = value[1 : len(value)-1]
	}
	return name, value, true
}

// checkEnv rejects what execve cannot carry. The value is never quoted in the
// message: environment lines are where secrets live.
func checkEnv(name, value string) error {
	if strings.ContainsRune(value, 0) {
		return fmt.Errorf("environment line %s=...: value contains a NUL byte", name)
	}
	return nil
}

// setEnv sets kv (NAME=VALUE) in env, replacing an earlier NAME, and returns
// the new slice; later assignments win as in a shell.
func setEnv(env []string, kv string) []string {
	name, _, _ := strings.Cut(kv, "=")
	for i, e := range env {
		if n, _, _ := strings.Cut(e, "="); n == name {
			out := append([]string(nil), env[:i]...)
			out = append(out, env[i+1:]...)
			return append(out, kv)
		}
	}
	return append(env, kv)
}

// Number returns a copy of jobs where every job without a Name is called
// jobN, N being its 1-based position. Run uses it; so should anything that
// lists jobs (validate), so names agree.
func Number(jobs []Job) []Job {
	out := make([]Job, len(jobs))
	for i, j := range jobs {
		if j.Name == "" {
			j.Name = fmt.Sprintf("job%d", i+1)
		}
		out[i] = j
	}
	return out
}
