package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type roundRow struct {
	ID          string `gorm:"primaryKey"`
	VersionID   string
	Number      int
	Kind        string
	Status      string
	ReportID    *string
	SubmittedBy string
	SubmittedAt time.Time
	DueAt       time.Time
	ClosedAt    *time.Time
}

func (roundRow) TableName() string { return "review_rounds" }

type taskRow struct {
	ID          string `gorm:"primaryKey"`
	RoundID     string
	VersionID   string
	Brand       string
	Function    string
	Status      string
	DecidedBy   *string
	DecidedAt   *time.Time
	Comment     string
	SignatureID *string
}

func (taskRow) TableName() string { return "review_tasks" }

type notificationRow struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	Kind      string
	Subject   string
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

func (notificationRow) TableName() string { return "notifications" }

func (tx *Tx) lockVersion(id string) (versionRow, error) {
	var row versionRow
	q := tx.forUpdate(tx.db.Select("id", "asset_id", "number", "state", "sha256", "uploaded_by"), "")
	if err := q.Where("id = ?", id).Take(&row).Error; err != nil {
		return row, notFound(err, "No such version.")
	}
	return row, nil
}

// moveVersion changes a version's state by action with a conditional
// update, so that a concurrent change makes this one fail with ECONFLICT
// rather than both applying. It keeps the asset's latest state in step.
func (tx *Tx) moveVersion(v versionRow, action string, extra map[string]any) (domain.State, error) {
	to, err := domain.Transition(v.State, action)
	if err != nil {
		return "", err
	}
	changes := map[string]any{"state": to}
	for k, val := range extra {
		changes[k] = val
	}
	res := tx.db.Model(&versionRow{}).Where("id = ? AND state = ?", v.ID, v.State).Updates(changes)
	if res.Error != nil {
		return "", res.Error
	}
	if res.RowsAffected != 1 {
		return "", domain.Errorf(domain.ECONFLICT, "The version changed meanwhile; reload and try again.")
	}
	if err := tx.db.Model(&assetRow{}).Where("id = ? AND latest_version_id = ?", v.AssetID, v.ID).
		Update("updated_at", tx.now).Error; err != nil {
		return "", err
	}
	return to, nil
}

// involvement reads who has a stake in a version, for segregation of
// duties: the asset's owner, the uploaders of every version of the asset,
// the submitters of the version's review rounds, and every decision and
// waiver already signed on it. It returns the asset's brand too.
func (tx *Tx) involvement(v versionRow) (domain.Involvement, string, error) {
	var inv domain.Involvement
	var a assetRow
	if err := tx.db.Select("owner_id", "brand").Where("id = ?", v.AssetID).Take(&a).Error; err != nil {
		return inv, "", err
	}
	inv.Owner = a.OwnerID
	if err := tx.db.Model(&versionRow{}).Distinct("uploaded_by").Where("asset_id = ?", v.AssetID).
		Pluck("uploaded_by", &inv.Uploaders).Error; err != nil {
		return inv, "", err
	}
	if err := tx.db.Model(&roundRow{}).Distinct("submitted_by").Where("version_id = ?", v.ID).
		Pluck("submitted_by", &inv.Submitters).Error; err != nil {
		return inv, "", err
	}
	var signed []signatureRow
	if err := tx.db.Where("object_type = ? AND object_id = ? AND function <> ''", "version", v.ID).Find(&signed).Error; err != nil {
		return inv, "", err
	}
	for _, sg := range signed {
		inv.SignOffs = append(inv.SignOffs, domain.SignOff{UserID: sg.UserID, Function: sg.Function})
	}
	var decided []taskRow
	if err := tx.db.Where("version_id = ? AND decided_by IS NOT NULL", v.ID).Find(&decided).Error; err != nil {
		return inv, "", err
	}
	for _, t := range decided {
		inv.SignOffs = append(inv.SignOffs, domain.SignOff{UserID: *t.DecidedBy, Function: t.Function})
	}
	var waivers []signatureRow
	if err := tx.db.Where("object_type = ? AND object_id IN (?)", "finding",
		tx.db.Table("findings f").Select("f.id").Joins("JOIN compliance_reports r ON r.id = f.report_id").Where("r.version_id = ?", v.ID)).
		Find(&waivers).Error; err != nil {
		return inv, "", err
	}
	for _, sg := range waivers {
		inv.SignOffs = append(inv.SignOffs, domain.SignOff{UserID: sg.UserID, Function: domain.FunctionRegulatory, Waiver: true})
	}
	return inv, a.Brand, nil
}

