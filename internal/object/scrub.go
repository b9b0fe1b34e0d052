package object

import (
	"context"
	"io"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// ScrubOptions pace a scrub run.
type ScrubOptions struct {
	// Every is how long an object stays verified: objects last verified
	// before now-Every are read again. One full pass at most per Every.
	Every time.Duration
	// Rate caps the bytes read per second; 0 means no limit.
	Rate int64
	// MaxBytes ends the run once about this many bytes were read, so that
	// a run fits between two renewals of its lease; 0 means no limit. The
	// next run carries on where this one stopped.
	MaxBytes int64
}

// ScrubReport summarises a Scrub or BackfillBlockSums run.
type ScrubReport struct {
	Checked int   // objects read and found intact
	Corrupt int   // objects found not to match (the alarm was raised)
	Bytes   int64 // bytes read
}

// Scrub re-reads stored objects that were not verified within opts.Every
// before now, least recently verified first, and checks every block against
// its recorded sum (and the whole object against its recorded SHA-256). An
// object found damaged raises the integrity alarm, exactly as a download
// would; an intact one is marked verified at now, and one that had no block
// sums gets them. It is idempotent and safe to run on several instances,
// though serve runs it under a lease so that objects are read once.
func (l *Service) Scrub(ctx context.Context, now time.Time, opts ScrubOptions) (ScrubReport, error) {
	return l.sweep(ctx, now, opts, "scrub", func(string) ([]domain.StoredObject, error) {
		return l.store.ObjectsToScrub(ctx, now.Add(-opts.Every), 50)
	})
}

// BackfillBlockSums gives objects stored before block sums were recorded
// their block sums, reading each once, at most opts.Rate bytes per second,
// and checking it against its recorded SHA-256 first; a mismatch raises the
// integrity alarm. Until then such an object is checked whole on its first
// download (see Open). opts.Every is not used.
func (l *Service) BackfillBlockSums(ctx context.Context, now time.Time, opts ScrubOptions) (ScrubReport, error) {
	return l.sweep(ctx, now, opts, "backfill", func(after string) ([]domain.StoredObject, error) {
		return l.store.ObjectsWithoutBlockSums(ctx, after, 50)
	})
}

// sweep checks the objects next returns, batch after batch, until there are
// none or the byte budget is spent.
func (l *Service) sweep(
	ctx context.Context,
	now time.Time,
	opts ScrubOptions,
	foundBy string,
	next func(after string) ([]domain.StoredObject, error),
) (ScrubReport, error) {
	var r ScrubReport
	seen := map[string]bool{}
	after := ""
	for {
		batch, err := next(after)
		if err != nil {
			return r, err
		}
		progressed := false
		for _, b := range batch {
			if seen[b.Key] {
				continue // its marking did not stick; do not loop on it
			}
			seen[b.Key], progressed, after = true, true, b.Key
			sums, problem, err := l.check(ctx, b, opts.Rate)
			if err != nil {
				return r, err
			}
			r.Bytes += b.Size
			switch {
			case problem != "":
				r.Corrupt++
				_ = l.raise(b, problem, foundBy)
			case b.BlockSums == nil:
				r.Checked++
				err = l.store.SetBlockSums(ctx, b.Key, l.blockSize, sums, now)
			default:
				r.Checked++
				err = l.store.MarkObjectVerified(ctx, b.Key, now)
			}
			if err != nil {
				return r, err
			}
			if opts.MaxBytes > 0 && r.Bytes >= opts.MaxBytes {
				return r, nil
			}
		}
		if !progressed {
			return r, nil
		}
	}
}

// paced returns r slowed to at most rate bytes per second, measured from
// the first read; rate <= 0 returns r. The pacing is wall-clock time on
// purpose: it protects the object store's bandwidth, not a business rule.
func paced(ctx context.Context, r io.Reader, rate int64) io.Reader {
	if rate <= 0 {
		return r
	}
	var start time.Time
	var total int64
	return readerFunc(func(p []byte) (int, error) {
		if start.IsZero() {
			start = time.Now()
		}
		if int64(len(p)) > rate {
			p = p[:rate]
		}
		n, err := r.Read(p)
		total += int64(n)
		ahead := time.Duration(float64(total)/float64(rate)*float64(time.Second)) - time.Since(start)
		if ahead > 0 {
			t := time.NewTimer(ahead)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return n, ctx.Err()
			case <-t.C:
			}
		}
		return n, err
	})
}

type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
