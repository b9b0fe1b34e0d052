package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Audit actions and round kinds of the label cascade.
const (
	// ActionLabelUpdate is the audit action of a new label version, whether
	// the profile changed or the claims library did.
	ActionLabelUpdate = "brand.label_update"
	// ActionExpiryChanged is the audit action of a published version whose
	// expiry moved while it stayed in use; the library's change feed reads
	// it (details: expires_at, previous_expires_at, reason, label_version).
	ActionExpiryChanged = "version.expiry_changed"
	// RoundLabelChange is the kind of review round an approved, not yet
	// published version gets when its brand's label changes.
	RoundLabelChange = "label_change"
	// ReasonLabelChange and ReasonClaimsChanged say why a cascade ran.
	ReasonLabelChange   = "label_change"
	ReasonClaimsChanged = "claims_changed"
)

// CascadeStates are the states of versions a label change re-checks: every
// state but the retired ones (CascadeRechecks also skips a published
// version whose expiry has passed).
var CascadeStates = []State{StateDraft, StateInReview, StateChangesRequested, StateRejected, StateApproved, StatePublished}

// CascadeVersion is what the label cascade needs to know about one version
// of the brand whose label changed.
type CascadeVersion struct {
	State     State
	ExpiresAt *time.Time // nil before publication
}

// CascadeOutcome is what a label change does to one version, besides
// storing its new report.
type CascadeOutcome struct {
	// BackToReview: an approved version returns to in_review with a
	// label_change round of the brand's required functions.
	BackToReview bool
	// Flag: a published version failing the new label needs re-review; it
	// stays in use (flagged) with a recertification round open.
	Flag bool
	// ExpiresAt, when set, is the earlier expiry the flagged version gets:
	// now plus the label's re-review grace.
	ExpiresAt *time.Time
}

// CascadeRechecks reports whether a label change re-checks v at now: every
// version not retired (expired, withdrawn, superseded) is checked against
// the new label. A published version whose expiry has passed counts as
// expired even before the expiry sweep wrote it.
func CascadeRechecks(v CascadeVersion, now time.Time) bool {
	return slices.Contains(CascadeStates, EffectiveState(v.State, v.ExpiresAt, now))
}

// LabelCascade decides what a label change does to v, which CascadeRechecks
// selected, once its new report is known to pass or fail. Versions before
// approval only get the new report (an open round stays open, and its
// approval needs the newest report to pass). An approved version goes back
// to review whatever the report says: its approval was given against the
// old label. A published version is left alone when it passes; when it
// fails it is flagged, and with graceDays > 0 its expiry is brought forward
// to now + graceDays when that is earlier. graceDays == 0 keeps the flagged
// piece until its own expiry.
func LabelCascade(v CascadeVersion, passes bool, graceDays int, now time.Time) CascadeOutcome {
	switch {
	case v.State == StateApproved:
		return CascadeOutcome{BackToReview: true}
	case v.State != StatePublished || passes:
		return CascadeOutcome{}
	}
	out := CascadeOutcome{Flag: true}
	if graceDays > 0 {
		deadline := now.AddDate(0, 0, graceDays)
		if v.ExpiresAt == nil || v.ExpiresAt.After(deadline) {
			out.ExpiresAt = &deadline
		}
	}
	return out
}

// LabelDifferences names, for people, what changed between two label
// profiles, in a fixed order; nil when the profiles are the same (only the
// version differs after a claims library change). The order of the
// required review functions does not count.
func LabelDifferences(prev, next Label) []string {
	var out []string
	add := func(changed bool, name string) {
		if changed {
			out = append(out, name)
		}
	}
	add(prev.ProprietaryName != next.ProprietaryName || prev.EstablishedName != next.EstablishedName, "names")
	add(prev.Indication != next.Indication, "indication")
	add(!slices.Equal(prev.ISIStatements, next.ISIStatements), "ISI statements")
	add(prev.BoxedWarning != next.BoxedWarning, "boxed warning")
	add(prev.PIReference != next.PIReference, "PI reference")
	add(!slices.Equal(prev.OffLabelTerms, next.OffLabelTerms), "off-label terms")
	add(prev.LaunchDate != next.LaunchDate, "launch date")
	add(prev.MaxExpiryMonths != next.MaxExpiryMonths, "maximum expiry")
	add(ReviewPolicyChanged(prev, next), "review policy")
	add(prev.GraceDays() != next.GraceDays(), "re-review grace")
	return out
}

// CheckReportCurrent decides whether a version whose newest report is r may
// get its final approval or be published while its brand's label is
// current. The report must have been made against the current label
// version and have no unwaived error finding. The refusal is ECONFLICT and
// names the label change; changed lists what changed since the report's
// label version (LabelDifferences), empty when unknown.
func CheckReportCurrent(r CheckReport, proprietaryName string, current int, changed []string) error {
	if r.LabelVersion != current {
		what := ""
		if len(changed) > 0 {
			what = " (" + strings.Join(changed, ", ") + ")"
		}
		return Errorf(ECONFLICT, "The %s label changed to version %d%s after this piece was checked against version %d; "+
			"it must be checked against the current label, and pass, before it is approved or published.", proprietaryName, current, what,
			r.LabelVersion)
	}
	if r.Blocking() {
		return Errorf(
			ECONFLICT,
			"The compliance report against the current %s label (version %d) has unwaived error findings; fix or waive them first.",
			proprietaryName,
			current,
		)
	}
	return nil
}

// RereviewNotice is the owner's notification subject for a published piece
// that fails its brand's new label.
func RereviewNotice(jobCode, brand string, labelVersion int, until time.Time) string {
	return fmt.Sprintf(
		"%s fails the new %s label (version %d); re-certify it by %s",
		jobCode,
		brand,
		labelVersion,
		until.UTC().Format(time.DateOnly),
	)
}
