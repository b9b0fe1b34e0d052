// Package jobs runs Fairshelf's background work on tickers. Every job takes
// "now" as a parameter so that tests drive it with a fake clock, and every
// loop stops when its context ends.
package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Func is one run of a job at time now.
type Func func(ctx context.Context, now time.Time) error

// Job is a named function run every Interval.
type Job struct {
	Name     string
	Interval time.Duration
	Run      Func
	// Wake, when set, runs the job as soon as a value arrives too, for
	// work that should start at once when it is queued on this instance.
	Wake <-chan struct{}
}

// Runner starts jobs and waits for them to stop.
type Runner struct {
	log *slog.Logger
	now func() time.Time
	wg  sync.WaitGroup
}

// NewRunner returns a runner that reads the clock through now.
func NewRunner(log *slog.Logger, now func() time.Time) *Runner {
	if now == nil {
		now = time.Now
	}
	return &Runner{log: log, now: now}
}

// Start runs j once right away and then every j.Interval until ctx ends. A
// failed run is logged and retried at the next tick; it never stops the loop.
func (r *Runner) Start(ctx context.Context, j Job) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(j.Interval)
		defer t.Stop()
		for {
			r.runOnce(ctx, j)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-j.Wake:
			}
		}
	}()
}

func (r *Runner) runOnce(ctx context.Context, j Job) {
	if ctx.Err() != nil {
		return
	}
	start := time.Now()
	if err := j.Run(ctx, r.now()); err != nil && ctx.Err() == nil {
		r.log.Error("job failed", "job", j.Name, "err", err)
		return
	}
	r.log.Debug("job done", "job", j.Name, "duration", time.Since(start))
}

// Wait blocks until every started job has returned after its context ended.
func (r *Runner) Wait() { r.wg.Wait() }
