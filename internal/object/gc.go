package object

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
)

// GCGrace is how old an unrecorded object must be before it is collected:
// far longer than the gap between storing an upload's object and committing
// its row, so an upload in flight is never mistaken for an orphan.
const GCGrace = 6 * time.Hour

// CollectGarbage deletes objects that no row records and that are older than
// grace at now. It is idempotent and safe to run on several instances.
func (l *Service) CollectGarbage(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	var orphans []string
	err := l.blobs.List(ctx, "objects/", func(info objectstore.Info) error {
		if info.ModTime.After(now.Add(-grace)) {
			return nil
		}
		known, err := l.store.ObjectKnown(ctx, info.Key)
		if err != nil {
			return err
		}
		if !known {
			orphans = append(orphans, info.Key)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("object: gc: %w", err)
	}
	deleted := 0
	for _, key := range orphans {
		// Look again right before deleting: the row may have been
		// committed since the listing.
		if known, err := l.store.ObjectKnown(ctx, key); err != nil || known {
			continue
		}
		if err := l.blobs.Delete(ctx, key); err != nil {
			return deleted, fmt.Errorf("object: gc: delete %s: %w", key, err)
		}
		l.log.Info("object: removed orphaned object", "key", key)
		deleted++
	}
	return deleted, nil
}

// ObjectProblem is a recorded object that is missing or whose bytes no
// longer hash to what was recorded.
type ObjectProblem struct {
	Key     string
	Problem string
}

// VerifyReport summarises VerifyObjects.
type VerifyReport struct {
	Checked  int
	Problems []ObjectProblem
}

// VerifyObjects re-reads and re-hashes every recorded object, streaming,
// and reports each one that is missing, has the wrong size, the wrong
// SHA-256 or a block that does not match its recorded sum. Each problem
// found raises the integrity alarm (marked corrupt, audited, administrators
// notified), as the scrub does; objects already marked are reported again
// with their recorded reason, without reading them.
func (l *Service) VerifyObjects(ctx context.Context) (VerifyReport, error) {
	var r VerifyReport
	err := l.store.EachObject(ctx, func(b domain.StoredObject) error {
		r.Checked++
		if b.CorruptAt != nil {
			r.Problems = append(r.Problems, ObjectProblem{b.Key, "marked corrupt: " + b.CorruptReason})
			return nil
		}
		_, problem, err := l.check(ctx, b, 0)
		if err != nil {
			return err
		}
		if problem != "" {
			r.Problems = append(r.Problems, ObjectProblem{b.Key, problem})
			_ = l.raise(b, problem, "verify")
		}
		return nil
	})
	return r, err
}

// RemoveStaleSpools deletes upload spool files older than maxAge, left
// behind when the process died during an upload.
func (l *Service) RemoveStaleSpools(now time.Time, maxAge time.Duration) (int, error) {
	entries, err := os.ReadDir(l.tempDir)
	if err != nil {
		return 0, fmt.Errorf("object: read spool folder: %w", err)
	}
	removed := 0
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "upload-") {
			continue
		}
		info, err := e.Info()
		if err != nil || info.ModTime().After(now.Add(-maxAge)) {
			continue
		}
		if err := os.Remove(filepath.Join(l.tempDir, e.Name())); err == nil {
			removed++
		}
	}
	return removed, nil
}
