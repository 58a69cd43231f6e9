package logredirect

import (
	"context"
	"sync"
	"time"
)

// DefaultDrain bounds, in all, how long initd on its way out waits for
// what it copies to be written out: the rest of the tailed files, syslog
// messages received, cron job output and initd's own last lines. A reader
// of stdout that never reads costs this much once, not once per stage.
// With the default grace period of 8 s, a stop still ends within Docker's
// 10 s.
const DefaultDrain = time.Second

// Drain is one deadline shared by every stage of the write-out at exit:
// [Group.Stop] of the sources (given the Drain in [Group].Drain) and
// [Output.Close] of each output (given [Drain.Context]). The clock starts
// at the first call of Context, so the whole write-out takes at most the
// Drain's duration however many stages wait for a stuck destination.
type Drain struct {
	d      time.Duration
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
}

// NewDrain returns a Drain of d (d <= 0 means [DefaultDrain]). Its clock
// has not started.
func NewDrain(d time.Duration) *Drain {
	if d <= 0 {
		d = DefaultDrain
	}
	return &Drain{d: d}
}

// Duration is the Drain's bound.
func (dr *Drain) Duration() time.Duration { return dr.d }

// Context returns the Drain's context, which ends at the deadline; the
// first call starts the clock.
func (dr *Drain) Context() context.Context {
	dr.once.Do(func() {
		dr.ctx, dr.cancel = context.WithTimeout(context.Background(), dr.d)
	})
	return dr.ctx
}

// Release frees the Drain's timer; its context ends.
func (dr *Drain) Release() {
	dr.Context()
	dr.cancel()
}

// within returns ctx cut to the Drain's deadline, if dr is not nil.
func (dr *Drain) within(ctx context.Context) (context.Context, context.CancelFunc) {
	if dr == nil {
		return ctx, func() {}
	}
	if dl, ok := dr.Context().Deadline(); ok {
		return context.WithDeadline(ctx, dl)
	}
	return ctx, func() {}
}
