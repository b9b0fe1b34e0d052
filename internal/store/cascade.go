package store

import (
	"errors"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// cascadeRow is a version of the brand whose label changed, with what the
// cascade writes about it.
type cascadeRow struct {
	ID, AssetID, SHA256, UploadedBy, OwnerID, JobCode string
	State                                             domain.State
	Number                                            int
	ExpiresAt, AvailableAnnouncedAt                   *time.Time
}

// version is the part of r that opening a review round needs.
func (r cascadeRow) version() versionRow {
	return versionRow{ID: r.ID, AssetID: r.AssetID, Number: r.Number, State: r.State, SHA256: r.SHA256, UploadedBy: r.UploadedBy}
}

// cascade re-checks every version of brand that is not retired against
// label, the brand's new current label, with recheck, in the label change's
// transaction, and applies domain.LabelCascade's decision to each: the new
// report always; an approved version back to review in a label_change
// round; a published version failing the new label flagged for re-review,
// its owner notified, a recertification round opened and its expiry
// brought forward by the label's re-review grace. Rounds are opened by the
// system on behalf of the asset's owner (who may not review the piece
// anyway), due after the brand's review SLA. Every change is audited.
func (tx *Tx) cascade(actor domain.Actor, brand string, label domain.Label, recheck Recheck) error {
	if recheck == nil {
		return errors.New("store: a label change needs the checker to re-check the brand's versions")
	}
	q := tx.db.Table("versions").
		Select("versions.id, versions.asset_id, versions.state, versions.sha256, versions.uploaded_by, versions.number, "+
			"versions.expires_at, versions.available_announced_at, assets.owner_id, assets.job_code").
		Joins("JOIN assets ON assets.id = versions.asset_id").
		Where("assets.brand = ? AND versions.state IN ?", brand, domain.CascadeStates).
		Order("versions.id")
	// A concurrent approval or publication of one of these versions
	// either commits first (and is seen here) or waits for the cascade.
	q = tx.forUpdate(q, "versions")
	var rows []cascadeRow
	if err := q.Scan(&rows).Error; err != nil {
		return err
	}
	due := tx.now.AddDate(0, 0, label.ReviewSLADays)
	var reviewers []domain.Reviewer
	reviewersRead := false
	for _, r := range rows {
		cv := domain.CascadeVersion{State: r.State, ExpiresAt: r.ExpiresAt}
		if !domain.CascadeRechecks(cv, tx.now) {
			continue
		}
		v, err := tx.version(r.ID)
		if err != nil {
			return err
		}
		in, err := tx.checkInput(v, label)
		if err != nil {
			return err
		}
		rep, err := recheck(in, tx.now)
		if err != nil {
			return err
		}
		if rep, err = tx.saveReport(actor, rep); err != nil {
			return err
		}
		out := domain.LabelCascade(cv, rep.Passed, label.GraceDays(), tx.now)
		if !out.BackToReview && !out.Flag {
			continue
		}
		if !reviewersRead {
			if reviewers, err = tx.reviewersFor(brand, label.RequiredFunctions); err != nil {
				return err
			}
			reviewersRead = true
		}
		if out.BackToReview {
			if err := tx.backToReview(actor, brand, r.version(), r.OwnerID, rep, label, reviewers, due); err != nil {
				return err
			}
			continue
		}
		if err := tx.flagForRereview(actor, brand, r, rep, label, out.ExpiresAt, reviewers, due); err != nil {
			return err
		}
	}
	return nil
}

// backToReview sends an approved version back to review after a label
// change: review rounds still open on it (a re-certification) are
// cancelled (audited as review.rounds_cancelled), a label_change round is
// opened with rep as its report, and the owner is told.
func (tx *Tx) backToReview(
	actor domain.Actor,
	brand string,
	v versionRow,
	ownerID string,
	rep domain.CheckReport,
	label domain.Label,
	reviewers []domain.Reviewer,
	due time.Time,
) error {
	var open []string
	if err := tx.db.Model(&roundRow{}).Where("version_id = ? AND status = ?", v.ID, "open").Pluck("id", &open).Error; err != nil {
		return err
	}
	if len(open) > 0 {
		if err := tx.db.Model(&taskRow{}).Where("round_id IN ? AND status = ?", open, domain.TaskOpen).
			Update("status", domain.TaskCancelled).Error; err != nil {
			return err
		}
		if err := tx.db.Model(&roundRow{}).Where("id IN ?", open).
			Updates(map[string]any{"status": "cancelled", "closed_at": tx.now}).Error; err != nil {
			return err
		}
		if err := tx.Audit(domain.AuditEntry{Actor: actor, Action: "review.rounds_cancelled", ObjectType: "version", ObjectID: v.ID,
			Brand:   brand,
			Details: map[string]any{"round_ids": open, "reason": domain.ReasonLabelChange, "label_version": label.Version}}); err != nil {
			return err
		}
	}
	if _, err := tx.openRound(domain.SystemActor, ownerID, v, domain.RoundLabelChange, rep.ID, nil, label.RequiredFunctions, reviewers,
		due); err != nil {
		return err
	}
	return tx.db.Create(&notificationRow{ID: newID(), UserID: ownerID, Kind: "version_" + string(domain.StateInReview),
		Subject: "Your approved piece is back in review: the " + label.ProprietaryName + " label changed",
		Link:    "/assets/" + v.AssetID + "?version=" + v.ID, CreatedAt: tx.now}).Error
}

// flagForRereview marks a published version that fails the brand's new
// label: rereview_required, its owner notified, a recertification round
// opened unless one is open already, and, when newExpiry is set, its expiry
// brought forward, reported to webhook receivers (version.updated) and to
// the library's change feed (domain.ActionExpiryChanged) by expiryChanged.
func (tx *Tx) flagForRereview(
	actor domain.Actor,
	brand string,
	r cascadeRow,
	rep domain.CheckReport,
	label domain.Label,
	newExpiry *time.Time,
	reviewers []domain.Reviewer,
	due time.Time,
) error {
	changes := map[string]any{"rereview_required": true}
	until := r.ExpiresAt
	if newExpiry != nil {
		changes["expires_at"], until = *newExpiry, newExpiry
	}
	if err := tx.db.Model(&versionRow{}).Where("id = ?", r.ID).Updates(changes).Error; err != nil {
		return err
	}
	details := map[string]any{"label_version": label.Version, "report_id": rep.ID}
	if until != nil {
		details["expires_at"] = until.UTC()
		if err := tx.db.Create(&notificationRow{ID: newID(), UserID: r.OwnerID, Kind: "rereview_required",
			Subject: domain.RereviewNotice(r.JobCode, label.ProprietaryName, label.Version, *until),
			Link:    "/assets/" + r.AssetID + "?version=" + r.ID, CreatedAt: tx.now}).Error; err != nil {
			return err
		}
	}
	if err := tx.Audit(domain.AuditEntry{Actor: actor, Action: "version.rereview_required", ObjectType: "version", ObjectID: r.ID,
		Brand: brand, Details: details}); err != nil {
		return err
	}
	var open int64
	if err := tx.db.Model(&roundRow{}).Where("version_id = ? AND status = ?", r.ID, "open").Count(&open).Error; err != nil {
		return err
	}
	if open == 0 {
		if _, err := tx.openRound(domain.SystemActor, r.OwnerID, r.version(), "recertification", rep.ID, nil, label.RequiredFunctions,
			reviewers, due); err != nil {
			return err
		}
	}
	if newExpiry == nil {
		return nil
	}
	return tx.expiryChanged(actor, brand, r.AssetID, r.JobCode, r.ID, expiryChange{Previous: r.ExpiresAt, ExpiresAt: *newExpiry,
		Reason: domain.ReasonLabelChange, Announced: r.AvailableAnnouncedAt != nil,
		Details: map[string]any{"label_version": label.Version}})
}

// checkReportCurrent asks domain.CheckReportCurrent whether the newest
// report of a version of brand lets it be approved or published, naming
// what changed in the label since the report's label version. A version
// never checked is ECONFLICT too.
func (tx *Tx) checkReportCurrent(versionID, brand string) error {
	rep, err := tx.latestReport(versionID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return domain.Errorf(domain.ECONFLICT, "The version has no compliance report; run the checker first.")
	} else if err != nil {
		return err
	}
	b, err := tx.brand(brand)
	if err != nil {
		return err
	}
	var changed []string
	if rep.LabelVersion != b.Label.Version {
		var lr labelRow
		if err := tx.db.Where("brand = ? AND version = ?", brand, rep.LabelVersion).Take(&lr).Error; err != nil {
			return err
		}
		old, err := lr.domain()
		if err != nil {
			return err
		}
		changed = domain.LabelDifferences(old, b.Label)
	}
	return domain.CheckReportCurrent(rep, b.Label.ProprietaryName, b.Label.Version, changed)
}
