package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
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

// AddFeedback records a rep's feedback on the version they have, audited.
func (s *Store) AddFeedback(ctx context.Context, actor domain.Actor, v domain.Version, kind, text string) (domain.Feedback, error) {
	var out domain.Feedback
	err := s.InTx(ctx, func(tx *Tx) error {
		vid := v.ID
		row := feedbackRow{
			ID:        newID(),
			AssetID:   v.AssetID,
			VersionID: &vid,
			Brand:     v.Brand,
			UserID:    actor.UserID,
			Kind:      kind,
			Text:      text,
			CreatedAt: tx.now,
		}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		out = domain.Feedback{
			ID:        row.ID,
			AssetID:   row.AssetID,
			VersionID: vid,
			Brand:     row.Brand,
			UserID:    row.UserID,
			Author:    actor.Name,
			Kind:      kind,
			Text:      text,
			CreatedAt: row.CreatedAt,
		}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "feedback.create", ObjectType: "asset", ObjectID: v.AssetID, Brand: v.Brand,
			Details: map[string]any{"feedback_id": row.ID, "version_id": vid, "kind": kind}})
	})
	return out, err
}

// ListFeedback returns feedback, newest first (at most 500).
func (s *Store) ListFeedback(ctx context.Context, f domain.FeedbackFilter) ([]domain.Feedback, error) {
	q := s.db.WithContext(ctx).Table("feedback").
		Select("feedback.id, feedback.asset_id, assets.job_code, COALESCE(feedback.version_id, '') AS version_id, feedback.brand, " +
			"feedback.user_id, users.display_name AS author, feedback.kind, feedback.text, feedback.created_at").
		Joins("JOIN assets ON assets.id = feedback.asset_id").Joins("JOIN users ON users.id = feedback.user_id")
	q = brandScope(q, "feedback.brand", f.AllBrands, f.Brands, f.Brand)
	if f.AssetID != "" {
		q = q.Where("feedback.asset_id = ?", f.AssetID)
	}
	if f.Kind != "" {
		q = q.Where("feedback.kind = ?", f.Kind)
	}
	out := []domain.Feedback{}
	err := q.Order("feedback.created_at DESC, feedback.id DESC").Limit(500).Scan(&out).Error
	return out, translate(err)
}

// feedDetails are the details of lifecycle audit events the feed reads.
type feedDetails struct {
	AssetID              string     `json:"asset_id"`
	AvailableFrom        *time.Time `json:"available_from"`
	ExpiresAt            *time.Time `json:"expires_at"`
	Announced            *bool      `json:"announced"`
	ReplacesVisible      *bool      `json:"replaces_visible"`
	SupersededVersionID  string     `json:"superseded_version_id"`
	ReplacementAvailable *bool      `json:"replacement_available"`
}

// LibraryChanges returns what changed in the rep library of the given
// brands after the cursor, as decided by domain.FeedChange from the
// lifecycle's audit events: the audit trail's sequence numbers give a total
// order, so a client that stores NextCursor misses nothing. It settles the
// library at now first (see Settle): an availability date or expiry that
// has passed is in the feed at once, never early and never late.
func (s *Store) LibraryChanges(
	ctx context.Context,
	since string,
	allBrands bool,
	brands []string,
	limit int,
	now time.Time,
) (domain.ChangesPage, error) {
	var after int64
	if since != "" {
		b, err := base64.RawURLEncoding.DecodeString(since)
		if err == nil {
			after, err = strconv.ParseInt(string(b), 10, 64)
		}
		if err != nil || after < 0 {
			return domain.ChangesPage{}, &domain.Error{
				Code:    domain.EINVALID,
				Message: "Some fields are not valid.",
				Fields:  map[string]string{"since": "The cursor is not valid; start without one."},
			}
		}
	}
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	if _, err := s.Settle(ctx, now); err != nil {
		return domain.ChangesPage{}, err
	}
	q := s.db.WithContext(ctx).Model(&auditEvent{}).Select("seq, occurred_at, action, object_id, details").
		Where("seq > ? AND action IN ?", after, domain.FeedActions)
	if !allBrands {
		q = q.Where("brand IN ?", append([]string{""}, brands...))
	}
	var rows []auditEvent
	if err := q.Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return domain.ChangesPage{}, translate(err)
	}
	page := domain.ChangesPage{Changes: []domain.Change{}, NextCursor: since, HasMore: len(rows) == limit}
	details := make([]feedDetails, len(rows))
	var lookUp []string // versions whose events predate asset_id in details
	for i, r := range rows {
		if err := json.Unmarshal([]byte(r.Details), &details[i]); err != nil {
			return domain.ChangesPage{}, fmt.Errorf("store: details of audit event %d: %w", r.Seq, err)
		}
		if details[i].AssetID == "" {
			lookUp = append(lookUp, r.ObjectID)
		}
	}
	assetOf := map[string]string{}
	for ids := range slices.Chunk(lookUp, idChunk) {
		var vs []struct{ ID, AssetID string }
		if err := s.db.WithContext(ctx).Model(&versionRow{}).Select("id, asset_id").Where("id IN ?", ids).Scan(&vs).Error; err != nil {
			return domain.ChangesPage{}, translate(err)
		}
		for _, v := range vs {
			assetOf[v.ID] = v.AssetID
		}
	}
	for i, r := range rows {
		d := details[i]
		e := domain.LibraryEvent{Action: r.Action, OccurredAt: r.OccurredAt, AvailableFrom: d.AvailableFrom, ExpiresAt: d.ExpiresAt,
			Announced: d.Announced, ReplacesVisible: d.SupersededVersionID != "", ReplacementAvailable: d.ReplacementAvailable}
		if d.ReplacesVisible != nil {
			e.ReplacesVisible = *d.ReplacesVisible
		}
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(r.Seq, 10)))
		c, ok := domain.FeedChange(e)
		if !ok {
			continue
		}
		assetID := d.AssetID
		if assetID == "" {
			assetID = assetOf[r.ObjectID]
		}
		page.Changes = append(
			page.Changes,
			domain.Change{AssetID: assetID, VersionID: r.ObjectID, Change: c.Change, Reason: c.Reason, At: c.At, ExpiresAt: c.ExpiresAt},
		)
	}
	return page, nil
}
