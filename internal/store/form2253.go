package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// SetApplication records the brand's FDA application type and number.
// Audited.
func (s *Store) SetApplication(ctx context.Context, actor domain.Actor, brand, appType, number string) error {
	appType, number = strings.ToUpper(strings.TrimSpace(appType)), strings.TrimSpace(number)
	var v domain.Validation
	v.Check(appType == "NDA" || appType == "BLA" || appType == "ANDA", "application_type", "Choose NDA, BLA or ANDA.")
	v.Check(number != "" && len(number) <= 20, "application_number", "Enter the application number, e.g. 021234.")
	if err := v.Err(); err != nil {
		return err
	}
	return s.InTx(ctx, func(tx *Tx) error {
		res := tx.db.Model(&brandRow{}).
			Where("code = ?", brand).
			Updates(map[string]any{"application_type": appType, "application_number": number, "updated_at": tx.now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.ENOTFOUND, "No such brand.")
		}
		return tx.Audit(
			domain.AuditEntry{Actor: actor, Action: "brand.application_update", ObjectType: "brand", ObjectID: brand, Brand: brand,
				Details: map[string]any{"application_type": appType, "application_number": number}},
		)
	})
}

const form2253Select = "versions.id AS version_id, assets.id AS asset_id, assets.brand, " +
	"brands.application_type, brands.application_number, " +
	"bl.proprietary_name, bl.established_name, bl.created_at AS pi_created, " +
	"assets.audience, assets.channel, versions.published_at, versions.available_from, assets.job_code, assets.title, " +
	"fs.submitted_at, COALESCE(fs.submitted_by, '') AS submitted_by, COALESCE(fs.reference, '') AS reference"

type form2253Scan struct {
	VersionID, AssetID, Brand, ApplicationType, ApplicationNumber string
	ProprietaryName, EstablishedName, Audience, Channel           string
	JobCode, Title, SubmittedBy, Reference                        string
	PICreated                                                     time.Time
	PublishedAt                                                   *time.Time
	AvailableFrom                                                 *time.Time
	SubmittedAt                                                   *time.Time
}

func (r form2253Scan) form() domain.Form2253 {
	f := domain.Form2253{
		VersionID:           r.VersionID,
		AssetID:             r.AssetID,
		Brand:               r.Brand,
		ApplicationType:     r.ApplicationType,
		ApplicationNumber:   r.ApplicationNumber,
		ProprietaryName:     r.ProprietaryName,
		EstablishedName:     r.EstablishedName,
		PIDate:              r.PICreated.UTC().Format(time.DateOnly),
		Audience:            "professional",
		MaterialType:        r.Channel,
		MaterialID:          r.JobCode,
		Title:               r.Title,
		SubmittedAt:         r.SubmittedAt,
		SubmittedBy:         r.SubmittedBy,
		SubmissionReference: r.Reference,
	}
	if r.Audience == "patient" {
		f.Audience = "consumer"
	}
	f.DisseminationDate = domain.DisseminationDate(r.PublishedAt, r.AvailableFrom)
	return f
}

func (s *Store) form2253Query(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("versions").Select(form2253Select).
		Joins("JOIN assets ON assets.id = versions.asset_id").
		Joins("JOIN brands ON brands.code = assets.brand").
		Joins("JOIN compliance_reports cr ON cr.id = versions.compliance_report_id").
		Joins("JOIN brand_labels bl ON bl.brand = assets.brand AND bl.version = cr.label_version").
		Joins("LEFT JOIN form2253_submissions fs ON fs.version_id = versions.id").
		Where("versions.published_at IS NOT NULL")
}

// Form2253For returns the 2253 fields of a published version; ENOTFOUND
// for a version that was never published.
func (s *Store) Form2253For(ctx context.Context, versionID string) (domain.Form2253, error) {
	var rows []form2253Scan
	if err := s.form2253Query(ctx).Where("versions.id = ?", versionID).Limit(1).Scan(&rows).Error; err != nil {
		return domain.Form2253{}, translate(err)
	}
	if len(rows) == 0 {
		return domain.Form2253{}, domain.Errorf(domain.ENOTFOUND, "This version was never published, so it has no Form 2253.")
	}
	return rows[0].form(), nil
}

// Pending2253 lists published pieces of the brands whose Form 2253 is not
// yet marked submitted, oldest first.
func (s *Store) Pending2253(ctx context.Context, scope domain.BrandScope) ([]domain.Form2253, error) {
	cond, args := scopeIn(scope, "assets.brand")
	var rows []form2253Scan
	if err := s.form2253Query(ctx).Where(cond, args...).Where("fs.version_id IS NULL").Order("versions.published_at, versions.id").
		Limit(1000).Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Form2253, len(rows))
	for i, r := range rows {
		out[i] = r.form()
	}
	return out, nil
}

// Mark2253Submitted records that the version's Form 2253 went to FDA, with
// an optional reference (e.g. the eCTD sequence). Marking twice is
// ECONFLICT. Audited.
func (s *Store) Mark2253Submitted(ctx context.Context, actor domain.Actor, versionID, reference string) (domain.Form2253, error) {
	f, err := s.Form2253For(ctx, versionID)
	if err != nil {
		return f, err
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		res := tx.db.Exec(
			"INSERT INTO form2253_submissions (version_id, submitted_at, submitted_by, reference) VALUES (?, ?, ?, "+
				"?) ON CONFLICT (version_id) DO NOTHING",
			versionID,
			tx.now,
			actor.UserID,
			strings.TrimSpace(reference),
		)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.ECONFLICT, "Form 2253 of this version is already marked submitted.")
		}
		return tx.Audit(
			domain.AuditEntry{Actor: actor, Action: "form2253.submitted", ObjectType: "version", ObjectID: versionID, Brand: f.Brand,
				Details: map[string]any{"reference": strings.TrimSpace(reference), "material_id": f.MaterialID}},
		)
	})
	if err != nil {
		return domain.Form2253{}, err
	}
	return s.Form2253For(ctx, versionID)
}
