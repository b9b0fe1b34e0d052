package jobs

import (
	"context"
	"time"
)

// Leaser takes, renews and gives back named leases kept in the database that
// all instances share (store.Store is one).
type Leaser interface {
	// AcquireLease takes the lease name for holder until now+ttl, or renews
	// it if holder has it, and reports whether holder has it now.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease back if holder has it.
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Lease says how a leased job is kept to one instance at a time.
type Lease struct {
	Store  Leaser
	Holder string        // this instance's name; unique per process
	TTL    time.Duration // how long a lease outlives its last renewal
}

// DefaultLeaseTTL is short, so that a job whose instance crashed resumes on
// another instance within about this long of its next attempt, and long
// enough that a renewal every third of it survives a slow database.
const DefaultLeaseTTL = 30 * time.Second

// StartLeased runs j like Start, but only while this instance holds the
// lease named after the job. The lease is renewed every TTL/3 for as long as
// the instance lives, whether the job is running or waiting for its next
// tick; an instance that does not hold it tries again at the same pace, so
// a lease left by a crashed instance is taken over within TTL and a third,
// and the new holder runs the job at once. A run whose lease is lost (a
// renewal that fails or finds another holder) has its context cancelled.
// When ctx ends, the running job is cancelled and waited for and the lease
// is given back, so that a restarted or another instance takes over at
// once instead of waiting for the lease to run out.
func (r *Runner) StartLeased(ctx context.Context, l Lease, j Job) {
	if l.TTL <= 0 {
		l.TTL = DefaultLeaseTTL
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		renew := time.NewTicker(l.TTL / 3)
		defer renew.Stop()
		due := time.NewTimer(0)
		defer due.Stop()

		held := false
		var running <-chan struct{} // closed when the current run ends; nil when none runs
		stopRun := func() {}
		take := func() bool {
			ok, err := l.Store.AcquireLease(ctx, j.Name, l.Holder, r.now(), l.TTL)
			if err != nil && ctx.Err() == nil {
				r.log.Warn("job lease not renewed", "job", j.Name, "err", err)
			}
			return err == nil && ok
		}
		start := func() {
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			running, stopRun = done, cancel
			go func() {
				defer close(done)
				r.runOnce(runCtx, j)
			}()
		}
		for {
			select {
			case <-ctx.Done():
				stopRun()
				if running != nil {
					<-running
				}
				// Given back whatever held says: a renewal cut short by the
				// shutdown reads as "not held" while the lease row is still
				// this instance's. Releasing a lease held by another
				// instance changes nothing.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				if err := l.Store.ReleaseLease(rctx, j.Name, l.Holder); err != nil {
					r.log.Warn("job lease not released; it runs out by itself", "job", j.Name, "err", err)
				}
				cancel()
				return
			case <-running:
				running = nil
				stopRun()
			case <-renew.C:
				was := held
				held = take()
				switch {
				case !held && running != nil:
					r.log.Warn("job lease lost; stopping the run", "job", j.Name)
					stopRun()
				case held && !was && running == nil:
					// Taken over from an instance that stopped or crashed.
					start()
					due.Reset(j.Interval)
				}
			case <-due.C:
				due.Reset(j.Interval)
				if running != nil {
					continue // the last run is still going: skip this tick
				}
				if held = take(); held {
					start()
				}
			}
		}
	}()
}
