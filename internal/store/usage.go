package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type usageRow struct {
	ID        string `gorm:"primaryKey"`
	VersionID string
	AssetID   string
	Brand     string
	UserID    string
	Kind      string
	CreatedAt time.Time
}

func (usageRow) TableName() string { return "usage_events" }

const libraryColumns = "assets.id AS asset_id, assets.job_code, assets.title, assets.brand, " +
	"assets.audience, assets.channel, assets.tags, " +
	"versions.id AS version_id, versions.number, versions.media_type, versions.filename, versions.size, versions.sha256, " +
	"versions.expires_at, versions.rereview_required"

// currentScope restricts a query on assets joined with their published
// version to what is in the reps' library at now (domain.InLibrary):
// published, available and not yet expired. Time is read at request time,
// so nothing expired is served between runs of the expiry job. The checker
// report does not take part: a piece leaves the library only by retirement,
// with its notices and feed entry.
func currentScope(q *gorm.DB, now time.Time) *gorm.DB {
	return q.Joins("JOIN versions ON versions.id = assets.published_version_id").
		Where("versions.state = ? AND versions.available_from <= ? AND versions.expires_at > ?", domain.StatePublished, now.UTC(),
			now.UTC())
}

type libraryScan struct {
	AssetID, JobCode, Title, Brand, Audience, Channel, Tags, VersionID, MediaType, Filename, SHA256 string
	Number                                                                                          int
	Size                                                                                            int64
	ExpiresAt                                                                                       time.Time
	RereviewRequired                                                                                bool
}

