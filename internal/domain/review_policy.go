package domain

import "slices"

// ActionReviewPolicyRefused is the audit action of a refused label change
// that would have changed the brand's required review functions or review
// SLA; it is written after the refusal in its own transaction.
const ActionReviewPolicyRefused = "brand.review_policy_refused"

// ReviewPolicyChanged reports whether next changes who must review the
// brand's pieces or how long they have: the set of required functions
// (order does not matter) or the review SLA.
func ReviewPolicyChanged(prev, next Label) bool {
	a, b := slices.Clone(prev.RequiredFunctions), slices.Clone(next.RequiredFunctions)
	slices.Sort(a)
	slices.Sort(b)
	return !slices.Equal(slices.Compact(a), slices.Compact(b)) || prev.ReviewSLADays != next.ReviewSLADays
}

// LabelChange says who is changing a brand's label: whether they may
// govern its review policy (an administrator) and whether they re-entered
// their password to sign the change.
type LabelChange struct {
	MayGovernReviews bool
	Signed           bool
}

// CheckLabelChange decides whether a label change from prev to next may be
// saved. The required review functions and the review SLA decide who must
// approve a piece: a reviewer who could drop the other functions could
// approve alone. So only someone who may govern reviews (an administrator,
// who is no approver) may change them, and only with a signature (password
// re-entry); anyone with label rights may change the rest. A refusal is
// EFORBIDDEN; an unsigned change by an administrator is EINVALID with a
// "password" field. Rounds already open keep their tasks whatever the label
// says later: the store creates tasks when a round opens and never removes
// them.
func CheckLabelChange(prev, next Label, ch LabelChange) error {
	if !ReviewPolicyChanged(prev, next) {
		return nil
	}
	if !ch.MayGovernReviews {
		return Errorf(EFORBIDDEN, "Only an administrator may change a brand's required review functions or review SLA.")
	}
	if !ch.Signed {
		return &Error{
			Code:    EINVALID,
			Message: "Some fields are not valid.",
			Fields:  map[string]string{"password": "Enter your password to sign the change of required review functions or review SLA."},
		}
	}
	return nil
}
