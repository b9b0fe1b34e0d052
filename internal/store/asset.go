package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type assetRow struct {
	ID                 string `gorm:"primaryKey"`
	JobCode            string
	JobCodeKey         string
	Title              string
	Brand              string
	Audience           string
	Channel            string
	Tags               string
	OwnerID            string
	LatestVersionID    *string
	PublishedVersionID *string
	SearchText         string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (assetRow) TableName() string { return "assets" }

type assetTagRow struct {
	AssetID string `gorm:"primaryKey"`
	Tag     string `gorm:"primaryKey"`
}

func (assetTagRow) TableName() string { return "asset_tags" }

// assetView is an asset row joined with its owner's name.
type assetView struct {
	Row       assetRow `gorm:"embedded"`
	OwnerName string
}

func (v assetView) domain() domain.Asset {
	r := v.Row
	a := domain.Asset{
		ID: r.ID, JobCode: r.JobCode, Title: r.Title, Brand: r.Brand, Audience: domain.Audience(r.Audience),
		Channel: domain.Channel(r.Channel),
		OwnerID: r.OwnerID, Owner: v.OwnerName, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Tags: []string{},
	}
	_ = json.Unmarshal([]byte(r.Tags), &a.Tags) // written by us as a JSON array
	return a
}

// searchText is what the library's text query matches: lower-cased title,
// job code, tags and the start of the latest version's text.
func searchText(a assetRow, text string) string {
	const maxText = 100_000
	if len(text) > maxText {
		text = text[:maxText]
	}
	return strings.ToLower(strings.Join([]string{a.JobCode, a.Title, a.Tags, text}, "\n"))
}

// CreateAsset adds an asset owned by actor. The input must be validated; the
// brand must exist (EINVALID) and the job code be unused in any letter case
// (ECONFLICT).
func (s *Store) CreateAsset(ctx context.Context, actor domain.Actor, in domain.NewAsset) (domain.Asset, error) {
	var a domain.Asset
	err := s.InTx(ctx, func(tx *Tx) error {
		var n int64
		if err := tx.db.Model(&brandRow{}).Where("code = ?", in.Brand).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return &domain.Error{
				Code:    domain.EINVALID,
				Message: "Some fields are not valid.",
				Fields:  map[string]string{"brand": "Brand " + in.Brand + " does not exist."},
			}
		}
		tags, _ := json.Marshal(in.Tags)
		row := assetRow{
			ID: newID(), JobCode: in.JobCode, JobCodeKey: strings.ToUpper(in.JobCode), Title: in.Title, Brand: in.Brand,
			Audience: string(in.Audience), Channel: string(in.Channel), Tags: string(tags), OwnerID: actor.UserID,
			CreatedAt: tx.now, UpdatedAt: tx.now,
		}
		row.SearchText = searchText(row, "")
		if err := tx.createUnique(&row, "An asset with this job code already exists.",
			"job_code", "This job code is already used."); err != nil {
			return err
		}
		for _, t := range in.Tags {
			if err := tx.db.Create(&assetTagRow{AssetID: row.ID, Tag: t}).Error; err != nil {
				return err
			}
		}
		a = assetView{Row: row, OwnerName: actor.Name}.domain()
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "asset.create", ObjectType: "asset", ObjectID: row.ID, Brand: row.Brand,
			Details: map[string]any{
				"job_code": row.JobCode,
				"title":    row.Title,
				"audience": row.Audience,
				"channel":  row.Channel,
				"tags":     in.Tags,
			}})
	})
	return a, err
}

func (tx *Tx) assetQuery() *gorm.DB {
	return tx.db.Table("assets").Select("assets.*, users.display_name AS owner_name").Joins("JOIN users ON users.id = assets.owner_id")
}

// Asset returns the asset with id and its latest version; ENOTFOUND if none.
func (s *Store) Asset(ctx context.Context, id string) (domain.Asset, error) {
	return readOne(ctx, s, func(tx *Tx) (domain.Asset, error) { return tx.asset(id, false) })
}

func (tx *Tx) asset(id string, lock bool) (domain.Asset, error) {
	var v assetView
	q := tx.assetQuery()
	if lock {
		q = tx.forUpdate(q, "assets")
	}
	if err := q.Where("assets.id = ?", id).Take(&v).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return domain.Asset{}, domain.Errorf(domain.ENOTFOUND, "No such asset.")
		}
		return domain.Asset{}, err
	}
	a := v.domain()
	if v.Row.LatestVersionID != nil {
		ver, err := tx.version(*v.Row.LatestVersionID)
		if err != nil {
			return a, err
		}
		a.LatestVersion = &ver
	}
	return a, nil
}

type assetCursor struct {
	ID string `json:"id"`
}

