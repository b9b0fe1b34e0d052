package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// Settle brings every published version to its state at now, in one
// transaction: versions whose availability date passed are announced to the
// library (audit version.available, webhook version.available), and
// versions whose expiry passed are expired with a notice to every rep who
// fetched them. Announcement comes first, so that a version that became
// available and expired within one gap is added and then removed. Running
// it again changes nothing.
//
// The library's reads already filter on availability and expiry at read
// time; Settle writes the events that the sync feed, the notices and the
// webhooks report. The expiry job runs it every minute, and every read of
// the feed or of notices runs it first, so that no feed entry is early or
// late whatever the job's timing.
func (s *Store) Settle(ctx context.Context, now time.Time) (domain.Settled, error) {
	due, err := s.anythingDue(ctx, now)
	if err != nil || !due {
		return domain.Settled{}, err
	}
	var out domain.Settled
	err = s.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.settle(now, "")
		return err
	})
	return out, err
}

// ExpireDue is Settle reporting how many versions it expired.
func (s *Store) ExpireDue(ctx context.Context, now time.Time) (int, error) {
	st, err := s.Settle(ctx, now)
	return st.Expired, err
}

// anythingDue reports whether Settle has anything to write at now, in a
// read that uses the partial indexes of published versions; most calls
// find nothing and so take no write lock.
func (s *Store) anythingDue(ctx context.Context, now time.Time) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM (
		SELECT 1 FROM versions WHERE state = 'published' AND expires_at <= ?
		UNION ALL
		SELECT 1 FROM versions WHERE state = 'published' AND available_announced_at IS NULL AND available_from <= ?
		LIMIT 1) due`, now.UTC(), now.UTC()).Scan(&n).Error
	return n > 0, translate(err)
}

// settledRow is a version Settle moved.
type settledRow struct {
	ID, AssetID, Brand       string
	AvailableFrom, ExpiresAt time.Time
}

// settle is Settle inside tx, for every asset or, with assetID, for one:
// lifecycle changes of an asset settle it first, so that they decide on
// its versions' effective states.
func (tx *Tx) settle(now time.Time, assetID string) (domain.Settled, error) {
	announced, err := tx.announceAvailable(now, assetID)
	if err != nil {
		return domain.Settled{}, err
	}
	expired, err := tx.expireDue(now, assetID)
	return domain.Settled{Announced: announced, Expired: expired}, err
}

// settleUpdate runs one set-based UPDATE ... RETURNING of versions that
// Settle moves and returns them sorted by ID. set is the SET clause with
// its arguments first, where the condition on versions, and scope an
// optional asset ID. SQLite cannot return columns of a joined table, so
// the brand comes from a subquery there.
func (tx *Tx) settleUpdate(set string, setArgs []any, where string, whereArgs []any, assetID string) ([]settledRow, error) {
	if assetID != "" {
		where += " AND versions.asset_id = ?"
		whereArgs = append(whereArgs, assetID)
	}
	q := `UPDATE versions SET ` + set + ` FROM assets WHERE assets.id = versions.asset_id AND ` + where + `
		RETURNING versions.id, versions.asset_id, assets.brand, versions.available_from, versions.expires_at`
	if tx.dialect != Postgres {
		q = `UPDATE versions SET ` + set + ` WHERE ` + where + `
			RETURNING id, asset_id, (SELECT brand FROM assets WHERE assets.id = versions.asset_id) AS brand, available_from, expires_at`
	}
	var out []settledRow
	if err := tx.db.Raw(q, append(setArgs, whereArgs...)...).Scan(&out).Error; err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b settledRow) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// announceAvailable announces every published version whose availability
// date passed and that was not announced yet. The state is written
// literally so that the planner can use the partial index whatever plan it
// caches.
func (tx *Tx) announceAvailable(now time.Time, assetID string) (int, error) {
	due, err := tx.settleUpdate(
		"available_announced_at = ?",
		[]any{tx.now},
		"versions.state = 'published' AND versions.available_announced_at IS NULL AND versions.available_from <= ?",
		[]any{now.UTC()},
		assetID,
	)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	if err := tx.emitEach("version.available", len(due), func(i int) (string, map[string]any) {
		d := due[i]
		return d.Brand,
			map[string]any{"asset_id": d.AssetID, "version_id": d.ID, "available_from": d.AvailableFrom.UTC(),
				"expires_at": d.ExpiresAt.UTC()}
	}); err != nil {
		return 0, err
	}
	return len(due), tx.auditSettled("version.available", due, func(d settledRow) map[string]any {
		return map[string]any{"asset_id": d.AssetID, "available_from": d.AvailableFrom.UTC(), "expires_at": d.ExpiresAt.UTC()}
	})
}

// expireDue moves every published version whose expiry is at or before now
// to expired, in one set-based pass: one audit event per version and a
// notice to every rep who fetched it.
//
// The asset rows are left as they are: an asset's published_version_id
// names the version it last published, and every reader checks that
// version's state, so expiry rewrites only the versions it expires.
func (tx *Tx) expireDue(now time.Time, assetID string) (int, error) {
	due, err := tx.settleUpdate("state = 'expired', retired_at = ?, retire_reason = 'expired'", []any{tx.now},
		"versions.state = 'published' AND versions.expires_at <= ?", []any{now.UTC()}, assetID)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	versionIDs, assetIDs := make([]string, len(due)), make([]string, len(due))
	for i, d := range due {
		versionIDs[i], assetIDs[i] = d.ID, d.AssetID
	}
	if _, err := tx.noticeFetchers(versionIDs, string(domain.StateExpired),
		"Expired: this piece is no longer approved for use."); err != nil {
		return 0, err
	}
	if err := tx.flagCampaignsAtRisk(assetIDs, "a piece expired"); err != nil {
		return 0, err
	}
	if err := tx.emitEach("version.expired", len(due), func(i int) (string, map[string]any) {
		d := due[i]
		return d.Brand, map[string]any{"asset_id": d.AssetID, "version_id": d.ID, "expires_at": d.ExpiresAt.UTC()}
	}); err != nil {
		return 0, err
	}
	return len(due), tx.auditSettled("version.expire", due, func(d settledRow) map[string]any {
		return map[string]any{"asset_id": d.AssetID, "expires_at": d.ExpiresAt.UTC()}
	})
}

// auditSettled writes one system audit event of action per settled
// version, with the details built for it.
func (tx *Tx) auditSettled(action string, due []settledRow, details func(settledRow) map[string]any) error {
	entries := make([]domain.AuditEntry, len(due))
	for i, d := range due {
		entries[i] = domain.AuditEntry{
			Actor:      domain.SystemActor,
			Action:     action,
			ObjectType: "version",
			ObjectID:   d.ID,
			Brand:      d.Brand,
			Details:    details(d),
		}
	}
	return tx.Audit(entries...)
}

// settledVersion settles the version's asset at tx.now, then locks the
// version and returns it: a lifecycle change decides on the effective
// states of the asset's versions, so a piece whose expiry passed is
// expired (with its notices) before anyone can withdraw, extend or
// supersede it.
func (tx *Tx) settledVersion(id string) (versionRow, error) {
	var assetID string
	if err := tx.db.Model(&versionRow{}).Select("asset_id").Where("id = ?", id).Scan(&assetID).Error; err != nil {
		return versionRow{}, err
	}
	if assetID == "" {
		return versionRow{}, domain.Errorf(domain.ENOTFOUND, "No such version.")
	}
	if _, err := tx.settle(tx.now, assetID); err != nil {
		return versionRow{}, err
	}
	return tx.lockVersion(id)
}

// expiryChange is a new expiry of a published version.
type expiryChange struct {
	Previous  *time.Time
	ExpiresAt time.Time
	Reason    string // recertified, label_change
	Announced bool   // the version is in the library (not waiting for its availability date)
	Details   map[string]any
}

// expiryChanged records that a published version's expiry changed: audit
// version.expiry_changed and webhook version.updated with the new expiry,
// which the sync feed reports as "updated" while the version is in the
// library. The reminders sent for the old expiry are forgotten, so that
// the owner is reminded again before the new one.
func (tx *Tx) expiryChanged(actor domain.Actor, brand, assetID, jobCode, versionID string, c expiryChange) error {
	details := map[string]any{"asset_id": assetID, "expires_at": c.ExpiresAt.UTC(), "reason": c.Reason, "announced": c.Announced}
	if c.Previous != nil {
		details["previous_expires_at"] = c.Previous.UTC()
	}
	for k, v := range c.Details {
		details[k] = v
	}
	// Reminders count down to the new expiry.
	if err := tx.db.Exec("DELETE FROM expiry_reminders WHERE version_id = ?", versionID).Error; err != nil {
		return err
	}
	if err := tx.emit("version.updated", brand, map[string]any{"asset_id": assetID, "job_code": jobCode, "version_id": versionID,
		"expires_at": c.ExpiresAt.UTC(), "reason": c.Reason}); err != nil {
		return err
	}
	return tx.Audit(
		domain.AuditEntry{
			Actor:      actor,
			Action:     "version.expiry_changed",
			ObjectType: "version",
			ObjectID:   versionID,
			Brand:      brand,
			Details:    details,
		},
	)
}

// announcedAt returns when a version was announced to the library, nil if
// it was not (not published, or waiting for its availability date).
func (tx *Tx) announcedAt(versionID string) (*time.Time, error) {
	var r struct{ AvailableAnnouncedAt *time.Time }
	err := tx.db.Model(&versionRow{}).Select("available_announced_at").Where("id = ?", versionID).Scan(&r).Error
	return r.AvailableAnnouncedAt, err
}
