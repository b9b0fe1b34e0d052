package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// Blob returns the recorded object with key, with its block sums and
// integrity state; ENOTFOUND if no row records it.
func (s *Store) Blob(ctx context.Context, key string) (domain.StoredObject, error) {
	var row objectRow
	err := s.db.WithContext(ctx).Where("key = ?", key).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		return domain.StoredObject{}, domain.Errorf(domain.ENOTFOUND, "No such object.")
	}
	if err != nil {
		return domain.StoredObject{}, translate(err)
	}
	return row.stored(), nil
}

// SetBlockSums records the block sums of an object stored before blocks
// were recorded, after the caller read it whole and found its SHA-256 and
// size as recorded, and marks it verified at now. Sums already recorded are
// kept: whoever computed them first read the same verified bytes.
func (s *Store) SetBlockSums(ctx context.Context, key string, blockSize int64, sums []byte, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&objectRow{}).Where("key = ? AND block_sums IS NULL", key).
		Updates(map[string]any{"block_size": blockSize, "block_sums": sums, "verified_at": now.UTC()}).Error
	return translate(err)
}

// MarkObjectVerified records that the object's bytes were read whole at now
// and matched every recorded hash, so the scrub leaves it alone for a pass.
func (s *Store) MarkObjectVerified(ctx context.Context, key string, now time.Time) error {
	return translate(s.db.WithContext(ctx).Model(&objectRow{}).Where("key = ?", key).Update("verified_at", now.UTC()).Error)
}

// ObjectsToScrub returns up to limit intact objects not verified since
// before, least recently verified first (never verified first of all).
func (s *Store) ObjectsToScrub(ctx context.Context, before time.Time, limit int) ([]domain.StoredObject, error) {
	var rows []objectRow
	err := s.db.WithContext(ctx).Where("corrupt_at IS NULL AND (verified_at IS NULL OR verified_at < ?)", before.UTC()).
		Order("verified_at NULLS FIRST").Limit(limit).Find(&rows).Error
	return storedObjects(rows), translate(err)
}

// ObjectsWithoutBlockSums returns up to limit intact objects that have no
// block sums yet, in key order after the given key.
func (s *Store) ObjectsWithoutBlockSums(ctx context.Context, after string, limit int) ([]domain.StoredObject, error) {
	var rows []objectRow
	err := s.db.WithContext(ctx).Where("block_sums IS NULL AND corrupt_at IS NULL AND key > ?", after).
		Order("key").Limit(limit).Find(&rows).Error
	return storedObjects(rows), translate(err)
}

func storedObjects(rows []objectRow) []domain.StoredObject {
	out := make([]domain.StoredObject, len(rows))
	for i, r := range rows {
		out[i] = r.stored()
	}
	return out
}

// CorruptObjects returns every object marked corrupt, most recently marked
// first, with the versions that share it: what an administrator has to
// restore before those pieces are served again.
func (s *Store) CorruptObjects(ctx context.Context) ([]domain.CorruptObject, error) {
	var rows []objectRow
	if err := s.db.WithContext(ctx).Where("corrupt_at IS NOT NULL").Order("corrupt_at DESC, key").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.CorruptObject, len(rows))
	for i, r := range rows {
		out[i].StoredObject = r.stored()
		out[i].BlockSums = nil // not shown; can be large
		uses, err := objectUses(s.db.WithContext(ctx), r.Key)
		if err != nil {
			return nil, translate(err)
		}
		out[i].Uses = uses
	}
	return out, nil
}

// CountCorruptObjects returns how many objects are marked corrupt.
func (s *Store) CountCorruptObjects(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&objectRow{}).Where("corrupt_at IS NOT NULL").Count(&n).Error
	return n, translate(err)
}

// objectUses returns the versions whose content is the object with key.
func objectUses(db *gorm.DB, key string) ([]domain.ObjectUse, error) {
	var uses []domain.ObjectUse
	err := db.Table("versions").
		Select("versions.id AS version_id, versions.number, assets.id AS asset_id, assets.job_code, assets.brand").
		Joins("JOIN assets ON assets.id = versions.asset_id").Where("versions.blob_key = ?", key).
		Order("assets.job_code, versions.number").Scan(&uses).Error
	return uses, err
}

