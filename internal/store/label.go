package store

import (
	"context"
	"slices"
	"strconv"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// SaveLabel stores l as the brand's next label version and makes it current,
// audited with the previous and new version numbers. The label must be
// validated. A change of the required review functions or the review SLA is
// decided by domain.CheckLabelChange against the current label read under
// the brand's lock: refused (EFORBIDDEN, audited in its own transaction)
// unless by allows it, and recorded with its signature when allowed. Review
// rounds already open keep their tasks. Earlier versions stay, so reports made against them still name
// the label they used.
//
// Whatever changed, every version of the brand that is not retired is
// re-checked with recheck against the new label in the same transaction,
// and its state follows (see Tx.cascade). A nil recheck is an error. A
// label identical to the current one (domain.LabelDifferences finds
// nothing) is not saved: the current brand is returned unchanged.
func (s *Store) SaveLabel(
	ctx context.Context,
	actor domain.Actor,
	brand string,
	l domain.Label,
	by domain.LabelAuthority,
	recheck Recheck,
) (domain.Brand, error) {
	var out domain.Brand
	var refused *domain.AuditEntry
	err := s.InTx(ctx, func(tx *Tx) error {
		row, prev, err := tx.lockedBrand(brand)
		if err != nil {
			return err
		}
		policyChanged := domain.ReviewPolicyChanged(prev.Label, l)
		if err := domain.CheckLabelChange(prev.Label, l,
			domain.LabelChange{MayGovernReviews: by.MayGovernReviews, Signed: by.Signature != nil}); err != nil {
			if domain.ErrorCode(err) == domain.EFORBIDDEN {
				refused = &domain.AuditEntry{
					Actor:      actor,
					Action:     domain.ActionReviewPolicyRefused,
					ObjectType: "brand",
					ObjectID:   brand,
					Brand:      brand,
					Details: map[string]any{"rule": domain.ErrorMessage(err), "label_version": prev.Label.Version,
						"required_functions": map[string]any{"before": prev.Label.RequiredFunctions, "requested": l.RequiredFunctions},
						"review_sla_days":    map[string]any{"before": prev.Label.ReviewSLADays, "requested": l.ReviewSLADays}},
				}
			}
			return err
		}
		changed := domain.LabelDifferences(prev.Label, l)
		if len(changed) == 0 {
			// Saving the same profile again changes nothing: no new
			// version, and no approved piece sent back to review.
			out = prev
			return nil
		}
		l.Version = row.LabelVersion + 1
		isiChanged := !slices.Equal(prev.Label.ISIStatements, l.ISIStatements)
		details := map[string]any{
			"reason":                domain.ReasonLabelChange,
			"isi_changed":           isiChanged,
			"review_policy_changed": policyChanged,
			"changed":               changed,
		}
		if policyChanged {
			sig := *by.Signature
			sig.Decision, sig.ObjectType, sig.ObjectID = "change_review_policy", "brand_label", brand+"/"+strconv.Itoa(l.Version)
			signed, err := tx.sign(sig)
			if err != nil {
				return err
			}
			details["signature_id"], details["meaning"], details["printed_name"] = signed.ID, sig.Meaning, sig.PrintedName
			details["signature"] = signed.AuditDetails()
			details["required_functions"] = map[string]any{"before": prev.Label.RequiredFunctions, "after": l.RequiredFunctions}
			details["review_sla_days"] = map[string]any{"before": prev.Label.ReviewSLADays, "after": l.ReviewSLADays}
		}
		out, err = tx.addLabel(actor, row, prev.Label, l, details, recheck)
		return err
	})
	return out, s.auditRefusal(ctx, refused, err)
}

// lockBrand reads a brand's row, locked on PostgreSQL until the end of the
// transaction, so that label versions are numbered one at a time.
func (tx *Tx) lockBrand(code string) (brandRow, error) {
	var row brandRow
	q := tx.forUpdate(tx.db, "")
	if err := q.Where("code = ?", code).Take(&row).Error; err != nil {
		return row, notFound(err, "No such brand.")
	}
	return row, nil
}

// addLabel stores l (whose Version is the next one) as the brand's current
// label, audits it as domain.ActionLabelUpdate with details plus the
// previous and new version numbers and the label, and runs the label
// cascade with recheck.
func (tx *Tx) addLabel(
	actor domain.Actor,
	row brandRow,
	prev, l domain.Label,
	details map[string]any,
	recheck Recheck,
) (domain.Brand, error) {
	l.CreatedAt, l.CreatedBy = tx.now, actor.UserID
	lr, err := toLabelRow(row.Code, l)
	if err != nil {
		return domain.Brand{}, err
	}
	if err := tx.db.Create(&lr).Error; err != nil {
		return domain.Brand{}, err
	}
	if err := tx.db.Model(&brandRow{}).Where("code = ?", row.Code).
		Updates(map[string]any{"label_version": l.Version, "updated_at": tx.now}).Error; err != nil {
		return domain.Brand{}, err
	}
	details["previous_version"], details["version"], details["label"] = prev.Version, l.Version, l
	if err := tx.Audit(domain.AuditEntry{Actor: actor, Action: domain.ActionLabelUpdate, ObjectType: "brand", ObjectID: row.Code,
		Brand: row.Code, Details: details}); err != nil {
		return domain.Brand{}, err
	}
	if err := tx.cascade(actor, row.Code, l, recheck); err != nil {
		return domain.Brand{}, err
	}
	return domain.Brand{Code: row.Code, Name: row.Name, Label: l, CreatedAt: row.CreatedAt}, nil
}

// Labels returns every label version of a brand, oldest first.
func (s *Store) Labels(ctx context.Context, brand string) ([]domain.Label, error) {
	var rows []labelRow
	if err := s.db.WithContext(ctx).Where("brand = ?", brand).Order("version").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Label, 0, len(rows))
	for _, r := range rows {
		l, err := r.domain()
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}
