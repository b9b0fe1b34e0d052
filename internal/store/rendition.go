package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type renditionRow struct {
	SHA256       string `gorm:"column:sha256;primaryKey"`
	MediaType    string
	Status       string
	Reason       string
	Pages        int
	Attempts     int
	ClaimedUntil *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (renditionRow) TableName() string { return "renditions" }

type renditionPageRow struct {
	SHA256      string `gorm:"column:sha256;primaryKey"`
	Number      int    `gorm:"primaryKey"`
	Width       float64
	Height      float64
	ImageKey    string
	ImageSHA256 string `gorm:"column:image_sha256"`
	ImageSize   int64
	ImageType   string
	ImageWidth  int
	ImageHeight int
	ThumbKey    string
	ThumbSHA256 string `gorm:"column:thumb_sha256"`
	ThumbSize   int64
	ThumbType   string
	ThumbWidth  int
	ThumbHeight int
	Text        string
	Boxes       []byte
}

func (renditionPageRow) TableName() string { return "rendition_pages" }

func (r renditionPageRow) page() domain.RenditionPage {
	return domain.RenditionPage{
		Number: r.Number, Width: r.Width, Height: r.Height,
		Image: domain.PageImage{Key: r.ImageKey, SHA256: r.ImageSHA256, Size: r.ImageSize, MediaType: r.ImageType,
			Width: r.ImageWidth, Height: r.ImageHeight},
		Thumb: domain.PageImage{Key: r.ThumbKey, SHA256: r.ThumbSHA256, Size: r.ThumbSize, MediaType: r.ThumbType,
			Width: r.ThumbWidth, Height: r.ThumbHeight},
	}
}

// renditionMaxAttempts is how often a rendition is claimed before it is
// given up as failed: an instance that dies while rendering (out of memory
// on a hostile file, say) must not make every other instance die in turn.
const renditionMaxAttempts = 3

// requestRendition records that the content sha256 needs page images,
// unless it already has (or is getting) them.
func (tx *Tx) requestRendition(sha256, mediaType string) error {
	return tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(&renditionRow{
		SHA256: sha256, MediaType: mediaType, Status: domain.RenditionPending, CreatedAt: tx.now, UpdatedAt: tx.now,
	}).Error
}

// RenditionJob is a rendition claimed for making: the content to render.
type RenditionJob struct {
	SHA256    string
	MediaType string
	ObjectKey string
}

// ClaimRendition takes the oldest pending rendition that no live instance
// holds, for lease; ok is false when there is none. A rendition claimed
// renditionMaxAttempts times without finishing is marked failed instead.
func (s *Store) ClaimRendition(ctx context.Context, now time.Time, lease time.Duration) (job RenditionJob, ok bool, err error) {
	now = now.UTC()
	for range 10 {
		var row renditionRow
		err := s.db.WithContext(ctx).Where("status = ? AND (claimed_until IS NULL OR claimed_until < ?)", domain.RenditionPending, now).
			Order("created_at").Take(&row).Error
		if err == gorm.ErrRecordNotFound {
			return RenditionJob{}, false, nil
		}
		if err != nil {
			return RenditionJob{}, false, translate(err)
		}
		q := s.db.WithContext(ctx).Model(&renditionRow{}).Where("sha256 = ? AND status = ? AND attempts = ?", row.SHA256,
			domain.RenditionPending, row.Attempts)
		if row.Attempts >= renditionMaxAttempts {
			if err := q.Updates(map[string]any{"status": domain.RenditionFailed, "updated_at": now,
				"reason": "The pages could not be made: rendering stopped before it finished, several times."}).Error; err != nil {
				return RenditionJob{}, false, translate(err)
			}
			continue
		}
		res := q.Updates(map[string]any{"claimed_until": now.Add(lease), "attempts": row.Attempts + 1, "updated_at": now})
		if res.Error != nil {
			return RenditionJob{}, false, translate(res.Error)
		}
		if res.RowsAffected == 0 {
			continue // another instance claimed it first
		}
		var key string
		if err := s.db.WithContext(ctx).Table("blobs").Select("key").Where("sha256 = ?", row.SHA256).Scan(&key).Error; err != nil {
			return RenditionJob{}, false, translate(err)
		}
		return RenditionJob{SHA256: row.SHA256, MediaType: row.MediaType, ObjectKey: key}, true, nil
	}
	return RenditionJob{}, false, nil
}

// AddRenditionPage records one made page of a pending rendition (again,
// if it was made before), with its text and character boxes.
func (s *Store) AddRenditionPage(ctx context.Context, sha256 string, p domain.RenditionPage, text string, boxes []byte) error {
	row := renditionPageRow{
		SHA256: sha256, Number: p.Number, Width: p.Width, Height: p.Height,
		ImageKey: p.Image.Key, ImageSHA256: p.Image.SHA256, ImageSize: p.Image.Size, ImageType: p.Image.MediaType,
		ImageWidth: p.Image.Width, ImageHeight: p.Image.Height,
		ThumbKey: p.Thumb.Key, ThumbSHA256: p.Thumb.SHA256, ThumbSize: p.Thumb.Size, ThumbType: p.Thumb.MediaType,
		ThumbWidth: p.Thumb.Width, ThumbHeight: p.Thumb.Height,
		Text: text, Boxes: boxes,
	}
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error)
}

