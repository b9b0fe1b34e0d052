package domain

// Review functions of MLR review.
const (
	FunctionMedical    = "medical"
	FunctionLegal      = "legal"
	FunctionRegulatory = "regulatory"
)

// ReviewerRole is the role that may sign for a review function.
func ReviewerRole(function string) (Role, bool) {
	switch function {
	case FunctionMedical:
		return RoleMedicalReviewer, true
	case FunctionLegal:
		return RoleLegalReviewer, true
	case FunctionRegulatory:
		return RoleRegulatoryReviewer, true
	}
	return "", false
}

// SignOff is a decision already recorded on a version: who, for which
// function.
type SignOff struct {
	UserID   string
	Function string
}

// CheckSegregation enforces segregation of duties for a reviewer about to
// record a decision for function on a version: nobody reviews a version they
// authored or uploaded (authors lists both), and one person signs for at
// most one function on a version. It is called inside the transaction that
// records the decision, with authors and existing read in that transaction,
// so that two concurrent decisions cannot both pass. Violations are
// EFORBIDDEN.
func CheckSegregation(reviewerID, function string, authors []string, existing []SignOff) error {
	for _, a := range authors {
		if a == reviewerID {
			return Errorf(EFORBIDDEN, "You authored or uploaded this version, so you cannot review it.")
		}
	}
	for _, s := range existing {
		if s.UserID == reviewerID && s.Function != function {
			return Errorf(EFORBIDDEN, "You already signed this version for the %s review; one person may sign for only one function.", s.Function)
		}
	}
	return nil
}
