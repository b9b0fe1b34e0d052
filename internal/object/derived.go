package object

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
)

// Derived objects are made from content (page images and thumbnails, under
// renditions/): small, recorded by their maker with their SHA-256 and
// size, and made again when lost or damaged, never restored.

// PutDerived stores a derived object under key; sum is its SHA-256, which
// the object store's own check of the written bytes must agree with.
func (l *Service) PutDerived(ctx context.Context, key string, data []byte, sum string) error {
	info, err := l.blobs.Put(ctx, key, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return noSpace(err)
	}
	if info.Size != int64(len(data)) || (info.SHA256 != "" && info.SHA256 != sum) {
		return fmt.Errorf("object: object store kept %d bytes with SHA-256 %s for %s, want %d bytes %s", info.Size, info.SHA256, key,
			len(data), sum)
	}
	return nil
}

// ErrDerivedDamaged means a derived object is missing or no longer matches
// its recorded SHA-256 and size; its maker should make it again.
var ErrDerivedDamaged = &domain.Error{Code: domain.EUNAVAILABLE,
	Message: "This page image failed its integrity check; it is being made again. Try again in a minute."}

// ReadDerived reads a derived object whole and returns its bytes only if
// they match the recorded SHA-256 and size: nothing unverified is served.
func (l *Service) ReadDerived(ctx context.Context, key, sum string, size int64) ([]byte, error) {
	rc, err := l.blobs.Get(ctx, key, 0, size)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			l.log.Warn("object: derived object missing", "key", key)
			return nil, ErrDerivedDamaged
		}
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, size+1))
	if err != nil {
		return nil, err
	}
	got := sha256.Sum256(data)
	if int64(len(data)) != size || hex.EncodeToString(got[:]) != sum {
		l.log.Warn("object: derived object does not match its record", "key", key, "size", len(data), "want_size", size)
		return nil, ErrDerivedDamaged
	}
	return data, nil
}

// CollectDerived deletes derived objects older than grace at now that no
// record names (pages dropped when a document was rendered again with fewer
// pages, or stored by a maker that stopped before recording them).
func (l *Service) CollectDerived(ctx context.Context, now time.Time, grace time.Duration, known func(context.Context, string) (bool, error)) (int, error) {
	var orphans []string
	err := l.blobs.List(ctx, "renditions/", func(info objectstore.Info) error {
		if info.ModTime.After(now.Add(-grace)) || !strings.HasPrefix(info.Key, "renditions/") {
			return nil
		}
		ok, err := known(ctx, info.Key)
		if err == nil && !ok {
			orphans = append(orphans, info.Key)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("object: collect derived: %w", err)
	}
	deleted := 0
	for _, key := range orphans {
		if ok, err := known(ctx, key); err != nil || ok {
			continue
		}
		if err := l.blobs.Delete(ctx, key); err != nil {
			return deleted, fmt.Errorf("object: collect derived: delete %s: %w", key, err)
		}
		deleted++
	}
	return deleted, nil
}
