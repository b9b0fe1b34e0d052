package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type claimRow struct {
	ID             string `gorm:"primaryKey"`
	Brand          string
	Text           string
	Category       string
	ReferencesJSON string `gorm:"column:references_json"`
	VariantsJSON   string `gorm:"column:variants_json"`
	CreatedAt      time.Time
	CreatedBy      string
}

func (claimRow) TableName() string { return "claims" }

func (r claimRow) domain() domain.Claim {
	c := domain.Claim{
		ID:         r.ID,
		Brand:      r.Brand,
		Text:       r.Text,
		Category:   r.Category,
		CreatedAt:  r.CreatedAt,
		CreatedBy:  r.CreatedBy,
		References: []string{},
		Variants:   []string{},
	}
	_ = json.Unmarshal([]byte(r.ReferencesJSON), &c.References) // written by us
	_ = json.Unmarshal([]byte(r.VariantsJSON), &c.Variants)
	return c
}

// CreateClaim adds an approved claim to a brand's claims library, audited.
// The checker reads the claims library with the label, so the brand gets a
// new label version (the same profile, audited with reason
// "claims_changed") and the label cascade re-checks its versions with
// recheck, in the same transaction (see SaveLabel).
func (s *Store) CreateClaim(ctx context.Context, actor domain.Actor, brand string, in domain.NewClaim,
	recheck Recheck) (domain.Claim, error) {
	var out domain.Claim
	err := s.InTx(ctx, func(tx *Tx) error {
		b, prev, err := tx.lockedBrand(brand)
		if err != nil {
			return err
		}
		refs, _ := json.Marshal(in.References)
		vars, _ := json.Marshal(in.Variants)
		row := claimRow{
			ID:             newID(),
			Brand:          brand,
			Text:           in.Text,
			Category:       in.Category,
			ReferencesJSON: string(refs),
			VariantsJSON:   string(vars),
			CreatedAt:      tx.now,
			CreatedBy:      actor.UserID,
		}
		if err := tx.db.Create(&row).Error; err != nil {
			return err
		}
		out = row.domain()
		if err := tx.Audit(domain.AuditEntry{Actor: actor, Action: "claim.create", ObjectType: "claim", ObjectID: row.ID, Brand: brand,
			Details: map[string]any{"text": in.Text, "category": in.Category, "references": in.References,
				"variants": in.Variants}}); err != nil {
			return err
		}
		next := prev.Label
		next.Version = b.LabelVersion + 1
		_, err = tx.addLabel(actor, b, prev.Label, next, map[string]any{"reason": domain.ReasonClaimsChanged, "claim_id": row.ID}, recheck)
		return err
	})
	return out, err
}

// Claims returns a brand's claims library, oldest first.
func (s *Store) Claims(ctx context.Context, brand string) ([]domain.Claim, error) {
	var rows []claimRow
	if err := s.db.WithContext(ctx).Where("brand = ?", brand).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Claim, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
