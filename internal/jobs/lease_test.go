package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/jobs"
	"github.com/fairshelf/fairshelf/internal/store"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// openStores opens two stores on one database, as two instances would.
func openStores(t *testing.T, dialect string) (*store.Store, *store.Store) {
	t.Helper()
	ctx := context.Background()
	opts := store.Options{SQLitePath: filepath.Join(t.TempDir(), "fairshelf.db")}
	if dialect == "postgres" {
		opts = store.Options{DatabaseURL: testenv.PostgresURL(t)}
	}
	var out [2]*store.Store
	for i := range out {
		s, err := store.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out[0], out[1]
}

// runs records which instance ran the job, in order.
type runs struct {
	mu  sync.Mutex
	who []string
}

func (r *runs) add(who string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.who = append(r.who, who)
}

func (r *runs) count(who string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, w := range r.who {
		if w == who {
			n++
		}
	}
	return n
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLeasedJobRunsOnOneInstanceAndMovesOnStop: two instances run the same
// leased job; only the lease holder runs it, and when the holder stops, the
// other takes over at once (the lease is given back), not when it runs out.
// A holder that dies without giving the lease back is replaced once the
// short lease has run out, well before the job's next interval.
func TestLeasedJobRunsOnOneInstanceAndMovesOnStop(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sa, sb := openStores(t, dialect)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			var r runs
			job := func(who string) jobs.Job {
				// An hourly job: a second run within the test can only be
				// a takeover, never the next tick.
				return jobs.Job{
					Name:     "versions.expiry_reminders",
					Interval: time.Hour,
					Run: func(ctx context.Context, now time.Time) error {
						r.add(who)
						return nil
					},
				}
			}
			const ttl = 600 * time.Millisecond
			ctxA, stopA := context.WithCancel(context.Background())
			ra := jobs.NewRunner(log, nil)
			ra.StartLeased(ctxA, jobs.Lease{Store: sa, Holder: "a", TTL: ttl}, job("a"))
			waitFor(t, "a ran the job", func() bool { return r.count("a") == 1 })

			ctxB, stopB := context.WithCancel(context.Background())
			defer stopB()
			rb := jobs.NewRunner(log, nil)
			rb.StartLeased(ctxB, jobs.Lease{Store: sb, Holder: "b", TTL: ttl}, job("b"))
			// While a lives and renews, b never runs the job, even after
			// several lease lengths.
			time.Sleep(3 * ttl)
			if n := r.count("b"); n != 0 {
				t.Fatalf("b ran the job %d times while a held the lease", n)
			}

			// a stops: it gives the lease back, so b can take it at once
			// (a's lease, renewed a third of a lease ago at most, has not
			// run out yet), and b takes over at its next attempt, not after
			// the hourly interval. Taking it in b's name succeeds whether b
			// already has it or it is free; it fails while a still holds it.
			stopA()
			ra.Wait()
			if ok, err := sb.AcquireLease(context.Background(), "versions.expiry_reminders", "b", time.Now(), ttl); err != nil || !ok {
				t.Fatalf("a stopped without giving its lease back: %v %v", ok, err)
			}
			waitFor(t, "b took over", func() bool { return r.count("b") == 1 })

			// b dies without giving the lease back (its lease row stays):
			// a fresh instance c takes over once the lease runs out.
			if ok, err := sa.AcquireLease(context.Background(), "versions.expiry_reminders", "c", time.Now(), ttl); err != nil || ok {
				t.Fatalf("c took a live lease of b: %v %v", ok, err)
			}
			stopB()
			rb.Wait()
			if ok, err := sb.AcquireLease(context.Background(), "versions.expiry_reminders", "b", time.Now(), time.Hour); err != nil ||
				!ok {
				t.Fatalf("b could not pretend to have crashed holding its lease: %v %v", ok, err)
			}
			if ok, err := sb.AcquireLease(context.Background(), "versions.expiry_reminders", "b", time.Now(), ttl); err != nil || !ok {
				t.Fatalf("b's lease: %v %v", ok, err)
			}
			ctxC, stopC := context.WithCancel(context.Background())
			defer stopC()
			rc := jobs.NewRunner(log, nil)
			rc.StartLeased(ctxC, jobs.Lease{Store: sa, Holder: "c", TTL: ttl}, job("c"))
			waitFor(t, "c took over the dead holder's lease", func() bool { return r.count("c") == 1 })
			stopC()
			rc.Wait()
		})
	}
}

// TestLeasedRunIsCancelledWhenTheLeaseIsLost: a run whose lease another
// instance took (its renewal found another holder) is cancelled rather than
// left running beside the new holder's.
func TestLeasedRunIsCancelledWhenTheLeaseIsLost(t *testing.T) {
	sa, sb := openStores(t, "sqlite")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	const ttl = 300 * time.Millisecond
	started, cancelled := make(chan struct{}), make(chan struct{})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	r := jobs.NewRunner(log, nil)
	r.StartLeased(
		ctx,
		jobs.Lease{Store: sa, Holder: "a", TTL: ttl},
		jobs.Job{Name: "objects.integrity", Interval: time.Hour, Run: func(ctx context.Context, now time.Time) error {
			close(started)
			<-ctx.Done()
			close(cancelled)
			return ctx.Err()
		}},
	)
	<-started
	// Another instance takes the lease over, as if a's renewals had stopped
	// reaching the database for longer than the lease.
	if err := sb.ReleaseLease(context.Background(), "objects.integrity", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, err := sb.AcquireLease(context.Background(), "objects.integrity", "b", time.Now(), time.Hour); err != nil || !ok {
		t.Fatalf("b: %v %v", ok, err)
	}
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the run went on after its lease was lost")
	}
	stop()
	r.Wait()
}

// stalledRenewals is a real store whose lease renewals, after the first
// acquisition, wait until their context ends: a shutdown that lands while a
// renewal is in flight.
type stalledRenewals struct {
	*store.Store
	calls   atomic.Int32
	stalled chan struct{}
}

func (s *stalledRenewals) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if s.calls.Add(1) == 1 {
		return s.Store.AcquireLease(ctx, name, holder, now, ttl)
	}
	if s.calls.Load() == 2 {
		close(s.stalled)
	}
	<-ctx.Done()
	return false, ctx.Err()
}

// A shutdown that cuts a renewal short still gives the lease back: the
// renewal, failing with the shutdown's context, made the instance think it
// no longer held the lease, and it kept the lease until it ran out.
func TestLeaseIsGivenBackWhenShutdownCutsARenewalShort(t *testing.T) {
	sa, sb := openStores(t, "sqlite")
	st := &stalledRenewals{Store: sa, stalled: make(chan struct{})}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, stop := context.WithCancel(context.Background())
	r := jobs.NewRunner(log, nil)
	const ttl = 3 * time.Second // renewed every second
	r.StartLeased(ctx, jobs.Lease{Store: st, Holder: "a", TTL: ttl}, jobs.Job{Name: "versions.settle", Interval: time.Hour,
		Run: func(context.Context, time.Time) error { return nil }})
	<-st.stalled // the first renewal is in flight
	stop()
	r.Wait()
	// a's lease, taken a second ago for three, has not run out: b gets it
	// only if a gave it back.
	if ok, err := sb.AcquireLease(context.Background(), "versions.settle", "b", time.Now(), time.Minute); err != nil || !ok {
		t.Fatalf("the stopped instance kept its lease: %v %v", ok, err)
	}
}
