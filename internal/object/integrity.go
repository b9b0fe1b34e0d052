package object

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// newIntegrityMetric counts stored objects found corrupt, by what found
// them, so that an alert can fire on any increase.
func newIntegrityMetric() *prometheus.CounterVec {
	m := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fairshelf_integrity_failures_total",
		Help: "Stored objects found not to match the hashes recorded at upload, by what found them (download, scrub, backfill, verify).",
	}, []string{"found_by"})
	// Every series exists from the start at 0, so that an alert on any
	// increase also fires for the first failure.
	for _, by := range []string{"download", "scrub", "backfill", "verify"} {
		m.WithLabelValues(by)
	}
	return m
}

// Collectors are the object service's Prometheus metrics, for the server's
// /metrics registry.
func (l *Service) Collectors() []prometheus.Collector {
	return []prometheus.Collector{l.integrityFailures}
}

// raise is the integrity alarm: it marks the object corrupt with its audit
// event and administrator notifications (one transaction, once per object),
// counts it, logs it, and returns the EINTEGRITY error for the caller. The
// marking outlives the request that found the damage: a client hanging up
// must not keep the object in service.
func (l *Service) raise(b domain.StoredObject, reason, foundBy string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	marked, err := l.store.MarkObjectCorrupt(ctx, b.Key, reason, foundBy)
	switch {
	case err != nil:
		l.log.Error(
			"object: stored object is corrupt but could not be marked",
			"key",
			b.Key,
			"reason",
			reason,
			"found_by",
			foundBy,
			"err",
			err,
		)
	case marked:
		l.integrityFailures.WithLabelValues(foundBy).Inc()
		l.log.Error("object: stored object does not match what was recorded at upload; it is no longer served",
			"key", b.Key, "sha256", b.SHA256, "reason", reason, "found_by", foundBy)
	}
	return fmt.Errorf("object: object %s: %s: %w", b.Key, reason, domain.IntegrityFailure())
}

// check reads an object once, at most rate bytes per second (0: no limit),
// and compares it with what was recorded: size, whole SHA-256 and, when
// recorded, every block's hash. It returns the block sums it computed
// and, when the object does not match, why; err is a failure to read it
// at all (store unreachable, ctx ended).
func (l *Service) check(ctx context.Context, b domain.StoredObject, rate int64) (sums []byte, problem string, err error) {
	rc, err := l.blobs.Get(ctx, b.Key, 0, -1)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, "missing from the object store", nil
	} else if err != nil {
		return nil, "", fmt.Errorf("object: read %s: %w", b.Key, err)
	}
	defer rc.Close()
	blockSize := b.BlockSize
	if b.BlockSums == nil {
		blockSize = l.blockSize
	}
	h, bh := sha256.New(), newBlockHasher(blockSize)
	n, err := io.Copy(io.MultiWriter(h, bh), paced(ctx, rc, rate))
	if err != nil {
		return nil, "", fmt.Errorf("object: read %s: %w", b.Key, err)
	}
	sums = bh.Sums()
	switch got := hex.EncodeToString(h.Sum(nil)); {
	case n != b.Size:
		return nil, fmt.Sprintf("size is %d bytes, recorded %d", n, b.Size), nil
	case got != b.SHA256:
		return nil, fmt.Sprintf("SHA-256 is %s, recorded %s", got, b.SHA256), nil
	case b.BlockSums != nil && !bytes.Equal(sums, b.BlockSums):
		return nil, "block hashes differ from the recorded ones", nil
	}
	return sums, "", nil
}

// summarize gives an object stored before block sums were recorded its
// block sums: it reads the object whole, checks it against the recorded
// size and SHA-256 and only then stores the sums, so that sums are never
// computed from damaged bytes. A mismatch raises the alarm and returns
// EINTEGRITY. It returns the object with its sums.
func (l *Service) summarize(ctx context.Context, b domain.StoredObject, foundBy string, rate int64) (domain.StoredObject, error) {
	sums, problem, err := l.check(ctx, b, rate)
	if err != nil {
		return b, err
	}
	if problem != "" {
		return b, l.raise(b, problem, foundBy)
	}
	if err := l.store.SetBlockSums(ctx, b.Key, l.blockSize, sums, l.now()); err != nil {
		return b, err
	}
	return l.store.Blob(ctx, b.Key)
}

// Restore puts back the original bytes of an object marked corrupt, read
// from r (a backup copy, say), and serves it again for every version that
// shares it. The bytes must match the recorded size and SHA-256, and are
// read back from the store and checked block by block before the mark is
// cleared, with an audit event naming actor. Bytes that do not match give
// EINVALID and change nothing in the database; an object not marked
// corrupt gives ECONFLICT.
func (l *Service) Restore(ctx context.Context, actor domain.Actor, key string, r io.Reader) error {
	b, err := l.store.Blob(ctx, key)
	if err != nil {
		return err
	}
	if b.CorruptAt == nil {
		return domain.Errorf(domain.ECONFLICT, "The object is not marked corrupt; there is nothing to restore.")
	}
	sp, err := l.spool(r)
	if err != nil {
		return err
	}
	defer sp.close()
	return l.restore(ctx, actor, b, sp)
}

// restore writes a spooled file back under the corrupt object b, checks it
// and clears the mark; see Restore.
func (l *Service) restore(ctx context.Context, actor domain.Actor, b domain.StoredObject, sp *spooled) error {
	if sp.size != b.Size || sp.sha256 != b.SHA256 {
		return domain.Errorf(
			domain.EINVALID,
			"The file is not the one recorded: it has %d bytes and SHA-256 %s; the object needs %d bytes and SHA-256 %s.",
			sp.size,
			sp.sha256,
			b.Size,
			b.SHA256,
		)
	}
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("object: rewind restore: %w", err)
	}
	if _, err := l.blobs.Put(ctx, b.Key, sp.f, sp.size); err != nil {
		return noSpace(err)
	}
	if b.BlockSums == nil {
		b.BlockSize, b.BlockSums = l.blockSize, sp.blockSums
	}
	if _, problem, err := l.check(ctx, b, 0); err != nil {
		return err
	} else if problem != "" {
		return fmt.Errorf("object: restored object %s reads back wrong: %s", b.Key, problem)
	}
	if err := l.store.RestoreObject(ctx, actor, b.Key, b.BlockSize, b.BlockSums); err != nil {
		return err
	}
	l.log.Warn("object: corrupt stored object restored", "key", b.Key, "sha256", b.SHA256, "by", actor.Name)
	return nil
}
