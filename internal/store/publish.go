package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// Publish releases an approved version to the field until its expiry, or
// gives a re-certified published version a new expiry, as
// domain.DecidePublication decides on the version's effective state; the
// newest checker report must be against the current label and pass. A
// previously published version of the same asset is superseded in the same
// transaction, so reps never see two or none, and every rep who fetched the
// superseded version gets an "updated version available" notice. Audited.
func (s *Store) Publish(ctx context.Context, actor domain.Actor, p domain.PublishRequest) (domain.Version, error) {
	var out domain.Version
	err := s.InTx(ctx, func(tx *Tx) error {
		v, err := tx.settledVersion(p.VersionID)
		if err != nil {
			return err
		}
		var extra struct {
			ApprovedAt, PublishedAt, AvailableAnnouncedAt, ExpiresAt *time.Time
		}
		if err := tx.db.Model(&versionRow{}).Select("approved_at, published_at, available_announced_at, expires_at").Where("id = ?", v.ID).
			Scan(&extra).Error; err != nil {
			return err
		}
		var a assetRow
		if err := tx.db.Where("id = ?", v.AssetID).Take(&a).Error; err != nil {
			return err
		}
		b, err := tx.brand(a.Brand)
		if err != nil {
			return err
		}
		now, exp := tx.now, p.ExpiresAt.UTC()
		decision := domain.Publication{Now: now, AvailableFrom: p.AvailableFrom, ExpiresAt: exp, State: v.State,
			ApprovedAt: extra.ApprovedAt, PublishedAt: extra.PublishedAt, MaxExpiry: b.Label.MaxExpiryMonths}
		from, err := domain.DecidePublication(decision)
		if err != nil {
			return err
		}
		recertified := decision.Recertified()
		if err := tx.checkReportCurrent(v.ID, a.Brand); err != nil {
			return err
		}
		if recertified {
			// The same piece stays in the library with a new expiry:
			// reported as an update of the piece, not a new publication.
			if err := tx.db.Model(&versionRow{}).Where("id = ? AND state = ?", v.ID, domain.StatePublished).
				Updates(map[string]any{"expires_at": exp, "published_at": now, "rereview_required": false}).Error; err != nil {
				return err
			}
			out, err = tx.version(v.ID)
			if err != nil {
				return err
			}
			return tx.expiryChanged(actor, a.Brand, a.ID, a.JobCode, v.ID, expiryChange{
				Previous: extra.ExpiresAt, ExpiresAt: exp, Reason: "recertified", Announced: extra.AvailableAnnouncedAt != nil,
				Details: map[string]any{"recertified_at": extra.ApprovedAt.UTC()}})
		}
		available := !from.After(now)
		changes := map[string]any{"published_at": now, "available_from": from, "expires_at": exp}
		if available {
			changes["available_announced_at"] = now
		}
		if _, err := tx.moveVersion(v, domain.ActionPublish, changes); err != nil {
			return err
		}
		details := map[string]any{"asset_id": a.ID, "expires_at": exp, "available_from": from, "sha256": v.SHA256}
		if a.PublishedVersionID != nil && *a.PublishedVersionID != v.ID {
			old, err := tx.lockVersion(*a.PublishedVersionID)
			if err != nil {
				return err
			}
			if old.State == domain.StatePublished {
				oldAnnounced, err := tx.announcedAt(old.ID)
				if err != nil {
					return err
				}
				if _, err := tx.moveVersion(old, domain.ActionSupersede,
					map[string]any{"retired_at": now, "retire_reason": fmt.Sprintf("superseded by version %d", v.Number)}); err != nil {
					return err
				}
				details["superseded_version_id"] = old.ID
				details["replaces_visible"] = oldAnnounced != nil
				// Reps who fetched the older version are told a newer
				// one replaces it, so they stop using their copy.
				n, err := tx.noticeFetchers(
					[]string{old.ID},
					string(domain.StateSuperseded),
					domain.SupersededNoticeMessage(v.Number, from, now),
				)
				if err != nil {
					return err
				}
				if err := tx.Audit(domain.AuditEntry{Actor: actor, Action: "version.supersede", ObjectType: "version", ObjectID: old.ID,
					Brand: a.Brand,
					Details: map[string]any{"asset_id": a.ID, "by_version_id": v.ID, "notices": n, "announced": oldAnnounced != nil,
						"replacement_available": available}}); err != nil {
					return err
				}
			}
		}
		// Reps search only the text of the version they can see.
		var text string
		if err := tx.db.Model(&versionRow{}).Select("COALESCE(text, '')").Where("id = ?", v.ID).Scan(&text).Error; err != nil {
			return err
		}
		if err := tx.db.Model(&assetRow{}).Where("id = ?", a.ID).Updates(map[string]any{"published_version_id": v.ID,
			"published_search_text": searchText(a, text), "updated_at": now}).Error; err != nil {
			return err
		}
		out, err = tx.version(v.ID)
		if err != nil {
			return err
		}
		if err := tx.emit("version.published", a.Brand,
			map[string]any{"asset_id": a.ID, "job_code": a.JobCode, "version_id": v.ID, "version_number": v.Number,
				"sha256": v.SHA256, "available_from": from, "expires_at": exp,
				"superseded_version_id": details["superseded_version_id"]}); err != nil {
			return err
		}
		return tx.Audit(
			domain.AuditEntry{
				Actor:      actor,
				Action:     "version.publish",
				ObjectType: "version",
				ObjectID:   v.ID,
				Brand:      a.Brand,
				Details:    details,
			},
		)
	})
	return out, err
}