// signableVersion loads a version that is not being settled, with its
// asset's brand, and asks the domain whether actor may sign for function
// on it (see refuseSignOff).
func (tx *Tx) signableVersion(
	actor domain.Actor,
	versionID, function, action string,
	refused **domain.AuditEntry,
) (versionRow, string, error) {
	v, err := tx.settledVersion(versionID)
	if err != nil {
		return v, "", err
	}
	inv, brand, err := tx.involvement(v)
	if err != nil {
		return v, "", err
	}
	return v, brand, refuseSignOff(actor, function, action, v, brand, inv, refused)
}

// refuseSignOff asks the domain whether actor may sign for function on v
// and, when refused, keeps the refusal in *refused so that the caller can
// audit it after the transaction rolled back.
func refuseSignOff(
	actor domain.Actor,
	function, action string,
	v versionRow,
	brand string,
	inv domain.Involvement,
	refused **domain.AuditEntry,
) error {
	err := domain.CheckSignOff(actor.UserID, function, inv)
	if err != nil {
		*refused = &domain.AuditEntry{
			Actor:      actor,
			Action:     domain.ActionSegregationRefused,
			ObjectType: "version",
			ObjectID:   v.ID,
			Brand:      brand,
			Details:    map[string]any{"attempted": action, "function": function, "rule": domain.ErrorMessage(err), "sha256": v.SHA256},
		}
	}
	return err
}

// auditRefusal records a refused attempt in its own transaction: the
// refused one rolled back, but the attempt must stay on record. The
// refusal err is returned unchanged unless the audit itself fails.
func (s *Store) auditRefusal(ctx context.Context, refused *domain.AuditEntry, err error) error {
	if refused == nil {
		return err
	}
	if aerr := s.Audit(ctx, *refused); aerr != nil {
		return aerr
	}
	return err
}

// SubmitVersion sends a draft to MLR review: one open task per required
// function, due at due, with the checker report it was submitted with, and
// an in-app notification to each reviewer who can act on it. Audited.
func (s *Store) SubmitVersion(
	ctx context.Context,
	actor domain.Actor,
	versionID, reportID string,
	functions []string,
	reviewers []domain.Reviewer,
	due time.Time,
) (domain.ReviewRound, error) {
	return s.openRound(ctx, actor, versionID, "initial", reportID, nil, functions, reviewers, due)
}

// SubmitChecked is SubmitVersion with a checker report not yet stored: the
// report is stored in the same transaction as the round, so a refused
// submission leaves no report and no audit event behind.
func (s *Store) SubmitChecked(
	ctx context.Context,
	actor domain.Actor,
	versionID string,
	report domain.CheckReport,
	functions []string,
	reviewers []domain.Reviewer,
	due time.Time,
) (domain.ReviewRound, error) {
	return s.openRound(ctx, actor, versionID, "initial", "", &report, functions, reviewers, due)
}

// RecertifyChecked is Recertify with a checker report not yet stored, like
// SubmitChecked.
func (s *Store) RecertifyChecked(
	ctx context.Context,
	actor domain.Actor,
	versionID string,
	report domain.CheckReport,
	functions []string,
	reviewers []domain.Reviewer,
	due time.Time,
) (domain.ReviewRound, error) {
	return s.openRound(ctx, actor, versionID, "recertification", "", &report, functions, reviewers, due)
}

// Recertify opens a re-certification round on an approved or published
// version: the same bytes reviewed again, while the version stays in use.
// Its approval renews the approval time from which expiry is measured.
func (s *Store) Recertify(
	ctx context.Context,
	actor domain.Actor,
	versionID, reportID string,
	functions []string,
	reviewers []domain.Reviewer,
	due time.Time,
) (domain.ReviewRound, error) {
	return s.openRound(ctx, actor, versionID, "recertification", reportID, nil, functions, reviewers, due)
}

// openRound opens a review round of kind on a version in its own
// transaction; see Tx.openRound.
func (s *Store) openRound(
	ctx context.Context,
	actor domain.Actor,
	versionID, kind, reportID string,
	report *domain.CheckReport,
	functions []string,
	reviewers []domain.Reviewer,
	due time.Time,
) (domain.ReviewRound, error) {
	var round domain.ReviewRound
	err := s.InTx(ctx, func(tx *Tx) error {
		v, err := tx.settledVersion(versionID)
		if err != nil {
			return err
		}
		round, err = tx.openRound(actor, actor.UserID, v, kind, reportID, report, functions, reviewers, due)
		return err
	})
	return round, err
}

