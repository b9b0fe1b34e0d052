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

// SignOff is a signed act already recorded on a version: who, for which
// function. A waiver of a checker finding is a regulatory act on the
// version the finding belongs to (Waiver is set), so it binds its signer to
// the regulatory function like a regulatory decision does.
type SignOff struct {
	UserID   string
	Function string
	Waiver   bool
}

// Involvement is everything segregation of duties must know about a version
// before someone signs for it. The store reads it in the transaction that
// records the signature, so that two concurrent signatures cannot both pass.
type Involvement struct {
	// Owner owns the asset the version belongs to.
	Owner string
	// Uploaders uploaded any version of the asset, not only this one: the
	// author of version 1 has a stake in version 2.
	Uploaders []string
	// Submitters sent this version to review (any round, including
	// re-certification).
	Submitters []string
	// SignOffs are the decisions and waivers already signed on the version.
	SignOffs []SignOff
}

// ActionSegregationRefused is the audit action of a signature refused by
// segregation of duties. It is written in its own transaction after the
// refusal, so the attempt stays on record although nothing else changed.
const ActionSegregationRefused = "segregation.refused"

// CheckSignOff decides whether signer may sign for function on a version
// (a review decision, or with FunctionRegulatory a waiver of one of its
// findings). Refused, with EFORBIDDEN and a message naming the rule:
//   - the asset's owner, for any of its versions;
//   - anyone who uploaded any version of the asset;
//   - whoever submitted this version for review;
//   - anyone who already signed this version for another function,
//     waivers counting as regulatory: one person, one function per version.
//
// Signing the same function again (a new round after a request for
// changes, or a second waiver) is allowed.
func CheckSignOff(signer, function string, inv Involvement) error {
	if signer == inv.Owner {
		return Errorf(EFORBIDDEN, "You own this asset, so you may not review or waive findings on any of its versions.")
	}
	for _, u := range inv.Uploaders {
		if u == signer {
			return Errorf(
				EFORBIDDEN,
				"You uploaded a version of this asset, so you may not review or waive findings on any of its versions.",
			)
		}
	}
	for _, u := range inv.Submitters {
		if u == signer {
			return Errorf(EFORBIDDEN, "You submitted this version for review, so you may not review it or waive its findings.")
		}
	}
	for _, s := range inv.SignOffs {
		if s.UserID != signer || s.Function == function {
			continue
		}
		if s.Waiver {
			return Errorf(
				EFORBIDDEN,
				"You waived a checker finding on this version, a regulatory act; one person may sign for only one function on a version.",
			)
		}
		return Errorf(
			EFORBIDDEN,
			"You already signed this version for the %s review; one person may sign for only one function on a version.",
			s.Function,
		)
	}
	return nil
}
