package domain

// LabelAuthority is what the caller of SaveLabel established about the
// person changing the label: whether they may govern the brand's review
// policy (required functions and SLA) and, when they re-entered their
// password, the signature to record for the change.
type LabelAuthority struct {
	MayGovernReviews bool
	Signature        *NewSignature
}
