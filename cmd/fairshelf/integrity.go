package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/fairshelf/fairshelf/internal/config"
	"github.com/fairshelf/fairshelf/internal/jobs"
	"github.com/fairshelf/fairshelf/internal/object"
)

// integrityEvery is how often the integrity job wakes up. Each run reads at
// most integrityEvery's worth of bytes at the configured rate, so that the
// reads are spread evenly over the day.
const integrityEvery = time.Minute

// checkIntegrity keeps stored files verifiable and verified (serve runs it
// every integrityEvery under a lease, on one instance at a time): it first
// gives objects stored before block hashes existed their block hashes (each
// checked against its recorded SHA-256 first), then scrubs objects not
// verified within cfg.ScrubInterval. Both share one byte budget, so
// together they never read faster than cfg.ScrubRate. A damaged object raises the integrity alarm (marked
// corrupt, audited, administrators notified, counted in /metrics).
func checkIntegrity(cfg config.Config, lib *object.Service, log *slog.Logger) jobs.Func {
	return func(ctx context.Context, now time.Time) error {
		opts := object.ScrubOptions{Every: cfg.ScrubInterval, Rate: cfg.ScrubRate, MaxBytes: integrityBudget(cfg.ScrubRate)}
		backfill, err := lib.BackfillBlockSums(ctx, now, opts)
		if backfill.Checked+backfill.Corrupt > 0 {
			log.Info("objects given block hashes", "count", backfill.Checked, "corrupt", backfill.Corrupt)
		}
		if err != nil || backfill.Bytes >= opts.MaxBytes {
			return err
		}
		opts.MaxBytes -= backfill.Bytes
		scrub, err := lib.Scrub(ctx, now, opts)
		if scrub.Corrupt > 0 {
			log.Warn("scrub found corrupt objects", "count", scrub.Corrupt)
		}
		return err
	}
}

// integrityBudget is the bytes one run may read: a minute at rate, or 4 GiB
// per run when the rate is unlimited.
func integrityBudget(rate int64) int64 {
	if rate <= 0 {
		return 4 << 30
	}
	return rate * int64(integrityEvery/time.Second)
}
