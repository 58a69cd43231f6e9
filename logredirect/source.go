package logredirect

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
)

// Source is something that copies lines onto an [Output]: a [Follower] or a
// [SyslogListener].
type Source interface {
	// Start begins copying in the background. It returns an error only
	// when the source cannot work at all (no inotify, socket not bindable).
	Start() error
	// Stop ends copying: it writes out what the source has received up to
	// this call (for a file: everything appended to it, including a last
	// line without a newline), then releases its resources. ctx bounds the
	// whole drain; when it ends first, Stop returns its error and the rest
	// is given up. Stop may be called more than once.
	Stop(ctx context.Context) error
}

// Group starts several sources together and stops them together. The zero
// value is an empty group, ready to use.
type Group struct {
	// Drain, when set, bounds Stop too: the sources drain within the
	// earlier of Stop's context and the Drain's deadline, which the
	// outputs' Close shares.
	Drain *Drain

	mu      sync.Mutex
	started []Source
}

// Start starts every source, in order. When one fails, the ones already
// started are stopped (without waiting for a drain) and its error is
// returned.
func (g *Group) Start(sources ...Source) error {
	for _, s := range sources {
		if err := s.Start(); err != nil {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_ = g.stop(ctx) // not Stop: the Drain's clock is for the exit
			return err
		}
		g.mu.Lock()
		g.started = append(g.started, s)
		g.mu.Unlock()
	}
	return nil
}

// Stop stops all started sources at the same time, each draining within
// ctx (and the Group's Drain), and returns their errors joined.
func (g *Group) Stop(ctx context.Context) error {
	ctx, cancel := g.Drain.within(ctx)
	defer cancel()
	return g.stop(ctx)
}

func (g *Group) stop(ctx context.Context) error {
	g.mu.Lock()
	started := g.started
	g.started = nil
	g.mu.Unlock()
	errs := make([]error, len(started))
	var wg sync.WaitGroup
	for i, s := range started {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Stop(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// TailPrefix returns the prefix `--tail-prefix` puts before each line copied
// from path: "[NAME] ", NAME being the file's base name.
func TailPrefix(path string) string {
	return "[" + filepath.Base(path) + "] "
}