// EncodeCursor and decodeCursor keep the cursor opaque to clients, so that
// the pagination key can change without breaking them.
func encodeCursor(id string) string {
	b, _ := json.Marshal(assetCursor{ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c assetCursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" || len(c.ID) > 64 {
		return "", &domain.Error{
			Code:    domain.EINVALID,
			Message: "Some fields are not valid.",
			Fields:  map[string]string{"cursor": "The cursor is not valid; start from the first page."},
		}
	}
	return c.ID, nil
}

// ListAssets returns a page of assets, newest first, with keyset
// pagination on the time-ordered ID.
func (s *Store) ListAssets(ctx context.Context, f domain.AssetFilter) (domain.AssetPage, error) {
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	page := domain.AssetPage{Assets: []domain.Asset{}}
	err := s.read(ctx, func(tx *Tx) error {
		q := tx.assetQuery()
		q = pieceScope(q, f.AllBrands, f.Brands, f.Brand, f.Audience, f.Channel)
		if f.State != "" {
			// The state is the latest version's, read at query time.
			q = q.Where("EXISTS (SELECT 1 FROM versions lv WHERE lv.id = assets.latest_version_id AND lv.state = ?)", f.State)
		}
		if f.Tag != "" {
			q = q.Where(
				"EXISTS (SELECT 1 FROM asset_tags t WHERE t.asset_id = assets.id AND t.tag = ?)",
				strings.ToLower(strings.TrimSpace(f.Tag)),
			)
		}
		if qs := strings.ToLower(strings.TrimSpace(f.Query)); qs != "" {
			q = q.Where(`assets.search_text LIKE ? ESCAPE '\'`, "%"+escapeLike(qs)+"%")
		}
		if f.Cursor != "" {
			after, err := decodeCursor(f.Cursor)
			if err != nil {
				return err
			}
			q = q.Where("assets.id < ?", after)
		}
		var rows []assetView
		if err := q.Order("assets.id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) > limit {
			rows = rows[:limit]
			page.NextCursor = encodeCursor(rows[limit-1].Row.ID)
		}
		ids := make([]string, 0, len(rows))
		for _, r := range rows {
			if r.Row.LatestVersionID != nil {
				ids = append(ids, *r.Row.LatestVersionID)
			}
		}
		latest, err := tx.versionsByID(ids)
		if err != nil {
			return err
		}
		for _, r := range rows {
			a := r.domain()
			if r.Row.LatestVersionID != nil {
				if v, ok := latest[*r.Row.LatestVersionID]; ok {
					a.LatestVersion = &v
				}
			}
			page.Assets = append(page.Assets, a)
		}
		return nil
	})
	return page, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// NeedsAction lists the owner's assets that wait for them: drafts to
// submit, changes requested, approved pieces to publish, and published
// pieces expiring within soon.
func (s *Store) NeedsAction(ctx context.Context, ownerID string, now time.Time, soon time.Duration) ([]domain.ActionItem, error) {
	var rows []struct {
		AssetID, JobCode, Title, State string
		ExpiresAt                      *time.Time
		Rereview                       bool
	}
	err := s.db.WithContext(ctx).Table("assets").
		Select("assets.id AS asset_id, assets.job_code, assets.title, versions.state, versions.expires_at, "+
			"versions.rereview_required AS rereview").
		Joins("JOIN versions ON versions.id = assets.latest_version_id").
		Where("assets.owner_id = ?", ownerID).
		Where("versions.state IN ? OR (versions.state = ? AND (versions.expires_at <= ? OR versions.rereview_required = ?))",
			[]domain.State{
				domain.StateDraft,
				domain.StateChangesRequested,
				domain.StateApproved,
			}, domain.StatePublished, now.Add(soon).UTC(), true).
		Order("assets.updated_at, assets.id").Limit(200).Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	reasons := map[domain.State]string{
		domain.StateDraft:            "submit it for MLR review",
		domain.StateChangesRequested: "upload a new version answering the reviewers",
		domain.StateApproved:         "publish it",
		domain.StatePublished:        "expires soon: re-certify or replace it",
	}
	out := make([]domain.ActionItem, 0, len(rows))
	for _, r := range rows {
		state := domain.State(r.State)
		reason := reasons[state]
		if state == domain.StatePublished && r.Rereview {
			reason = "the label changed: re-certify it"
		}
		out = append(
			out,
			domain.ActionItem{AssetID: r.AssetID, JobCode: r.JobCode, Title: r.Title, State: state, Reason: reason, ExpiresAt: r.ExpiresAt},
		)
	}
	return out, nil
}

// brandScope restricts q to rows whose column is one of brands or empty,
// unless all is set, and to brand when it is given.
func brandScope(q *gorm.DB, column string, all bool, brands []string, brand string) *gorm.DB {
	if !all {
		q = q.Where(column+" IN ?", append([]string{""}, brands...))
	}
	if brand != "" {
		q = q.Where(column+" = ?", brand)
	}
	return q
}

// pieceScope restricts q on assets to brands as brandScope does, and to an
// audience and a channel when they are given.
func pieceScope(q *gorm.DB, all bool, brands []string, brand string, audience domain.Audience, channel domain.Channel) *gorm.DB {
	q = brandScope(q, "assets.brand", all, brands, brand)
	if audience != "" {
		q = q.Where("assets.audience = ?", audience)
	}
	if channel != "" {
		q = q.Where("assets.channel = ?", channel)
	}
	return q
}
