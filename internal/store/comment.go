package store

import (
	"context"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type commentRow struct {
	ID        string `gorm:"primaryKey"`
	VersionID string
	AssetID   string
	AuthorID  string
	Page      int
	Body      string
	CreatedAt time.Time
}

func (commentRow) TableName() string { return "comments" }

// AddComment records a comment on a version, audited.
func (s *Store) AddComment(ctx context.Context, actor domain.Actor, versionID string, page int, body string) (domain.Comment, error) {
	var out domain.Comment
	err := s.InTx(ctx, func(tx *Tx) error {
		v, err := tx.version(versionID)
		if err != nil {
			return err
		}
		var brand string
		if err := tx.db.Table("assets").Select("brand").Where("id = ?", v.AssetID).Scan(&brand).Error; err != nil {
			return err
		}
		row := commentRow{
			ID:        newID(),
			VersionID: v.ID,
			AssetID:   v.AssetID,
			AuthorID:  actor.UserID,
			Page:      page,
			Body:      body,
			CreatedAt: tx.now,
		}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		out = domain.Comment{
			ID:            row.ID,
			VersionID:     v.ID,
			VersionNumber: v.Number,
			AuthorID:      actor.UserID,
			Author:        actor.Name,
			Page:          page,
			Body:          body,
			CreatedAt:     row.CreatedAt,
		}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "comment.create", ObjectType: "version", ObjectID: v.ID, Brand: brand,
			Details: map[string]any{"comment_id": row.ID, "page": page, "body": body}})
	})
	return out, err
}

// Comments returns the comment thread of an asset across all its versions,
// oldest first.
func (s *Store) Comments(ctx context.Context, assetID string) ([]domain.Comment, error) {
	var rows []struct {
		ID, VersionID, AuthorID, Body, AuthorName string
		Page, VersionNumber                       int
		CreatedAt                                 time.Time
	}
	err := s.db.WithContext(ctx).Table("comments").
		Select("comments.id, comments.version_id, comments.author_id, comments.body, comments.page, comments.created_at, "+
			"users.display_name AS author_name, versions.number AS version_number").
		Joins("JOIN users ON users.id = comments.author_id").Joins("JOIN versions ON versions.id = comments.version_id").
		Where("comments.asset_id = ?", assetID).Order("comments.created_at, comments.id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Comment, len(rows))
	for i, r := range rows {
		out[i] = domain.Comment{
			ID:            r.ID,
			VersionID:     r.VersionID,
			VersionNumber: r.VersionNumber,
			AuthorID:      r.AuthorID,
			Author:        r.AuthorName,
			Page:          r.Page,
			Body:          r.Body,
			CreatedAt:     r.CreatedAt,
		}
	}
	return out, nil
}
