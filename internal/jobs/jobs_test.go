package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunnerRunsAndStops(t *testing.T) {
	fixed := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r := NewRunner(slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return fixed })
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int64
	var sawNow atomic.Bool
	r.Start(ctx, Job{Name: "tick", Interval: time.Millisecond, Run: func(_ context.Context, now time.Time) error {
		sawNow.Store(now.Equal(fixed))
		if runs.Add(1) == 2 {
			return errors.New("a failing run must not stop the loop")
		}
		return nil
	}})
	deadline := time.After(5 * time.Second)
	for runs.Load() < 5 {
		select {
		case <-deadline:
			t.Fatalf("only %d runs", runs.Load())
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	r.Wait()
	after := runs.Load()
	time.Sleep(10 * time.Millisecond)
	if runs.Load() != after {
		t.Fatal("job ran after Wait returned")
	}
	if !sawNow.Load() {
		t.Fatal("job did not receive the injected clock's time")
	}
}