// scanLibrary runs a query selecting libraryColumns and reads its rows
// field by field: the rep library and downloads are the busiest reads, and
// GORM's reflective scan cost more than the query's round trip.
func scanLibrary(q *gorm.DB) ([]libraryScan, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []libraryScan
	for rows.Next() {
		var r libraryScan
		if err := rows.Scan(&r.AssetID, &r.JobCode, &r.Title, &r.Brand, &r.Audience, &r.Channel, &r.Tags,
			&r.VersionID, &r.Number, &r.MediaType, &r.Filename, &r.Size, &r.SHA256, &r.ExpiresAt, &r.RereviewRequired); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (r libraryScan) item() domain.LibraryItem {
	it := domain.LibraryItem{
		AssetID:          r.AssetID,
		JobCode:          r.JobCode,
		Title:            r.Title,
		Brand:            r.Brand,
		Audience:         domain.Audience(r.Audience),
		Channel:          domain.Channel(r.Channel),
		Tags:             []string{},
		VersionID:        r.VersionID,
		Number:           r.Number,
		MediaType:        r.MediaType,
		Filename:         r.Filename,
		Size:             r.Size,
		SHA256:           r.SHA256,
		ExpiresAt:        r.ExpiresAt,
		RereviewRequired: r.RereviewRequired,
	}
	_ = json.Unmarshal([]byte(r.Tags), &it.Tags)
	return it
}

// Library lists the current pieces of the brands in f at now, newest
// asset first, with keyset pagination.
func (s *Store) Library(ctx context.Context, f domain.LibraryFilter, now time.Time) (domain.LibraryPage, error) {
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := currentScope(s.db.WithContext(ctx).Table("assets").Select(libraryColumns), now)
	q = pieceScope(q, f.AllBrands, f.Brands, f.Brand, f.Audience, f.Channel)
	if qs := strings.ToLower(strings.TrimSpace(f.Query)); qs != "" {
		// Only the published version's text: a rep must not find a
		// piece by words of a draft they cannot see.
		q = q.Where(`assets.published_search_text LIKE ? ESCAPE '\'`, "%"+escapeLike(qs)+"%")
	}
	if f.Cursor != "" {
		after, err := decodeCursor(f.Cursor)
		if err != nil {
			return domain.LibraryPage{}, err
		}
		q = q.Where("assets.id < ?", after)
	}
	rows, err := scanLibrary(q.Order("assets.id DESC").Limit(limit + 1))
	if err != nil {
		return domain.LibraryPage{}, translate(err)
	}
	page := domain.LibraryPage{Items: []domain.LibraryItem{}}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = encodeCursor(rows[limit-1].AssetID)
	}
	for _, r := range rows {
		page.Items = append(page.Items, r.item())
	}
	return page, nil
}

// CurrentPiece returns the asset's current piece at now for a rep of the
// given brands. If the asset had a piece the rep could see that has since
// expired or been withdrawn, it returns EGONE with the reason; anything else
// is ENOTFOUND.
func (s *Store) CurrentPiece(
	ctx context.Context,
	assetID string,
	allBrands bool,
	brands []string,
	now time.Time,
) (domain.LibraryItem, domain.Version, error) {
	var a assetRow
	if err := s.db.WithContext(ctx).Where("id = ?", assetID).Take(&a).Error; err != nil {
		return domain.LibraryItem{}, domain.Version{}, notFound(translate(err), "No such piece.")
	}
	visible := allBrands
	for _, b := range brands {
		visible = visible || b == a.Brand
	}
	if !visible {
		return domain.LibraryItem{}, domain.Version{}, domain.Errorf(domain.ENOTFOUND, "No such piece.")
	}
	rows, err := scanLibrary(
		currentScope(s.db.WithContext(ctx).Table("assets").Select(libraryColumns), now).Where("assets.id = ?", assetID).Limit(1),
	)
	if err != nil {
		return domain.LibraryItem{}, domain.Version{}, translate(err)
	}
	if len(rows) == 1 {
		v, err := s.Version(ctx, rows[0].VersionID)
		return rows[0].item(), v, err
	}
	// Gone or never there: find the newest piece that was in the field,
	// available before it was retired. A piece withdrawn or replaced
	// during its embargo was never in the field: not found, as for any
	// piece the rep never saw.
	var last struct {
		ID, State, RetireReason string
		ExpiresAt               *time.Time
	}
	err = s.db.WithContext(ctx).Model(&versionRow{}).Select("id, state, retire_reason, expires_at").
		Where("asset_id = ? AND published_at IS NOT NULL AND available_from <= COALESCE(retired_at, ?)", assetID, now.UTC()).
		Order("published_at DESC, number DESC").Limit(1).Scan(&last).Error
	if err != nil {
		return domain.LibraryItem{}, domain.Version{}, translate(err)
	}
	if last.ID != "" {
		if err := retired(domain.State(last.State), last.RetireReason, last.ExpiresAt, now); err != nil {
			return domain.LibraryItem{}, domain.Version{}, err
		}
	}
	return domain.LibraryItem{}, domain.Version{}, domain.Errorf(domain.ENOTFOUND, "No such piece.")
}

// retired returns the EGONE error for a version that was in the field and
// is withdrawn, expired at now, or replaced by a version not yet available
// (a replacement that is available is served instead); nil otherwise.
func retired(state domain.State, reason string, expiresAt *time.Time, now time.Time) error {
	switch {
	case state == domain.StateWithdrawn:
		return domain.Errorf(domain.EGONE, "This piece was withdrawn: %s. Do not use it.", reason)
	case state == domain.StateExpired || (state == domain.StatePublished && expiresAt != nil && !expiresAt.After(now)):
		return domain.Errorf(domain.EGONE, "This piece expired and is no longer approved for use.")
	case state == domain.StateSuperseded:
		return domain.Errorf(domain.EGONE, "This piece was replaced by a newer version that is not available yet. Do not use the old one.")
	}
	return nil
}

// RecordUsage records that a rep fetched a version, audited as a download
// in the same transaction. It fails with EGONE if the version was withdrawn
// or expired since the caller looked it up: the version is read again under
// a lock that a withdrawal and the expiry sweep wait for, so either the
// usage commits first and the retirement sends the rep a notice, or the
// retirement commits first and the download is refused. Otherwise a rep
// who fetched a piece in the instant it was retired would never be told.
func (s *Store) RecordUsage(ctx context.Context, actor domain.Actor, v domain.Version, kind string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		lock := ""
		if tx.dialect == Postgres {
			lock = " FOR SHARE" // SQLite's write transactions are serialized already
		}
		var cur struct {
			State, RetireReason string
			ExpiresAt           *time.Time
		}
		if err := tx.db.Raw(`SELECT state, COALESCE(retire_reason, '') AS retire_reason, expires_at FROM versions WHERE id = ?`+lock, v.ID).
			Scan(&cur).Error; err != nil {
			return err
		}
		if err := retired(domain.State(cur.State), cur.RetireReason, cur.ExpiresAt, tx.now); err != nil {
			return err
		}
		if err := tx.db.Create(&usageRow{ID: newID(), VersionID: v.ID, AssetID: v.AssetID, Brand: v.Brand, UserID: actor.UserID,
			Kind: kind, CreatedAt: tx.now}).Error; err != nil {
			return err
		}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "library.download", ObjectType: "version", ObjectID: v.ID, Brand: v.Brand,
			Details: map[string]any{"asset_id": v.AssetID, "number": v.Number, "sha256": v.SHA256}})
	})
}