// openRound opens a review round of kind on v, submitted by submitter, with
// one open task per function due at due, and notifies the reviewers who may
// act on it. An "initial" round submits a draft and a label_change round
// sends an approved version back to review (both move the version); a
// "recertification" round needs domain.CanRecertify. When report is set it
// is stored first as the round's report. Audited by actor.
func (tx *Tx) openRound(
	actor domain.Actor,
	submitter string,
	v versionRow,
	kind, reportID string,
	report *domain.CheckReport,
	functions []string,
	reviewers []domain.Reviewer,
	due time.Time,
) (domain.ReviewRound, error) {
	var round domain.ReviewRound
	inv, brand, err := tx.involvement(v)
	if err != nil {
		return round, err
	}
	action := "version.recertify"
	switch kind {
	case "initial":
		action = "version.submit"
		if _, err := tx.moveVersion(v, domain.ActionSubmit, map[string]any{"submitted_at": tx.now}); err != nil {
			return round, err
		}
	case domain.RoundLabelChange:
		action = "version.label_rereview"
		if _, err := tx.moveVersion(v, domain.ActionLabelRereview, nil); err != nil {
			return round, err
		}
	default:
		var open int64
		if err := tx.db.Model(&roundRow{}).Where("version_id = ? AND status = ?", v.ID, "open").Count(&open).Error; err != nil {
			return round, err
		}
		if err := domain.CanRecertify(v.State, int(open)); err != nil {
			return round, err
		}
	}
	if report != nil {
		if report.VersionID != v.ID {
			return round, fmt.Errorf("store: report of version %s submitted with version %s", report.VersionID, v.ID)
		}
		saved, err := tx.saveReport(actor, *report)
		if err != nil {
			return round, err
		}
		reportID = saved.ID
	}
	var n int
	if err := tx.db.Model(&roundRow{}).Select("COALESCE(MAX(number), 0)").Where("version_id = ?", v.ID).Scan(&n).Error; err != nil {
		return round, err
	}
	rr := roundRow{
		ID:          newID(),
		VersionID:   v.ID,
		Number:      n + 1,
		Kind:        kind,
		Status:      "open",
		SubmittedBy: submitter,
		SubmittedAt: tx.now,
		DueAt:       due.UTC(),
	}
	if reportID != "" {
		rr.ReportID = &reportID
	}
	if err := tx.db.Create(&rr).Error; err != nil {
		return round, err
	}
	round = domain.ReviewRound{
		ID:          rr.ID,
		Number:      rr.Number,
		Kind:        rr.Kind,
		Status:      rr.Status,
		ReportID:    reportID,
		SubmittedBy: rr.SubmittedBy,
		SubmittedAt: rr.SubmittedAt,
		DueAt:       rr.DueAt,
	}
	for _, f := range functions {
		t := taskRow{ID: newID(), RoundID: rr.ID, VersionID: v.ID, Brand: brand, Function: f, Status: domain.TaskOpen}
		if err := tx.db.Create(&t).Error; err != nil {
			return round, err
		}
		round.Tasks = append(
			round.Tasks,
			domain.ReviewTask{
				ID:          t.ID,
				RoundID:     t.RoundID,
				VersionID:   v.ID,
				Brand:       brand,
				Function:    f,
				Status:      t.Status,
				SubmittedAt: rr.SubmittedAt,
				DueAt:       rr.DueAt,
			},
		)
	}
	for _, r := range reviewers {
		if r.UserID == inv.Owner || slices.Contains(inv.Uploaders, r.UserID) || r.UserID == submitter {
			continue // they may not review it
		}
		if err := tx.db.Create(&notificationRow{ID: newID(), UserID: r.UserID, Kind: "review_requested",
			Subject: "A piece awaits your " + r.Function + " review", Link: "/reviews/" + v.ID, CreatedAt: tx.now}).Error; err != nil {
			return round, err
		}
	}
	return round, tx.Audit(domain.AuditEntry{Actor: actor, Action: action, ObjectType: "version", ObjectID: v.ID, Brand: brand,
		Details: map[string]any{
			"round":     rr.Number,
			"kind":      kind,
			"functions": functions,
			"report_id": reportID,
			"due_at":    rr.DueAt,
			"sha256":    v.SHA256,
		}})
}