// MarkObjectCorrupt records that the object with key no longer matches its
// recorded hashes, found by source ("download", "scrub", "backfill"), and in
// the same transaction writes the audit event and notifies every active
// administrator. It reports whether this call marked it: an object already
// marked is left as it is, so the alarm is raised once however many
// requests find the damage.
func (s *Store) MarkObjectCorrupt(ctx context.Context, key, reason, source string) (bool, error) {
	marked := false
	err := s.InTx(ctx, func(tx *Tx) error {
		var b objectRow
		if err := tx.db.Where("key = ?", key).Take(&b).Error; err != nil {
			return err
		}
		res := tx.db.Model(&objectRow{}).Where("key = ? AND corrupt_at IS NULL", key).
			Updates(map[string]any{"corrupt_at": tx.now, "corrupt_reason": reason})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		marked = true
		uses, err := objectUses(tx.db, key)
		if err != nil {
			return err
		}
		ids := make([]string, len(uses))
		for i, u := range uses {
			ids[i] = u.VersionID
		}
		if err := tx.Audit(domain.AuditEntry{Actor: domain.SystemActor, Action: domain.ActionObjectCorrupt, ObjectType: "object",
			ObjectID: key,
			Details: map[string]any{"sha256": b.SHA256, "size": b.Size, "reason": reason, "found_by": source,
				"version_ids": ids}}); err != nil {
			return err
		}
		var admins []string
		if err := tx.db.Model(&roleRow{}).Distinct("role_assignments.user_id").
			Joins("JOIN users ON users.id = role_assignments.user_id").
			Where("role_assignments.role = ? AND users.disabled = ?", string(domain.RoleAdmin), false).
			Order("role_assignments.user_id").Pluck("role_assignments.user_id", &admins).Error; err != nil {
			return err
		}
		subject, link := "A stored file no longer matches what was approved and is not served", "/admin/integrity"
		if len(uses) > 0 {
			subject = fmt.Sprintf("The stored file of %s version %d", uses[0].JobCode, uses[0].Number)
			if len(uses) > 1 {
				subject += fmt.Sprintf(" (and %d other version(s) sharing it)", len(uses)-1)
			}
			subject += " no longer matches what was approved; it is not served until it is restored"
		}
		// The key is what "fairshelf objects restore" needs.
		subject += " (object " + key + ")."
		for _, id := range admins {
			if err := tx.db.Create(&notificationRow{ID: newID(), UserID: id, Kind: domain.NotificationObjectCorrupt,
				Subject: subject, Link: link, CreatedAt: tx.now}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return marked, translate(err)
}

// RestoreObject clears the corrupt mark of the object with key, after the
// caller put back bytes that match every recorded hash, records the block
// sums if the object had none, and writes the audit event in the same
// transaction. An object that is not marked corrupt gives ECONFLICT.
func (s *Store) RestoreObject(ctx context.Context, actor domain.Actor, key string, blockSize int64, sums []byte) error {
	return s.InTx(ctx, func(tx *Tx) error {
		var b objectRow
		if err := tx.db.Where("key = ?", key).Take(&b).Error; err != nil {
			if err == gorm.ErrRecordNotFound {
				return domain.Errorf(domain.ENOTFOUND, "No such object.")
			}
			return err
		}
		if b.CorruptAt == nil {
			return domain.Errorf(domain.ECONFLICT, "The object is not marked corrupt.")
		}
		set := map[string]any{"corrupt_at": nil, "corrupt_reason": "", "verified_at": tx.now}
		if b.BlockSums == nil {
			set["block_size"], set["block_sums"] = blockSize, sums
		}
		if err := tx.db.Model(&objectRow{}).Where("key = ?", key).Updates(set).Error; err != nil {
			return err
		}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: domain.ActionObjectRestored, ObjectType: "object", ObjectID: key,
			Details: map[string]any{
				"sha256":            b.SHA256,
				"size":              b.Size,
				"was_corrupt_since": b.CorruptAt.UTC().Format(time.RFC3339),
				"reason":            b.CorruptReason,
			}})
	})
}