// Withdraw takes a published or approved version out of use at once, with
// the reason shown to reps, and sends a notice to every rep who fetched it.
// Audited.
func (s *Store) Withdraw(ctx context.Context, actor domain.Actor, versionID, reason string) (domain.Version, error) {
	var out domain.Version
	err := s.InTx(ctx, func(tx *Tx) error {
		v, err := tx.settledVersion(versionID)
		if err != nil {
			return err
		}
		announced, err := tx.announcedAt(v.ID)
		if err != nil {
			return err
		}
		var a assetRow
		if err := tx.db.Select("id", "brand", "job_code", "title", "published_version_id").Where("id = ?", v.AssetID).
			Take(&a).Error; err != nil {
			return err
		}
		if _, err := tx.moveVersion(v, domain.ActionWithdraw, map[string]any{"retired_at": tx.now, "retire_reason": reason}); err != nil {
			return err
		}
		if a.PublishedVersionID != nil && *a.PublishedVersionID == v.ID {
			if err := tx.db.Model(&assetRow{}).Where("id = ?", a.ID).Update("published_version_id", nil).Error; err != nil {
				return err
			}
		}
		if err := tx.flagCampaignsAtRisk([]string{a.ID}, a.JobCode+" was withdrawn: "+reason); err != nil {
			return err
		}
		n, err := tx.noticeFetchers([]string{v.ID}, string(domain.StateWithdrawn), "Withdrawn: "+reason)
		if err != nil {
			return err
		}
		out, err = tx.version(v.ID)
		if err != nil {
			return err
		}
		if err := tx.emit("version.withdrawn", a.Brand,
			map[string]any{"asset_id": a.ID, "job_code": a.JobCode, "version_id": v.ID, "reason": reason}); err != nil {
			return err
		}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "version.withdraw", ObjectType: "version", ObjectID: v.ID, Brand: a.Brand,
			Details: map[string]any{
				"asset_id":  a.ID,
				"reason":    reason,
				"notices":   n,
				"announced": v.State == domain.StatePublished && announced != nil,
			}})
	})
	return out, err
}

// idChunk is how many IDs one "IN ?" list holds, well within the
// parameter limits of PostgreSQL (65,535) and SQLite (32,766).
const idChunk = 10_000

// noticeFetchers creates a notice for every user who fetched one of the
// versions, once per user and version, and returns how many were created.
// The notices are written in bulk, since an expiry sweep can notify many
// reps about many pieces at once.
func (tx *Tx) noticeFetchers(versionIDs []string, reason, message string) (int64, error) {
	var fetchers []struct {
		UserID, VersionID, AssetID, Brand string
	}
	for ids := range slices.Chunk(versionIDs, idChunk) {
		var chunk []struct {
			UserID, VersionID, AssetID, Brand string
		}
		if err := tx.db.Model(&usageRow{}).Distinct("user_id", "version_id", "asset_id", "brand").
			Where("version_id IN ?", ids).Order("version_id, user_id").Scan(&chunk).Error; err != nil {
			return 0, err
		}
		fetchers = append(fetchers, chunk...)
	}
	noticeIDs := make([]string, len(fetchers))
	for i := range noticeIDs {
		noticeIDs[i] = newID()
	}
	return tx.bulkInsert("notices", noticeColumns, len(fetchers), func(i int, dst []any) {
		f := fetchers[i]
		copy(dst, []any{noticeIDs[i], f.UserID, f.VersionID, f.AssetID, f.Brand, reason, message, tx.now})
	}, "ON CONFLICT (user_id, version_id) DO NOTHING")
}

var noticeColumns = []string{
	"id", "user_id", "version_id", "asset_id", "brand", "reason", "message", "created_at",
}