// Decide records a reviewer's decision on the open task of a function. In
// one transaction it checks segregation of duties (domain.CheckSignOff: not
// the owner, any uploader of the asset or the submitter; one function per
// person per version, waivers included; a refusal is audited afterwards in
// its own transaction), refuses an approval
// unless the version's newest checker report is against the brand's current
// label and has no unwaived error (domain.CheckReportCurrent), records
// the signature, closes the task with a conditional update (a concurrent
// decision on the same task gets ECONFLICT), and moves the version when the
// round is decided: any request for changes or rejection closes the round;
// the last required approval approves the version.
func (s *Store) Decide(ctx context.Context, actor domain.Actor, d domain.Decision) (domain.DecisionResult, error) {
	var out domain.DecisionResult
	var refused *domain.AuditEntry
	err := s.InTx(ctx, func(tx *Tx) error {
		v, brand, err := tx.signableVersion(actor, d.VersionID, d.Function, "review.decide", &refused)
		if err != nil {
			return err
		}
		var round roundRow
		if err := tx.db.Where("version_id = ? AND status = ?", v.ID, "open").Order("number DESC").Take(&round).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return domain.Errorf(domain.ECONFLICT, "This version is %s and has no open review round.", v.State)
			}
			return err
		}
		recert := round.Kind == "recertification"
		if !recert && v.State != domain.StateInReview {
			return domain.Errorf(domain.ECONFLICT, "This version is %s, not in review.", v.State)
		}
		if recert && v.State != domain.StateApproved && v.State != domain.StatePublished {
			return domain.Errorf(domain.ECONFLICT, "This version is %s; its re-certification can no longer be decided.", v.State)
		}
		var task taskRow
		if err := tx.db.Where("round_id = ? AND function = ?", round.ID, d.Function).Take(&task).Error; err != nil {
			return notFound(err, "This version needs no "+d.Function+" review.")
		}
		if task.Status != domain.TaskOpen {
			return domain.Errorf(domain.ECONFLICT, "The %s review of this version was already decided.", d.Function)
		}
		if d.Decision == domain.DecisionApprove {
			if err := tx.checkReportCurrent(v.ID, brand); err != nil {
				return err
			}
		}
		var sigID *string
		var newSig domain.Signature
		if d.Signature != nil {
			sig := *d.Signature
			sig.Function, sig.Decision, sig.ObjectType, sig.ObjectID, sig.ContentSHA256 = d.Function, d.Decision, "version", v.ID, v.SHA256
			if newSig, err = tx.sign(sig); err != nil {
				return err
			}
			sigID = &newSig.ID
		}
		status := map[string]string{domain.DecisionApprove: domain.TaskApproved, domain.DecisionRequestChanges: domain.TaskChanges,
			domain.DecisionReject: domain.TaskRejected}[d.Decision]
		res := tx.db.Model(&taskRow{}).Where("id = ? AND status = ?", task.ID, domain.TaskOpen).
			Updates(map[string]any{"status": status, "decided_by": actor.UserID, "decided_at": tx.now, "comment": d.Comment,
				"signature_id": sigID})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return domain.Errorf(domain.ECONFLICT, "The %s review of this version was already decided.", d.Function)
		}
		state := v.State
		closeRound := func(st string) error {
			if err := tx.db.Model(&taskRow{}).Where("round_id = ? AND status = ?", round.ID, domain.TaskOpen).
				Update("status", domain.TaskCancelled).Error; err != nil {
				return err
			}
			return tx.db.Model(&roundRow{}).Where("id = ?", round.ID).Updates(map[string]any{"status": st, "closed_at": tx.now}).Error
		}
		switch {
		case recert && d.Decision != domain.DecisionApprove:
			// The piece stays as it is; the owner decides whether to
			// withdraw it or let it expire.
			if err := closeRound(map[string]string{domain.DecisionReject: "rejected",
				domain.DecisionRequestChanges: "changes_requested"}[d.Decision]); err != nil {
				return err
			}
		case recert:
			var open int64
			if err := tx.db.Model(&taskRow{}).Where("round_id = ? AND status <> ?", round.ID, domain.TaskApproved).
				Count(&open).Error; err != nil {
				return err
			}
			if open == 0 {
				if err := tx.db.Model(&versionRow{}).Where("id = ?", v.ID).
					Updates(map[string]any{"approved_at": tx.now, "rereview_required": false}).Error; err != nil {
					return err
				}
				if err := closeRound("approved"); err != nil {
					return err
				}
			}
		case d.Decision == domain.DecisionReject || d.Decision == domain.DecisionRequestChanges:
			action := map[string]string{domain.DecisionReject: domain.ActionReject,
				domain.DecisionRequestChanges: domain.ActionRequestChanges}[d.Decision]
			if state, err = tx.moveVersion(v, action, nil); err != nil {
				return err
			}
			if err := closeRound(string(state)); err != nil {
				return err
			}
		default:
			var open int64
			if err := tx.db.Model(&taskRow{}).Where("round_id = ? AND status <> ?", round.ID, domain.TaskApproved).
				Count(&open).Error; err != nil {
				return err
			}
			if open == 0 {
				if state, err = tx.moveVersion(v, domain.ActionApprove, map[string]any{"approved_at": tx.now}); err != nil {
					return err
				}
				if err := closeRound("approved"); err != nil {
					return err
				}
			}
		}
		if state != v.State {
			// Tell the author where the piece stands.
			if err := tx.db.Create(&notificationRow{ID: newID(), UserID: v.UploadedBy, Kind: "version_" + string(state),
				Subject: "Your piece is now " + string(state), Link: "/assets/" + v.AssetID + "?version=" + v.ID,
				CreatedAt: tx.now}).Error; err != nil {
				return err
			}
		}
		now := tx.now
		out = domain.DecisionResult{
			Task: domain.ReviewTask{ID: task.ID, RoundID: round.ID, VersionID: v.ID, Brand: brand, Function: d.Function, Status: status,
				DecidedBy: actor.UserID, DecidedAt: &now, Comment: d.Comment, SubmittedAt: round.SubmittedAt, DueAt: round.DueAt},
			VersionState: state,
		}
		details := map[string]any{
			"function":      d.Function,
			"decision":      d.Decision,
			"comment":       d.Comment,
			"round":         round.Number,
			"version_state": state,
			"sha256":        v.SHA256,
		}
		if sigID != nil {
			details["signature_id"], details["meaning"], details["printed_name"] = *sigID, d.Signature.Meaning, d.Signature.PrintedName
			details["signature"] = newSig.AuditDetails() // puts the signatures row under the chain
		}
		return tx.Audit(
			domain.AuditEntry{Actor: actor, Action: "review.decide", ObjectType: "version", ObjectID: v.ID, Brand: brand, Details: details},
		)
	})
	return out, s.auditRefusal(ctx, refused, err)
}

