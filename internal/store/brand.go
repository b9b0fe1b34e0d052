package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type brandRow struct {
	Code         string `gorm:"primaryKey"`
	Name         string
	LabelVersion int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (brandRow) TableName() string { return "brands" }

type labelRow struct {
	Brand             string `gorm:"primaryKey"`
	Version           int    `gorm:"primaryKey;autoIncrement:false"`
	ProprietaryName   string
	EstablishedName   string
	Indication        string
	ISIStatements     string `gorm:"column:isi_statements"`
	BoxedWarning      bool
	PIReference       string `gorm:"column:pi_reference"`
	LaunchDate        string
	MaxExpiryMonths   int
	RequiredFunctions string
	OffLabelTerms     string
	ReviewSLADays     int `gorm:"column:review_sla_days"`
	RereviewGraceDays int `gorm:"column:rereview_grace_days"`
	CreatedAt         time.Time
	CreatedBy         string
}

func (labelRow) TableName() string { return "brand_labels" }

func toLabelRow(brand string, l domain.Label) (labelRow, error) {
	enc := func(v []string) (string, error) {
		if v == nil {
			v = []string{}
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	isi, err := enc(l.ISIStatements)
	if err != nil {
		return labelRow{}, err
	}
	fns, err := enc(l.RequiredFunctions)
	if err != nil {
		return labelRow{}, err
	}
	off, err := enc(l.OffLabelTerms)
	if err != nil {
		return labelRow{}, err
	}
	return labelRow{
		Brand: brand, Version: l.Version, ProprietaryName: l.ProprietaryName, EstablishedName: l.EstablishedName,
		Indication: l.Indication, ISIStatements: isi, BoxedWarning: l.BoxedWarning, PIReference: l.PIReference,
		LaunchDate: l.LaunchDate, MaxExpiryMonths: l.MaxExpiryMonths, RequiredFunctions: fns, OffLabelTerms: off,
		ReviewSLADays: l.ReviewSLADays, RereviewGraceDays: l.GraceDays(), CreatedAt: l.CreatedAt, CreatedBy: l.CreatedBy,
	}, nil
}

func (r labelRow) domain() (domain.Label, error) {
	l := domain.Label{
		Version: r.Version, ProprietaryName: r.ProprietaryName, EstablishedName: r.EstablishedName, Indication: r.Indication,
		BoxedWarning: r.BoxedWarning, PIReference: r.PIReference, LaunchDate: r.LaunchDate, MaxExpiryMonths: r.MaxExpiryMonths,
		ReviewSLADays: r.ReviewSLADays, RereviewGraceDays: &r.RereviewGraceDays, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy,
	}
	for _, f := range []struct {
		src string
		dst *[]string
	}{{r.ISIStatements, &l.ISIStatements}, {r.RequiredFunctions, &l.RequiredFunctions}, {r.OffLabelTerms, &l.OffLabelTerms}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return l, fmt.Errorf("store: label %s v%d: %w", r.Brand, r.Version, err)
		}
	}
	return l, nil
}

// CreateBrand adds a brand with its first label version. The input must be
// validated (domain.NewBrand.Validate). A second brand with the same code is
// ECONFLICT.
func (s *Store) CreateBrand(ctx context.Context, actor domain.Actor, in domain.NewBrand) (domain.Brand, error) {
	var b domain.Brand
	err := s.InTx(ctx, func(tx *Tx) error {
		row := brandRow{Code: in.Code, Name: in.Name, LabelVersion: 1, CreatedAt: tx.now, UpdatedAt: tx.now}
		if err := tx.createUnique(&row, "Brand "+in.Code+" already exists.", "code", "This code is already used."); err != nil {
			return err
		}
		label := in.Label
		label.Version, label.CreatedAt, label.CreatedBy = 1, tx.now, actor.UserID
		lr, err := toLabelRow(in.Code, label)
		if err != nil {
			return err
		}
		if err := tx.db.Create(&lr).Error; err != nil {
			return err
		}
		b = domain.Brand{Code: row.Code, Name: row.Name, Label: label, CreatedAt: row.CreatedAt}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "brand.create", ObjectType: "brand", ObjectID: in.Code, Brand: in.Code,
			Details: map[string]any{"name": row.Name, "label": label}})
	})
	return b, err
}

// Brand returns the brand with code and its current label; ENOTFOUND if
// there is none.
func (s *Store) Brand(ctx context.Context, code string) (domain.Brand, error) {
	return readOne(ctx, s, func(tx *Tx) (domain.Brand, error) { return tx.brand(code) })
}

func (tx *Tx) brand(code string) (domain.Brand, error) {
	var row brandRow
	if err := tx.db.Where("code = ?", code).Take(&row).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return domain.Brand{}, domain.Errorf(domain.ENOTFOUND, "No such brand.")
		}
		return domain.Brand{}, err
	}
	var lr labelRow
	if err := tx.db.Where("brand = ? AND version = ?", code, row.LabelVersion).Take(&lr).Error; err != nil {
		return domain.Brand{}, err
	}
	l, err := lr.domain()
	return domain.Brand{Code: row.Code, Name: row.Name, Label: l, CreatedAt: row.CreatedAt}, err
}

// ListBrands returns the brands with their current labels, ordered by code.
// When all is false only the listed codes are returned.
func (s *Store) ListBrands(ctx context.Context, all bool, codes []string) ([]domain.Brand, error) {
	var out []domain.Brand
	err := s.read(ctx, func(tx *Tx) error {
		q := tx.db.Order("code")
		if !all {
			q = q.Where("code IN ?", append([]string{""}, codes...))
		}
		var rows []brandRow
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		out = make([]domain.Brand, 0, len(rows))
		for _, r := range rows {
			b, err := tx.brand(r.Code)
			if err != nil {
				return err
			}
			out = append(out, b)
		}
		return nil
	})
	return out, err
}

// brandsExist returns an EINVALID error naming the first brand code that is
// neither "*" nor an existing brand.
func (tx *Tx) brandsExist(codes []string) error {
	for _, c := range codes {
		if c == domain.AllBrands {
			continue
		}
		var n int64
		if err := tx.db.Model(&brandRow{}).Where("code = ?", c).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return &domain.Error{
				Code:    domain.EINVALID,
				Message: "Some fields are not valid.",
				Fields:  map[string]string{"roles": "Brand " + c + " does not exist."},
			}
		}
	}
	return nil
}

// createUnique inserts row; when a unique key refuses it, the error is a
// conflict with message and, for field, fieldMessage.
func (tx *Tx) createUnique(row any, message, field, fieldMessage string) error {
	err := tx.db.Create(row).Error
	if err != nil && domain.ErrorCode(translate(err)) == domain.ECONFLICT {
		return &domain.Error{Code: domain.ECONFLICT, Message: message, Fields: map[string]string{field: fieldMessage}}
	}
	return err
}

// lockedBrand locks a brand's row for the transaction and reads the brand.
func (tx *Tx) lockedBrand(code string) (brandRow, domain.Brand, error) {
	row, err := tx.lockBrand(code)
	if err != nil {
		return row, domain.Brand{}, err
	}
	b, err := tx.brand(code)
	return row, b, err
}
