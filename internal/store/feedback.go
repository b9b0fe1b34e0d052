package store

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// FeedbackKinds are the kinds of field feedback.
var FeedbackKinds = []string{"objection", "question", "praise", "issue"}

type feedbackRow struct {
	ID        string `gorm:"primaryKey"`
	AssetID   string
	VersionID *string
	Brand     string
	UserID    string
	Kind      string
	Text      string
	CreatedAt time.Time
}

func (feedbackRow) TableName() string { return "feedback" }

// Feedback is a rep's field note on a piece.
type Feedback struct {
	ID        string    `json:"id"`
	AssetID   string    `json:"asset_id"`
	JobCode   string    `json:"job_code"`
	VersionID string    `json:"version_id"`
	Brand     string    `json:"brand"`
	UserID    string    `json:"user_id"`
	Author    string    `json:"author"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// AddFeedback records a rep's feedback on the version they have, audited.
func (s *Store) AddFeedback(ctx context.Context, actor domain.Actor, v VersionWithBrand, kind, text string) (Feedback, error) {
	var out Feedback
	err := s.InTx(ctx, func(tx *Tx) error {
		vid := v.ID
		row := feedbackRow{ID: newID(), AssetID: v.AssetID, VersionID: &vid, Brand: v.Brand, UserID: actor.UserID, Kind: kind, Text: text, CreatedAt: tx.now}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		out = Feedback{ID: row.ID, AssetID: row.AssetID, VersionID: vid, Brand: row.Brand, UserID: row.UserID, Author: actor.Name, Kind: kind, Text: text, CreatedAt: row.CreatedAt}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "feedback.create", ObjectType: "asset", ObjectID: v.AssetID, Brand: v.Brand,
			Details: map[string]any{"feedback_id": row.ID, "version_id": vid, "kind": kind}})
	})
	return out, err
}

// FeedbackFilter selects feedback for marketing.
type FeedbackFilter struct {
	AssetID   string
	AllBrands bool
	Brands    []string
	Brand     string
	Kind      string
}

// ListFeedback returns feedback, newest first (at most 500).
func (s *Store) ListFeedback(ctx context.Context, f FeedbackFilter) ([]Feedback, error) {
	q := s.db.WithContext(ctx).Table("feedback").
		Select("feedback.id, feedback.asset_id, assets.job_code, COALESCE(feedback.version_id, '') AS version_id, feedback.brand, feedback.user_id, users.display_name AS author, feedback.kind, feedback.text, feedback.created_at").
		Joins("JOIN assets ON assets.id = feedback.asset_id").Joins("JOIN users ON users.id = feedback.user_id")
	if !f.AllBrands {
		q = q.Where("feedback.brand IN ?", append([]string{""}, f.Brands...))
	}
	if f.AssetID != "" {
		q = q.Where("feedback.asset_id = ?", f.AssetID)
	}
	if f.Brand != "" {
		q = q.Where("feedback.brand = ?", f.Brand)
	}
	if f.Kind != "" {
		q = q.Where("feedback.kind = ?", f.Kind)
	}
	out := []Feedback{}
	err := q.Order("feedback.created_at DESC, feedback.id DESC").Limit(500).Scan(&out).Error
	return out, translate(err)
}

// Change is one entry of the library's sync feed.
type Change struct {
	AssetID   string    `json:"asset_id"`
	VersionID string    `json:"version_id"`
	Change    string    `json:"change"` // added, updated, removed
	Reason    string    `json:"reason,omitempty"`
	At        time.Time `json:"at"`
}

// ChangesPage is one page of the sync feed; pass NextCursor as since.
type ChangesPage struct {
	Changes    []Change `json:"changes"`
	NextCursor string   `json:"next_cursor"`
}

// LibraryChanges returns what changed in the rep library of the given
// brands after the cursor: publications (added, or updated when they
// superseded an earlier version), expiries and withdrawals (removed, with
// the reason). It reads the audit trail, whose sequence numbers give a
// total order, so a client that stores NextCursor misses nothing.
func (s *Store) LibraryChanges(ctx context.Context, since string, allBrands bool, brands []string, limit int) (ChangesPage, error) {
	var after int64
	if since != "" {
		b, err := base64.RawURLEncoding.DecodeString(since)
		if err == nil {
			after, err = strconv.ParseInt(string(b), 10, 64)
		}
		if err != nil || after < 0 {
			return ChangesPage{}, &domain.Error{Code: domain.EINVALID, Message: "Some fields are not valid.", Fields: map[string]string{"since": "The cursor is not valid; start without one."}}
		}
	}
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	q := s.db.WithContext(ctx).Model(&auditEvent{}).
		Where("seq > ? AND action IN ?", after, []string{"version.publish", "version.expire", "version.withdraw"})
	if !allBrands {
		q = q.Where("brand IN ?", append([]string{""}, brands...))
	}
	var rows []auditEvent
	if err := q.Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return ChangesPage{}, translate(err)
	}
	page := ChangesPage{Changes: []Change{}, NextCursor: since}
	for _, r := range rows {
		var assetID string
		if err := s.db.WithContext(ctx).Model(&versionRow{}).Select("asset_id").Where("id = ?", r.ObjectID).Scan(&assetID).Error; err != nil {
			return ChangesPage{}, translate(err)
		}
		c := Change{AssetID: assetID, VersionID: r.ObjectID, At: r.OccurredAt.UTC()}
		switch r.Action {
		case "version.publish":
			c.Change = "added"
			if containsJSONKey(r.Details, "superseded_version_id") {
				c.Change = "updated"
			}
		case "version.expire":
			c.Change, c.Reason = "removed", "expired"
		case "version.withdraw":
			c.Change, c.Reason = "removed", "withdrawn"
		}
		page.Changes = append(page.Changes, c)
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(r.Seq, 10)))
	}
	return page, nil
}

func containsJSONKey(doc, key string) bool { return strings.Contains(doc, `"`+key+`"`) }