// OpenTasks returns the open review tasks a user may act on, oldest first,
// leaving out pieces the user owns or uploaded any version of, and rounds
// they submitted (domain.CheckSignOff would refuse them).
func (s *Store) OpenTasks(ctx context.Context, userID string, scopes []domain.TaskScope) ([]domain.ReviewTask, error) {
	var out []domain.ReviewTask
	err := s.read(ctx, func(tx *Tx) error {
		for _, sc := range scopes {
			q := tx.db.Table("review_tasks t").
				Select("t.id, t.round_id, t.version_id, t.brand, t.function, t.status, t.comment, r.submitted_at, r.due_at, v.asset_id, "+
					"v.number, a.job_code, a.title").
				Joins("JOIN review_rounds r ON r.id = t.round_id").
				Joins("JOIN versions v ON v.id = t.version_id").
				Joins("JOIN assets a ON a.id = v.asset_id").
				Where("t.status = ? AND t.function = ? AND a.owner_id <> ? AND r.submitted_by <> ?", domain.TaskOpen, sc.Function, userID,
					userID).
				Where("NOT EXISTS (SELECT 1 FROM versions o WHERE o.asset_id = v.asset_id AND o.uploaded_by = ?)", userID)
			if !sc.All {
				q = q.Where("t.brand IN ?", append([]string{""}, sc.Brands...))
			}
			var rows []struct {
				ID, RoundID, VersionID, Brand, Function, Status, Comment, AssetID, JobCode, Title string
				SubmittedAt, DueAt                                                                time.Time
				Number                                                                            int
			}
			if err := q.Order("r.submitted_at, t.id").Limit(500).Scan(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				out = append(
					out,
					domain.ReviewTask{
						ID:          r.ID,
						RoundID:     r.RoundID,
						VersionID:   r.VersionID,
						Brand:       r.Brand,
						Function:    r.Function,
						Status:      r.Status,
						Comment:     r.Comment,
						SubmittedAt: r.SubmittedAt,
						DueAt:       r.DueAt,
						AssetID:     r.AssetID,
						JobCode:     r.JobCode,
						Title:       r.Title,
						Number:      r.Number,
					},
				)
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b domain.ReviewTask) int { return a.SubmittedAt.Compare(b.SubmittedAt) })
	if out == nil {
		out = []domain.ReviewTask{}
	}
	return out, err
}

// ReviewHistory returns every review round of a version with its tasks and
// signatures, oldest first: the content of the approval record.
func (s *Store) ReviewHistory(ctx context.Context, versionID string) ([]domain.ReviewRound, error) {
	out := []domain.ReviewRound{}
	err := s.read(ctx, func(tx *Tx) error {
		var rounds []roundRow
		if err := tx.db.Where("version_id = ?", versionID).Order("number").Find(&rounds).Error; err != nil {
			return err
		}
		for _, r := range rounds {
			rr := domain.ReviewRound{
				ID:          r.ID,
				Number:      r.Number,
				Kind:        r.Kind,
				Status:      r.Status,
				SubmittedBy: r.SubmittedBy,
				SubmittedAt: r.SubmittedAt,
				DueAt:       r.DueAt,
				ClosedAt:    r.ClosedAt,
				Tasks:       []domain.ReviewTask{},
			}
			if r.ReportID != nil {
				rr.ReportID = *r.ReportID
			}
			var tasks []taskRow
			if err := tx.db.Where("round_id = ?", r.ID).Order("function").Find(&tasks).Error; err != nil {
				return err
			}
			for _, t := range tasks {
				rt := domain.ReviewTask{
					ID:          t.ID,
					RoundID:     t.RoundID,
					VersionID:   t.VersionID,
					Brand:       t.Brand,
					Function:    t.Function,
					Status:      t.Status,
					DecidedAt:   t.DecidedAt,
					Comment:     t.Comment,
					SubmittedAt: r.SubmittedAt,
					DueAt:       r.DueAt,
				}
				if t.DecidedBy != nil {
					rt.DecidedBy = *t.DecidedBy
				}
				if t.SignatureID != nil {
					var sg signatureRow
					if err := tx.db.Where("id = ?", *t.SignatureID).Take(&sg).Error; err != nil {
						return err
					}
					rt.Signature = &domain.SignatureRecord{
						ID:            sg.ID,
						UserID:        sg.UserID,
						PrintedName:   sg.PrintedName,
						Function:      sg.Function,
						Meaning:       sg.Meaning,
						Decision:      sg.Decision,
						ContentSHA256: sg.ContentSHA256,
						SignedAt:      sg.SignedAt,
					}
				}
				rr.Tasks = append(rr.Tasks, rt)
			}
			out = append(out, rr)
		}
		return nil
	})
	return out, err
}

// ReviewersFor lists users holding a reviewer role for functions in brand
// (directly or for all brands), for review notifications.
func (s *Store) ReviewersFor(ctx context.Context, brand string, functions []string) ([]domain.Reviewer, error) {
	return readOne(ctx, s, func(tx *Tx) ([]domain.Reviewer, error) { return tx.reviewersFor(brand, functions) })
}

func (tx *Tx) reviewersFor(brand string, functions []string) ([]domain.Reviewer, error) {
	var out []domain.Reviewer
	for _, f := range functions {
		role, ok := domain.ReviewerRole(f)
		if !ok {
			continue
		}
		var ids []string
		err := tx.db.Model(&roleRow{}).Distinct("role_assignments.user_id").
			Joins("JOIN users ON users.id = role_assignments.user_id").
			Where("role_assignments.role = ? AND role_assignments.brand IN ? AND users.disabled = ?", string(role),
				[]string{brand, domain.AllBrands}, false).
			Order("role_assignments.user_id").
			Pluck("role_assignments.user_id", &ids).Error
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			out = append(out, domain.Reviewer{UserID: id, Function: f})
		}
	}
	return out, nil
}

// Notifications returns a user's newest notifications, unread first.
func (s *Store) Notifications(ctx context.Context, userID string, limit int) ([]domain.Notification, error) {
	var rows []notificationRow
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("read_at IS NOT NULL, created_at DESC").Limit(limit).Find(&rows).Error
	out := make([]domain.Notification, len(rows))
	for i, r := range rows {
		out[i] = domain.Notification{ID: r.ID, Kind: r.Kind, Subject: r.Subject, Link: r.Link, CreatedAt: r.CreatedAt, ReadAt: r.ReadAt}
	}
	return out, translate(err)
}

// MarkNotificationsRead marks every unread notification of a user as read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID string, now time.Time) error {
	return translate(
		s.db.WithContext(ctx).Model(&notificationRow{}).Where("user_id = ? AND read_at IS NULL", userID).Update("read_at", now.UTC()).Error,
	)
}
