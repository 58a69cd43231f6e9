package waitfor

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// All blocks until every target is ready, probing them in parallel, and
// returns nil. When opts.Timeout passes first it returns a *NotReadyError
// wrapping ErrTimeout; when ctx ends first, one wrapping ctx.Err(). Either
// error lists each target still not ready with the last reason seen. All
// returns only after every probe it started has finished.
func All(ctx context.Context, targets []Target, opts Options) error {
	start := time.Now()
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if opts.Timeout > 0 {
		wctx, cancel = context.WithTimeout(ctx, opts.Timeout)
	}
	defer cancel()
	log := opts.Log
	log.Debug().Int("targets", len(targets)).Str("timeout", opts.Timeout.String()).Msg("waiting for targets")

	updates := make(chan update)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() { retry(wctx, i, t, opts, updates) })
	}
	go func() { wg.Wait(); close(updates) }()

	last := make([]error, len(targets)) // nil once ready
	for i := range last {
		last[i] = errNoAnswer
	}
	var progress <-chan time.Time
	if every := opts.progress(); every > 0 {
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		progress = ticker.C
	}
	pending := len(targets)
	for pending > 0 {
		select {
		case u, ok := <-updates:
			if !ok {
				pending = 0 // every probe gave up: the context ended
				break
			}
			if u.err == nil {
				pending--
				log.Info().Str("target", targets[u.index].String()).Int("attempts", u.attempt).
					Str("elapsed", time.Since(start).Round(time.Millisecond).String()).Msg("target ready")
			} else if Reason(u.err) != Reason(last[u.index]) {
				log.Debug().Str("target", targets[u.index].String()).Str("reason", Reason(u.err)).
					Int("attempt", u.attempt).Msg("target not ready")
			}
			last[u.index] = u.err
		case <-progress:
			log.Info().Str("not_ready", summary(targets, last)).Str("elapsed", time.Since(start).Round(time.Second).String()).
				Msg("not ready yet")
		}
	}
	cancel()
	for u := range updates { // let every probe finish; keep reasons complete
		last[u.index] = u.err
	}
	notReady := notReadyErrors(targets, last)
	if len(notReady) == 0 {
		log.Debug().Str("elapsed", time.Since(start).Round(time.Millisecond).String()).Msg("all targets ready")
		return nil
	}
	cause := ctx.Err()
	if cause == nil {
		cause = ErrTimeout
	}
	return &NotReadyError{Op: "wait", Cause: cause, Elapsed: time.Since(start), NotReady: notReady}
}

// Check makes one attempt at every target, in parallel, each bounded by
// opts.AttemptTimeout and opts.Timeout, and returns nil when all are ready
// or a *NotReadyError listing those that are not.
func Check(ctx context.Context, targets []Target, opts Options) error {
	start := time.Now()
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	last := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			actx, cancel := context.WithTimeout(ctx, opts.attemptTimeout())
			defer cancel()
			last[i] = t.Probe(actx)
		})
	}
	wg.Wait()
	notReady := notReadyErrors(targets, last)
	if len(notReady) == 0 {
		return nil
	}
	return &NotReadyError{Op: "check", Elapsed: time.Since(start), NotReady: notReady}
}

// update is one finished attempt: err is nil when the target is ready.
type update struct {
	index   int
	attempt int
	err     error
}

// retry probes one target until it is ready or ctx ends, sending every
// attempt's outcome. An attempt that ctx cut short is not reported, so the
// last reason stays the last real one.
func retry(ctx context.Context, index int, t Target, opts Options, updates chan<- update) {
	pause := min(FirstInterval, opts.interval())
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, opts.attemptTimeout())
		err := t.Probe(actx)
		cancel()
		if err != nil && ended(ctx) {
			return
		}
		updates <- update{index: index, attempt: attempt, err: err}
		if err == nil {
			return
		}
		timer := time.NewTimer(jitter(pause))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		pause = min(pause+pause/2, opts.interval())
	}
}

// ended reports whether ctx is done or its deadline has passed; the latter
// covers an attempt whose connection deadline fired a moment before ctx's
// own timer.
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	deadline, ok := ctx.Deadline()
	return ok && !time.Now().Before(deadline)
}

// jitter shortens d by up to a tenth, so that many waiters started together
// do not probe in lockstep, but never below FirstInterval unless d is.
func jitter(d time.Duration) time.Duration {
	if d <= FirstInterval {
		return d
	}
	return max(d-rand.N(d/10+1), FirstInterval)
}

func notReadyErrors(targets []Target, last []error) []*TargetError {
	var out []*TargetError
	for i, err := range last {
		if err == nil {
			continue
		}
		te, ok := err.(*TargetError)
		if !ok {
			te = &TargetError{Target: targets[i].String(), Err: err}
		}
		out = append(out, te)
	}
	return out
}

// summary lists the targets not ready: "tcp://db:5432 (connection refused),
// http://web/health (status 503)"; a target whose first attempt is still
// running has "no answer yet" (the deadline has not passed).
func summary(targets []Target, last []error) string {
	var parts []string
	for i, err := range last {
		reason := Reason(err)
		if errors.Is(err, errNoAnswer) {
			reason = "no answer yet"
		}
		if err != nil {
			parts = append(parts, targets[i].String()+" ("+reason+")")
		}
	}
	return strings.Join(parts, ", ")
}
