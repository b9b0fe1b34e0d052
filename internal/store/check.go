package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type reportRow struct {
	ID           string `gorm:"primaryKey"`
	VersionID    string
	Brand        string
	LabelVersion int
	RulesVersion string
	Passed       bool
	CheckedAt    time.Time
	CheckedBy    string
}

func (reportRow) TableName() string { return "compliance_reports" }

type findingRow struct {
	ID                  string `gorm:"primaryKey"`
	ReportID            string
	Seq                 int
	RuleID              string
	Severity            string
	Message             string
	Excerpt             string
	Page                int
	Line                int
	WaiverSignatureID   *string
	WaiverJustification string
}

func (findingRow) TableName() string { return "findings" }

// signatureRow is a row of signatures: the signature as it was asked for,
// with its id and time. GORM flattens the embedded fields into columns of
// the same names (ContentSHA256 becomes content_sha256).
type signatureRow struct {
	ID string `gorm:"primaryKey"`
	domain.NewSignature
	SignedAt time.Time
}

func (signatureRow) TableName() string { return "signatures" }

func (r signatureRow) domain() domain.Signature {
	return domain.Signature{
		ID:            r.ID,
		UserID:        r.UserID,
		PrintedName:   r.PrintedName,
		Function:      r.Function,
		Meaning:       r.Meaning,
		Decision:      r.Decision,
		ObjectType:    r.ObjectType,
		ObjectID:      r.ObjectID,
		ContentSHA256: r.ContentSHA256,
		SignedAt:      domain.AuditTime(r.SignedAt),
	}
}

// notFound turns GORM's not-found into ENOTFOUND with msg.
func notFound(err error, msg string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Errorf(domain.ENOTFOUND, "%s", msg)
	}
	return err
}

// SaveReport stores a checker report for a version as its newest report,
// audited. Reports are never changed afterwards except by waivers.
func (s *Store) SaveReport(ctx context.Context, actor domain.Actor, r domain.CheckReport) (domain.CheckReport, error) {
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		r, err = tx.saveRecheck(actor, r)
		return err
	})
	return r, err
}

// Check runs the fair-balance checker (recheck, e.g. checker.Recheck) on a
// version against its brand's current label and claims library and stores
// the report as the version's newest, audited, in one transaction. The
// caller must have checked that actor may run checks. It fails with
// ENOTFOUND for an unknown version and with the lifecycle's refusal for a
// version whose state allows no check.
func (s *Store) Check(ctx context.Context, actor domain.Actor, versionID string, now time.Time,
	recheck Recheck) (domain.CheckReport, error) {
	var out domain.CheckReport
	err := s.InTx(ctx, func(tx *Tx) error {
		r, err := tx.evaluate(versionID, now, recheck)
		if err != nil {
			return err
		}
		out, err = tx.saveRecheck(actor, r)
		return err
	})
	return out, err
}

// Evaluate runs the fair-balance checker on a version like Check but
// stores nothing: a submission stores the report in the same transaction
// as the review round, so that a refused submission leaves no report.
func (s *Store) Evaluate(ctx context.Context, versionID string, now time.Time, recheck Recheck) (domain.CheckReport, error) {
	return readOne(ctx, s, func(tx *Tx) (domain.CheckReport, error) { return tx.evaluate(versionID, now, recheck) })
}

// evaluate loads the checker's input for a version and runs recheck on it.
func (tx *Tx) evaluate(versionID string, now time.Time, recheck Recheck) (domain.CheckReport, error) {
	in, err := tx.currentCheckInput(versionID)
	if err != nil {
		return domain.CheckReport{}, err
	}
	return recheck(in, now)
}

// saveRecheck stores r as its version's newest report if the version's
// state allows a check.
func (tx *Tx) saveRecheck(actor domain.Actor, r domain.CheckReport) (domain.CheckReport, error) {
	var state []string
	if err := tx.db.Model(&versionRow{}).Where("id = ?", r.VersionID).Pluck("state", &state).Error; err != nil {
		return r, err
	}
	if len(state) != 1 {
		return r, domain.Errorf(domain.ENOTFOUND, "No such version.")
	}
	if err := domain.CanRecheck(domain.State(state[0])); err != nil {
		return r, err
	}
	return tx.saveReport(actor, r)
}

