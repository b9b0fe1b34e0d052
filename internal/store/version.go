package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type objectRow struct {
	Key           string `gorm:"primaryKey"`
	SHA256        string `gorm:"column:sha256"`
	Size          int64
	CreatedAt     time.Time
	BlockSize     int64
	BlockSums     []byte
	VerifiedAt    *time.Time
	CorruptAt     *time.Time
	CorruptReason string
}

func (objectRow) TableName() string { return "blobs" }

type versionRow struct {
	ID         string `gorm:"primaryKey"`
	AssetID    string
	Number     int
	State      domain.State
	ObjectKey  string `gorm:"column:blob_key"`
	SHA256     string `gorm:"column:sha256"`
	Size       int64
	MediaType  string
	Filename   string
	Pages      int
	TextStatus string
	TextError  string
	Text       string
	TextLines  string
	UploadedBy string
	CreatedAt  time.Time
}

func (versionRow) TableName() string { return "versions" }

// versionView is a version row without its (possibly large) text, joined
// with the uploader's name.
type versionView struct {
	ID, AssetID, SHA256, MediaType, Filename, TextStatus, TextError, UploadedBy, UploaderName, Brand string
	State                                                                                            domain.State
	ObjectKey                                                                                        string `gorm:"column:blob_key"`
	Number, Pages                                                                                    int
	Size                                                                                             int64
	CreatedAt                                                                                        time.Time
}

const versionColumns = "versions.id, versions.asset_id, versions.number, versions.state, versions.blob_key, versions.sha256, " +
	"versions.size, versions.media_type, versions.filename, versions.pages, versions.text_status, versions.text_error, " +
	"versions.uploaded_by, versions.created_at, users.display_name AS uploader_name, assets.brand"

func (v versionView) domain() domain.Version {
	return domain.Version{
		ID: v.ID, AssetID: v.AssetID, Number: v.Number, State: v.State, SHA256: v.SHA256, Size: v.Size, MediaType: v.MediaType,
		Filename: v.Filename, Pages: v.Pages, TextStatus: v.TextStatus, TextError: v.TextError, UploadedBy: v.UploadedBy,
		Uploader: v.UploaderName, CreatedAt: v.CreatedAt, ObjectKey: v.ObjectKey, Brand: v.Brand,
	}
}

func (tx *Tx) versionQuery() *gorm.DB {
	return tx.db.Table("versions").Select(versionColumns).Joins("JOIN users ON users.id = versions.uploaded_by").
		Joins("JOIN assets ON assets.id = versions.asset_id")
}

func (tx *Tx) version(id string) (domain.Version, error) {
	var v versionView
	if err := tx.versionQuery().Where("versions.id = ?", id).Take(&v).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return domain.Version{}, domain.Errorf(domain.ENOTFOUND, "No such version.")
		}
		return domain.Version{}, err
	}
	return v.domain(), nil
}

func (tx *Tx) versionsByID(ids []string) (map[string]domain.Version, error) {
	out := map[string]domain.Version{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []versionView
	if err := tx.versionQuery().Where("versions.id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.domain()
	}
	return out, nil
}

// Version returns the version with id, with its asset's brand.
func (s *Store) Version(ctx context.Context, id string) (domain.Version, error) {
	return readOne(ctx, s, func(tx *Tx) (domain.Version, error) { return tx.version(id) })
}

// VersionText returns the text lines extracted from a version.
func (s *Store) VersionText(ctx context.Context, id string) (string, []byte, error) {
	var row versionRow
	err := s.db.WithContext(ctx).Select("text", "text_lines").Where("id = ?", id).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		return "", nil, domain.Errorf(domain.ENOTFOUND, "No such version.")
	}
	return row.Text, []byte(row.TextLines), translate(err)
}

