package cron

import "time"

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
// It guarantees progress: robfig's Next works on wall-clock fields, and around
// a daylight-saving change a schedule can land on a time that is not after t
// (the cause of supercronic's DST log flood). Stepping t forward a second at a
// time until Next moves on turns that into a single, correct activation.
func (j Job) after(t time.Time) time.Time {
	from := t
	for range 3600 {
		next := j.safeNext(from)
		if next.IsZero() || next.After(t) {
			return next
		}
		from = from.Add(time.Second)
	}
	return time.Time{}
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