// saveReport is SaveReport inside a transaction, so that a submission can
// store its report only together with the review round it opens.
func (tx *Tx) saveReport(actor domain.Actor, r domain.CheckReport) (domain.CheckReport, error) {
	r.ID, r.CheckedAt, r.CheckedBy = newID(), tx.now, actor.UserID
	r.Passed = !r.Blocking()
	if err := tx.db.Create(&reportRow{ID: r.ID, VersionID: r.VersionID, Brand: r.Brand, LabelVersion: r.LabelVersion,
		RulesVersion: r.RulesVersion, Passed: r.Passed, CheckedAt: r.CheckedAt, CheckedBy: r.CheckedBy}).Error; err != nil {
		return r, err
	}
	errorsFound := 0
	for i := range r.Findings {
		f := &r.Findings[i]
		f.ID = newID()
		if f.Severity == domain.SeverityError {
			errorsFound++
		}
		if err := tx.db.Create(&findingRow{ID: f.ID, ReportID: r.ID, Seq: i + 1, RuleID: f.RuleID, Severity: f.Severity,
			Message: f.Message, Excerpt: f.Excerpt, Page: f.Page, Line: f.Line}).Error; err != nil {
			return r, err
		}
	}
	if err := tx.db.Model(&versionRow{}).Where("id = ?", r.VersionID).Update("compliance_report_id", r.ID).Error; err != nil {
		return r, err
	}
	return r, tx.Audit(
		domain.AuditEntry{Actor: actor, Action: "compliance.check", ObjectType: "version", ObjectID: r.VersionID, Brand: r.Brand,
			Details: map[string]any{
				"report_id":     r.ID,
				"label_version": r.LabelVersion,
				"rules_version": r.RulesVersion,
				"passed":        r.Passed,
				"findings":      len(r.Findings),
				"errors":        errorsFound,
			}},
	)
}

// LatestReport returns the newest compliance report of a version.
func (s *Store) LatestReport(ctx context.Context, versionID string) (domain.CheckReport, error) {
	return readOne(ctx, s, func(tx *Tx) (domain.CheckReport, error) { return tx.latestReport(versionID) })
}

func (tx *Tx) latestReport(versionID string) (domain.CheckReport, error) {
	var id *string
	if err := tx.db.Model(&versionRow{}).Select("compliance_report_id").Where("id = ?", versionID).Scan(&id).Error; err != nil {
		return domain.CheckReport{}, err
	}
	if id == nil {
		return domain.CheckReport{}, domain.Errorf(domain.ENOTFOUND, "This version has not been checked yet.")
	}
	return tx.report(*id)
}

func (tx *Tx) report(id string) (domain.CheckReport, error) {
	var rr reportRow
	if err := tx.db.Where("id = ?", id).Take(&rr).Error; err != nil {
		return domain.CheckReport{}, notFound(err, "No such report.")
	}
	var frs []findingRow
	if err := tx.db.Where("report_id = ?", id).Order("seq").Find(&frs).Error; err != nil {
		return domain.CheckReport{}, err
	}
	out := domain.CheckReport{
		ID:           rr.ID,
		VersionID:    rr.VersionID,
		Brand:        rr.Brand,
		LabelVersion: rr.LabelVersion,
		RulesVersion: rr.RulesVersion,
		Passed:       rr.Passed,
		CheckedAt:    rr.CheckedAt,
		CheckedBy:    rr.CheckedBy,
		Findings:     make([]domain.Finding, 0, len(frs)),
	}
	for _, f := range frs {
		fd := domain.Finding{
			ID:       f.ID,
			RuleID:   f.RuleID,
			Severity: f.Severity,
			Message:  f.Message,
			Excerpt:  f.Excerpt,
			Page:     f.Page,
			Line:     f.Line,
		}
		if f.WaiverSignatureID != nil {
			var sig signatureRow
			if err := tx.db.Where("id = ?", *f.WaiverSignatureID).Take(&sig).Error; err != nil {
				return out, err
			}
			fd.Waiver = &domain.Waiver{
				Justification: f.WaiverJustification,
				SignedBy:      sig.UserID,
				SignerName:    sig.PrintedName,
				Meaning:       sig.Meaning,
				SignedAt:      sig.SignedAt,
			}
		}
		out.Findings = append(out.Findings, fd)
	}
	return out, nil
}

// sign records s and returns the stored record, whose AuditDetails the
// caller puts in the audit event of the same transaction: that is what puts
// the signatures table under the audit chain (see domain.Signature). The
// signer must not owe a password change (domain.CheckSigner), read here in
// the signing transaction so that no path to a signature skips it.
func (tx *Tx) sign(s domain.NewSignature) (domain.Signature, error) {
	var mustChange []bool
	if err := tx.db.Model(&userRow{}).Where("id = ?", s.UserID).Pluck("password_must_change", &mustChange).Error; err != nil {
		return domain.Signature{}, err
	}
	if len(mustChange) != 1 {
		return domain.Signature{}, domain.Errorf(domain.EFORBIDDEN, "Only a known user can sign.")
	}
	if err := domain.CheckSigner(mustChange[0]); err != nil {
		return domain.Signature{}, err
	}
	row := signatureRow{ID: newID(), NewSignature: s, SignedAt: tx.now}
	err := tx.db.Create(&row).Error
	return row.domain(), err
}