// Versions returns an asset's versions, newest first.
func (s *Store) Versions(ctx context.Context, assetID string) ([]domain.Version, error) {
	var rows []versionView
	err := s.read(ctx, func(tx *Tx) error {
		return tx.versionQuery().Where("versions.asset_id = ?", assetID).Order("versions.number DESC").Find(&rows).Error
	})
	out := make([]domain.Version, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, err
}

// ObjectBySHA256 returns the stored object with the given content hash, so an
// upload of identical content can reuse it; ENOTFOUND if there is none.
func (s *Store) ObjectBySHA256(ctx context.Context, sum string) (string, int64, error) {
	var row objectRow
	err := s.db.WithContext(ctx).Where("sha256 = ?", sum).Take(&row).Error
	if err == gorm.ErrRecordNotFound {
		return "", 0, domain.Errorf(domain.ENOTFOUND, "No such object.")
	}
	return row.Key, row.Size, translate(err)
}

// ErrObjectRace means another upload of the same content recorded its object
// first; the caller should reuse that object and remove its own.
var ErrObjectRace = errors.New("store: identical content was stored concurrently")

// CreateVersion records an uploaded version of an asset as the asset's newest
// draft, with its audit event, and returns it. The object must already be
// in the object store: a version row never exists without its object. v
// gives the asset (AssetID), MediaType, Filename, Pages and the text
// extraction's outcome (TextStatus, TextError); obj the content's object
// (Key, SHA256, Size and its block sums), recorded if newObject (else an
// object of identical content is reused); text is the
// extracted plain text (for search) and lines its JSON lines (for the
// checker). It fails with ErrObjectRace if another upload recorded an
// object of the same content first.
func (s *Store) CreateVersion(ctx context.Context, actor domain.Actor, v domain.Version, obj domain.StoredObject, newObject bool,
	text string, lines []byte) (domain.Version, error) {
	var out domain.Version
	err := s.InTx(ctx, func(tx *Tx) error {
		a, err := tx.asset(v.AssetID, true)
		if err != nil {
			return err
		}
		if newObject {
			var n int64
			if err := tx.db.Model(&objectRow{}).Where("sha256 = ?", obj.SHA256).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return ErrObjectRace
			}
			if err := tx.db.Create(&objectRow{Key: obj.Key, SHA256: obj.SHA256, Size: obj.Size, CreatedAt: tx.now,
				BlockSize: obj.BlockSize, BlockSums: obj.BlockSums, VerifiedAt: &tx.now}).Error; err != nil {
				if domain.ErrorCode(translate(err)) == domain.ECONFLICT {
					return ErrObjectRace
				}
				return err
			}
		}
		var maxNumber int
		if err := tx.db.Model(&versionRow{}).Select("COALESCE(MAX(number), 0)").Where("asset_id = ?", v.AssetID).
			Scan(&maxNumber).Error; err != nil {
			return err
		}
		if len(lines) == 0 {
			lines = []byte("[]")
		}
		row := versionRow{
			ID: newID(), AssetID: v.AssetID, Number: maxNumber + 1, State: domain.StateDraft, ObjectKey: obj.Key,
			SHA256: obj.SHA256, Size: obj.Size, MediaType: v.MediaType, Filename: v.Filename, Pages: v.Pages,
			TextStatus: v.TextStatus, TextError: v.TextError, Text: text, TextLines: string(lines),
			UploadedBy: actor.UserID, CreatedAt: tx.now,
		}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		if !newObject && len(obj.BlockSums) > 0 {
			// The upload hashed the same content (same SHA-256), so its
			// block sums are the reused object's, which may predate them.
			if err := tx.db.Model(&objectRow{}).Where("key = ? AND block_sums IS NULL", obj.Key).
				Updates(map[string]any{"block_size": obj.BlockSize, "block_sums": obj.BlockSums}).Error; err != nil {
				return err
			}
		}
		if err := tx.requestRendition(row.SHA256, row.MediaType); err != nil {
			return err
		}
		var previous string
		if err := tx.db.Table("assets").Select("COALESCE(latest_version_id, '')").Where("id = ?", a.ID).Scan(&previous).Error; err != nil {
			return err
		}
		ar := assetRow{JobCode: a.JobCode, Title: a.Title}
		tags, _ := json.Marshal(a.Tags)
		ar.Tags = string(tags)
		if err := tx.db.Model(&assetRow{}).Where("id = ?", a.ID).Updates(map[string]any{
			"latest_version_id": row.ID, "search_text": searchText(ar, text), "updated_at": tx.now,
		}).Error; err != nil {
			return err
		}
		out = domain.Version{
			ID: row.ID, AssetID: row.AssetID, Number: row.Number, State: row.State, SHA256: row.SHA256, Size: row.Size,
			MediaType: row.MediaType, Filename: row.Filename, Pages: row.Pages, TextStatus: row.TextStatus, TextError: row.TextError,
			UploadedBy: row.UploadedBy, Uploader: actor.Name, CreatedAt: row.CreatedAt, ObjectKey: row.ObjectKey, Brand: a.Brand,
		}
		if err := tx.Audit(domain.AuditEntry{Actor: actor, Action: "version.upload", ObjectType: "version", ObjectID: row.ID, Brand: a.Brand,
			Details: map[string]any{"asset_id": a.ID, "job_code": a.JobCode, "number": row.Number, "sha256": row.SHA256, "size": row.Size,
				"media_type": row.MediaType, "filename": row.Filename, "text_status": row.TextStatus, "reused_object": !newObject}}); err != nil {
			return err
		}
		if previous == "" {
			return nil
		}
		return tx.carryThreads(previous, row, a.Brand, actor, lines)
	})
	return out, err
}

// ObjectKnown reports whether a stored object is recorded, for garbage
// collection: an object without a row is an orphan.
func (s *Store) ObjectKnown(ctx context.Context, key string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&objectRow{}).Where("key = ?", key).Count(&n).Error
	return n > 0, translate(err)
}

func (r objectRow) stored() domain.StoredObject {
	return domain.StoredObject{Key: r.Key, SHA256: r.SHA256, Size: r.Size, BlockSize: r.BlockSize, BlockSums: r.BlockSums,
		CorruptAt: r.CorruptAt, CorruptReason: r.CorruptReason}
}

// EachObject calls fn for every recorded object in key order, in batches.
func (s *Store) EachObject(ctx context.Context, fn func(domain.StoredObject) error) error {
	after := ""
	for {
		var rows []objectRow
		if err := s.db.WithContext(ctx).Where("key > ?", after).Order("key").Limit(500).Find(&rows).Error; err != nil {
			return translate(err)
		}
		for _, r := range rows {
			if err := fn(r.stored()); err != nil {
				return err
			}
		}
		if len(rows) < 500 {
			return nil
		}
		after = rows[len(rows)-1].Key
	}
}

// AuditDownload records that actor downloaded a version.
func (s *Store) AuditDownload(ctx context.Context, actor domain.Actor, v domain.Version, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	details["asset_id"], details["number"], details["sha256"] = v.AssetID, v.Number, v.SHA256
	return s.Audit(
		ctx,
		domain.AuditEntry{
			Actor:      actor,
			Action:     "version.download",
			ObjectType: "version",
			ObjectID:   v.ID,
			Brand:      v.Brand,
			Details:    details,
		},
	)
}
