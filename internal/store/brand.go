package store

import (
	"context"
	"strings"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type brandRow struct {
	Code      string `gorm:"primaryKey"`
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (brandRow) TableName() string { return "brands" }

// Brand is a product; role assignments are scoped to brands.
type Brand struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateBrand adds a brand. A second brand with the same code is ECONFLICT.
func (s *Store) CreateBrand(ctx context.Context, actor domain.Actor, code, name string) (Brand, error) {
	var v domain.Validation
	v.Check(domain.ValidBrandCode(code), "code", "Use 2-32 capital letters, digits, - or _, e.g. ZELTRA.")
	v.Check(strings.TrimSpace(name) != "" && len(name) <= 200, "name", "Enter the brand's name.")
	if err := v.Err(); err != nil {
		return Brand{}, err
	}
	var b Brand
	err := s.InTx(ctx, func(tx *Tx) error {
		row := brandRow{Code: code, Name: strings.TrimSpace(name), CreatedAt: tx.now, UpdatedAt: tx.now}
		if err := tx.db.Create(&row).Error; err != nil {
			return translate(err)
		}
		b = Brand{Code: row.Code, Name: row.Name, CreatedAt: row.CreatedAt}
		return tx.Audit(domain.AuditEntry{Actor: actor, Action: "brand.create", ObjectType: "brand", ObjectID: code, Brand: code, Details: map[string]any{"name": row.Name}})
	})
	if domain.ErrorCode(err) == domain.ECONFLICT {
		return Brand{}, domain.Errorf(domain.ECONFLICT, "Brand %s already exists.", code)
	}
	return b, err
}

// ListBrands returns every brand ordered by code.
func (s *Store) ListBrands(ctx context.Context) ([]Brand, error) {
	var rows []brandRow
	if err := s.db.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]Brand, len(rows))
	for i, r := range rows {
		out[i] = Brand{Code: r.Code, Name: r.Name, CreatedAt: r.CreatedAt}
	}
	return out, nil
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
			return &domain.Error{Code: domain.EINVALID, Message: "Some fields are not valid.", Fields: map[string]string{"roles": "Brand " + c + " does not exist."}}
		}
	}
	return nil
}