// WaiveFinding records a signed waiver of one finding of a version's
// current report and recomputes whether the report passes. A waiver is its
// signer's regulatory act on the version, so segregation of duties applies
// as to a regulatory decision (domain.CheckSignOff): the owner, uploaders
// and submitter may not waive, nor someone who signed another function on
// the version; a refusal is audited in its own transaction. A finding of an
// older report, or one already waived, is ECONFLICT; the signature, the
// waiver and the audit event commit together.
func (s *Store) WaiveFinding(
	ctx context.Context,
	actor domain.Actor,
	versionID, findingID, justification string,
	sig domain.NewSignature,
) (domain.CheckReport, error) {
	var out domain.CheckReport
	var refused *domain.AuditEntry
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.signableVersion(actor, versionID, domain.FunctionRegulatory, "compliance.waive", &refused); err != nil {
			return err
		}
		cur, err := tx.latestReport(versionID)
		if err != nil {
			return err
		}
		var f findingRow
		q := tx.forUpdate(tx.db, "")
		if err := q.Where("id = ?", findingID).Take(&f).Error; err != nil {
			return notFound(err, "No such finding.")
		}
		if f.ReportID != cur.ID {
			return domain.Errorf(domain.ECONFLICT, "This finding belongs to an earlier report; waive findings of the current report.")
		}
		if f.WaiverSignatureID != nil {
			return domain.Errorf(domain.ECONFLICT, "This finding is already waived.")
		}
		sig.ObjectType, sig.ObjectID, sig.Decision = "finding", findingID, "waive"
		signed, err := tx.sign(sig)
		if err != nil {
			return err
		}
		sigID := signed.ID
		res := tx.db.Model(&findingRow{}).Where("id = ? AND waiver_signature_id IS NULL", findingID).
			Updates(map[string]any{"waiver_signature_id": sigID, "waiver_justification": justification})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return domain.Errorf(domain.ECONFLICT, "This finding is already waived.")
		}
		out, err = tx.report(cur.ID)
		if err != nil {
			return err
		}
		out.Passed = !out.Blocking()
		if err := tx.db.Model(&reportRow{}).Where("id = ?", cur.ID).Update("passed", out.Passed).Error; err != nil {
			return err
		}
		return tx.Audit(
			domain.AuditEntry{Actor: actor, Action: "compliance.waive", ObjectType: "finding", ObjectID: findingID, Brand: cur.Brand,
				Details: map[string]any{
					"version_id":     versionID,
					"report_id":      cur.ID,
					"rule_id":        f.RuleID,
					"severity":       f.Severity,
					"justification":  justification,
					"signature_id":   sigID,
					"meaning":        sig.Meaning,
					"printed_name":   sig.PrintedName,
					"content_sha256": sig.ContentSHA256,
					"report_passed":  out.Passed,
					"signature":      signed.AuditDetails(),
				}},
		)
	})
	return out, s.auditRefusal(ctx, refused, err)
}

// CheckInput loads the checker's input for a version in one consistent read.
func (s *Store) CheckInput(ctx context.Context, versionID string) (domain.CheckInput, error) {
	return readOne(ctx, s, func(tx *Tx) (domain.CheckInput, error) { return tx.currentCheckInput(versionID) })
}

// currentCheckInput loads the checker's input for a version against its
// brand's current label.
func (tx *Tx) currentCheckInput(versionID string) (domain.CheckInput, error) {
	v, err := tx.version(versionID)
	if err != nil {
		return domain.CheckInput{}, err
	}
	b, err := tx.brand(v.Brand)
	if err != nil {
		return domain.CheckInput{}, err
	}
	return tx.checkInput(v, b.Label)
}

// Recheck runs the fair-balance checker on a version's stored text
// (in.Text) against in.Label at now and returns the report, not stored.
// The store does not run the checker itself: the caller of Check,
// Evaluate, SaveLabel and CreateClaim passes one (checker.Recheck), which
// keeps the checker out of the storage layer.
type Recheck func(in domain.CheckInput, now time.Time) (domain.CheckReport, error)

// checkInput loads the checker's input for v against label, the brand's
// label about to be current: v's text, channel and audience, the brand's
// earlier labels and its claims library.
func (tx *Tx) checkInput(v domain.Version, label domain.Label) (domain.CheckInput, error) {
	var in domain.CheckInput
	var a assetRow
	if err := tx.db.Select("brand", "channel", "audience").Where("id = ?", v.AssetID).Take(&a).Error; err != nil {
		return in, err
	}
	brand := a.Brand
	in.Version, in.Channel, in.Audience, in.Label = v, domain.Channel(a.Channel), domain.Audience(a.Audience), label
	var row versionRow
	if err := tx.db.Select("text_lines").Where("id = ?", v.ID).Take(&row).Error; err != nil {
		return in, err
	}
	in.Text = []byte(row.TextLines)
	var lrs []labelRow
	if err := tx.db.Where("brand = ? AND version < ?", brand, label.Version).Order("version").Find(&lrs).Error; err != nil {
		return in, err
	}
	for _, lr := range lrs {
		l, err := lr.domain()
		if err != nil {
			return in, err
		}
		in.Previous = append(in.Previous, l)
	}
	var crs []claimRow
	if err := tx.db.Where("brand = ?", brand).Order("id").Find(&crs).Error; err != nil {
		return in, err
	}
	for _, c := range crs {
		in.Claims = append(in.Claims, c.domain())
	}
	return in, nil
}

// Report returns the compliance report with id.
func (s *Store) Report(ctx context.Context, id string) (domain.CheckReport, error) {
	return readOne(ctx, s, func(tx *Tx) (domain.CheckReport, error) { return tx.report(id) })
}
