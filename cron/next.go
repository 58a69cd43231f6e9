package cron

import (
	"time"

	robfig "github.com/robfig/cron/v3"
)

// Next returns up to n activation times strictly after from, in from's
// location. It returns fewer when the schedule stops firing (robfig gives up
// after five years) and none for a zero Job.
func (j Job) Next(from time.Time, n int) []time.Time {
	if j.sched == nil || n <= 0 {
		return nil
	}
	out := make([]time.Time, 0, n)
	for t := from; len(out) < n; {
		next := j.after(t)
		if next.IsZero() {
			break
		}
		out = append(out, next)
		t = next
	}
	return out
}

// after returns the first activation strictly after t, or the zero time.
//
// It guarantees progress: robfig's Next works on wall-clock fields, and a
// schedule landing on a time that is not after t around a daylight-saving
// change would fire again and again (supercronic's DST log flood). Stepping
// forward a second at a time until Next moves on makes that impossible.
//
// When clocks fall back, the wall-clock hour repeats. A schedule for fixed
// hours (30 1 * * *, @daily) runs once then, as in cronie: an activation
// whose wall-clock time is not later than t's is skipped. Schedules for
// every hour (0 * * * *, @hourly) follow real time and run in both.
func (j Job) after(t time.Time) time.Time {
	floor, from := t, t
	fixed := j.fixedHours()
	for range 3600 {
		next := j.safeNext(from)
		switch {
		case next.IsZero():
			return next
		case !next.After(floor):
			from = from.Add(time.Second)
		case fixed && !wall(next, j.Location()).After(wall(t, j.Location())):
			// Jump to where the wall clock shows t's time again.
			floor = next.Add(wall(t, j.Location()).Sub(wall(next, j.Location())))
			from = floor
		default:
			return next
		}
	}
	return time.Time{}
}

// fixedHours reports whether the schedule fires in some hours of the day
// only.
func (j Job) fixedHours() bool {
	s, ok := j.sched.(*robfig.SpecSchedule)
	const allHours = 1<<24 - 1
	return ok && s.Hour&allHours != allHours
}

// wall returns t's wall-clock reading in loc as a UTC time, so two readings
// compare as a clock on the wall would show them.
func wall(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// safeNext is robfig's Next behind a recover: a panic there would otherwise
// take the scheduler, and initd with it, down.
func (j Job) safeNext(t time.Time) (next time.Time) {
	defer func() {
		if recover() != nil {
			next = time.Time{}
		}
	}()
	return j.sched.Next(t)
}