// AcquireLease takes or renews the named lease for holder until now+ttl, and
// reports whether holder has it. Several instances call it before running a
// job, so that each job runs on one instance at a time.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	var got bool
	err := s.InTx(ctx, func(tx *Tx) error {
		res := tx.db.Exec(`INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE job_leases.expires_at <= ? OR job_leases.holder = excluded.holder`,
			name, holder, now.Add(ttl).UTC(), now.UTC())
		if res.Error != nil {
			return res.Error
		}
		got = res.RowsAffected == 1
		return nil
	})
	return got, err
}

// ReleaseLease gives the named lease back if holder has it, so that another
// instance (or this one restarted) can take it at once.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	return translate(s.db.WithContext(ctx).Exec("DELETE FROM job_leases WHERE name = ? AND holder = ?", name, holder).Error)
}

// SendExpiryReminders notifies asset owners of published versions that
// expire within one of the thresholds (in days) of now. Which reminder, if
// any, a version gets is domain.ReminderDue's choice: only the nearest due
// one, and never a wider one after a nearer one was sent. It is idempotent
// and returns how many reminders it sent.
func (s *Store) SendExpiryReminders(ctx context.Context, now time.Time, thresholds []int) (int, error) {
	widest := 0
	for _, d := range thresholds {
		widest = max(widest, d)
	}
	if widest <= 0 {
		return 0, nil
	}
	sent := 0
	err := s.InTx(ctx, func(tx *Tx) error {
		// Published versions expiring within the widest threshold, and the
		// reminders they already got; the domain picks what is due.
		within := func() *gorm.DB {
			return tx.db.Table("versions").Where("versions.state = ? AND versions.expires_at > ? AND versions.expires_at <= ?",
				domain.StatePublished, now.UTC(), now.AddDate(0, 0, widest).UTC())
		}
		var candidates []struct {
			ID, AssetID, OwnerID, JobCode, Brand string
			ExpiresAt                            time.Time
		}
		err := within().Select("versions.id, versions.asset_id, assets.owner_id, assets.job_code, assets.brand, versions.expires_at").
			Joins("JOIN assets ON assets.id = versions.asset_id").
			Order("versions.expires_at, versions.id").
			Scan(&candidates).Error
		if err != nil {
			return err
		}
		if len(candidates) == 0 {
			return nil
		}
		var already []struct {
			VersionID string
			Days      int
		}
		if err := tx.db.Table("expiry_reminders").Select("version_id, days").Where("version_id IN (?)", within().Select("versions.id")).
			Scan(&already).Error; err != nil {
			return err
		}
		sentDays := map[string][]int{}
		for _, r := range already {
			sentDays[r.VersionID] = append(sentDays[r.VersionID], r.Days)
		}
		for _, d := range candidates {
			days, ok := domain.ReminderDue(now, d.ExpiresAt, thresholds, sentDays[d.ID])
			if !ok {
				continue
			}
			if err := tx.db.Exec("INSERT INTO expiry_reminders (version_id, days, sent_at) VALUES (?, ?, ?)", d.ID, days,
				tx.now).Error; err != nil {
				return err
			}
			if err := tx.db.Create(&notificationRow{ID: newID(), UserID: d.OwnerID, Kind: "expiry_reminder",
				Subject: fmt.Sprintf("%s expires on %s (%s): re-certify or replace it", d.JobCode, d.ExpiresAt.UTC().Format("2006-01-02"),
					domain.WithinDays(days)),
				Link: "/assets/" + d.AssetID + "?version=" + d.ID, CreatedAt: tx.now}).Error; err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return sent, err
}

// UnackedNotices lists notices of the given brands still unacknowledged
// that were sent before olderThan, oldest first, for marketing and
// regulatory follow-up.
func (s *Store) UnackedNotices(ctx context.Context, allBrands bool, brands []string, olderThan time.Time) ([]domain.UnackedNotice, error) {
	q := s.db.WithContext(ctx).Table("notices").
		Select("notices.id AS notice_id, notices.user_id, users.display_name AS rep, users.email, notices.asset_id, assets.job_code, "+
			"notices.brand, notices.reason, notices.created_at").
		Joins("JOIN users ON users.id = notices.user_id").Joins("JOIN assets ON assets.id = notices.asset_id").
		Where("notices.acked_at IS NULL AND notices.created_at <= ?", olderThan.UTC())
	if !allBrands {
		q = q.Where("notices.brand IN ?", append([]string{""}, brands...))
	}
	out := []domain.UnackedNotice{}
	err := q.Order("notices.created_at, notices.id").Limit(1000).Scan(&out).Error
	return out, translate(err)
}