// Notices returns a user's notices at now, unacknowledged first. It settles
// the library at now first (see Settle), so that a piece whose expiry has
// passed has its notice even before the expiry job runs.
func (s *Store) Notices(ctx context.Context, userID string, now time.Time) ([]domain.Notice, error) {
	if _, err := s.Settle(ctx, now); err != nil {
		return nil, err
	}
	out := []domain.Notice{}
	err := s.db.WithContext(ctx).Table("notices").
		Select("notices.id, notices.version_id, notices.asset_id, assets.job_code, assets.title, notices.reason, notices.message, "+
			"notices.created_at, notices.acked_at").
		Joins("JOIN assets ON assets.id = notices.asset_id").Where("notices.user_id = ?", userID).
		Order("notices.acked_at IS NOT NULL, notices.created_at DESC").Limit(200).Scan(&out).Error
	return out, translate(err)
}

// AckNotice records a rep's acknowledgement of their notice, audited. A
// notice of another user is ENOTFOUND; acknowledging twice is harmless.
func (s *Store) AckNotice(ctx context.Context, actor domain.Actor, noticeID string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		var n struct {
			ID, UserID, VersionID, Brand string
			AckedAt                      *time.Time
		}
		if err := tx.db.Table("notices").Select("id, user_id, version_id, brand, acked_at").Where("id = ?", noticeID).
			Take(&n).Error; err != nil ||
			n.UserID != actor.UserID {
			return domain.Errorf(domain.ENOTFOUND, "No such notice.")
		}
		if n.AckedAt != nil {
			return nil
		}
		if err := tx.db.Table("notices").Where("id = ? AND acked_at IS NULL", noticeID).Update("acked_at", tx.now).Error; err != nil {
			return err
		}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "notice.ack", ObjectType: "notice", ObjectID: noticeID, Brand: n.Brand,
			Details: map[string]any{"version_id": n.VersionID}})
	})
}

// ExpiringSoon lists the published pieces of the given brands that expire
// between now and until, soonest first.
func (s *Store) ExpiringSoon(ctx context.Context, allBrands bool, brands []string, now, until time.Time) ([]domain.LibraryItem, error) {
	q := s.db.WithContext(ctx).Table("assets").Select(libraryColumns).
		Joins("JOIN versions ON versions.id = assets.published_version_id").
		Where("versions.state = ? AND versions.expires_at > ? AND versions.expires_at <= ?", domain.StatePublished, now.UTC(), until.UTC())
	if !allBrands {
		q = q.Where("assets.brand IN ?", append([]string{""}, brands...))
	}
	rows, err := scanLibrary(q.Order("versions.expires_at, assets.id").Limit(1000))
	if err != nil {
		return nil, translate(err)
	}
	out := make([]domain.LibraryItem, len(rows))
	for i, r := range rows {
		out[i] = r.item()
	}
	return out, nil
}
