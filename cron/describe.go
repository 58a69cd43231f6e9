package cron

import (
	"fmt"
	"io"
	"time"
)

// Describe writes, for `initd validate`, one block per job: its name, where
// it came from, its schedule and zone, its command, and its next n runs
// after from (in the schedule's zone). Jobs are numbered as Run numbers them.
//
//	job1 (--cron) CRON_TZ=Europe/Paris 0 9 * * 1-5 [Europe/Paris, 5 fields]
//	  command: backup.sh
//	  next: 2026-11-23 09:00:00 CET
//	  next: 2026-11-24 09:00:00 CET
func Describe(w io.Writer, jobs []Job, from time.Time, n int) error {
	for _, j := range Number(jobs) {
		src := j.Source
		if src == "" {
			src = "--cron"
		}
		kind := "5 fields"
		switch {
		case j.Seconds:
			kind = "6 fields, seconds first"
		case j.isDescriptor():
			kind = "descriptor"
		}
		if _, err := fmt.Fprintf(w, "%s (%s) %s [%s, %s]\n  command: %s\n",
			j.Name, src, j.Schedule, j.Location(), kind, j.Command); err != nil {
			return fmt.Errorf("cron: describe %s: %w", j.Name, err)
		}
		next := j.Next(from, n)
		if len(next) == 0 {
			if _, err := fmt.Fprintln(w, "  next: never"); err != nil {
				return fmt.Errorf("cron: describe %s: %w", j.Name, err)
			}
		}
		for _, t := range next {
			if _, err := fmt.Fprintf(w, "  next: %s\n", t.In(j.Location()).Format("2006-01-02 15:04:05 MST")); err != nil {
				return fmt.Errorf("cron: describe %s: %w", j.Name, err)
			}
		}
	}
	return nil
}

// isDescriptor reports whether the schedule (after any zone word) is an
// @descriptor.
func (j Job) isDescriptor() bool {
	w, rest := nextWord(j.Schedule)
	if len(w) > 0 && w[0] == '@' {
		return true
	}
	w, _ = nextWord(rest)
	return len(w) > 0 && w[0] == '@'
}