// FinishRendition ends a rendition as ready (with pages pages), failed
// (reason says why, for people) or text only, and gives up its claim.
// Pages numbered above pages, left by an earlier attempt, are dropped.
func (s *Store) FinishRendition(ctx context.Context, sha256, status, reason string, pages int, now time.Time) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if err := tx.db.Where("sha256 = ? AND number > ?", sha256, pages).Delete(&renditionPageRow{}).Error; err != nil {
			return err
		}
		return tx.db.Model(&renditionRow{}).Where("sha256 = ?", sha256).Updates(map[string]any{
			"status": status, "reason": reason, "pages": pages, "claimed_until": nil, "updated_at": now.UTC(),
		}).Error
	})
}

// RedoRendition puts a rendition back in the queue, from scratch: one of
// its images no longer matched its recorded hash.
func (s *Store) RedoRendition(ctx context.Context, sha256 string, now time.Time) error {
	return translate(s.db.WithContext(ctx).Model(&renditionRow{}).Where("sha256 = ?", sha256).Updates(map[string]any{
		"status": domain.RenditionPending, "reason": "", "attempts": 0, "claimed_until": nil, "updated_at": now.UTC(),
	}).Error)
}

// Rendition returns the rendition of the content sha256 with the pages
// made so far (without their text). Content stored before renditions
// existed has none: it is reported pending and queued.
func (s *Store) Rendition(ctx context.Context, sha256, mediaType string, now time.Time) (domain.Rendition, error) {
	var row renditionRow
	err := s.db.WithContext(ctx).Where("sha256 = ?", sha256).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		err = s.InTx(ctx, func(tx *Tx) error { return tx.requestRendition(sha256, mediaType) })
		return domain.Rendition{SHA256: sha256, MediaType: mediaType, Status: domain.RenditionPending}, err
	}
	if err != nil {
		return domain.Rendition{}, translate(err)
	}
	var rows []renditionPageRow
	if err := s.db.WithContext(ctx).Omit("text", "boxes").Where("sha256 = ?", sha256).Order("number").Find(&rows).Error; err != nil {
		return domain.Rendition{}, translate(err)
	}
	out := domain.Rendition{SHA256: row.SHA256, MediaType: row.MediaType, Status: row.Status, Reason: row.Reason}
	for _, r := range rows {
		out.Pages = append(out.Pages, r.page())
	}
	return out, nil
}

// RenditionPage returns one made page of the content sha256.
func (s *Store) RenditionPage(ctx context.Context, sha256 string, number int) (domain.RenditionPage, error) {
	var row renditionPageRow
	err := s.db.WithContext(ctx).Omit("text", "boxes").Where("sha256 = ? AND number = ?", sha256, number).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		return domain.RenditionPage{}, domain.Errorf(domain.ENOTFOUND, "No such page, or it is not ready yet.")
	}
	return row.page(), translate(err)
}

// PageTexts returns the text and character boxes of every made page of the
// content sha256, in page order; nil when none are made.
func (s *Store) PageTexts(ctx context.Context, sha256 string) ([]domain.PageText, error) {
	var rows []renditionPageRow
	if err := s.db.WithContext(ctx).Select("number", "text", "boxes").Where("sha256 = ?", sha256).Order("number").
		Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.PageText, 0, len(rows))
	for _, r := range rows {
		boxes, err := domain.DecodeBoxes(r.Boxes)
		if err != nil || len(boxes) != len([]rune(r.Text)) {
			boxes = nil // text without trustworthy positions is still text
		}
		out = append(out, domain.PageText{Page: r.Number, Text: r.Text, Boxes: boxes})
	}
	return out, nil
}

// RenditionObjectKnown reports whether a page image object is recorded,
// for garbage collection of renditions/ objects.
func (s *Store) RenditionObjectKnown(ctx context.Context, key string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&renditionPageRow{}).Where("image_key = ? OR thumb_key = ?", key, key).Count(&n).Error
	return n > 0, translate(err)
}
