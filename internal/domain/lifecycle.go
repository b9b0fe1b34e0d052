package domain

import "slices"

// Lifecycle actions that move a version between states.
const (
	ActionSubmit         = "submit"          // author sends a draft to MLR review
	ActionApprove        = "approve"         // the last required function approves
	ActionRequestChanges = "request_changes" // a reviewer asks for a new version
	ActionReject         = "reject"          // a reviewer rejects the piece
	ActionPublish        = "publish"         // a marketer releases an approved version
	ActionExpire         = "expire"          // its expiry time passed
	ActionWithdraw       = "withdraw"        // taken out of use with a reason
	ActionSupersede      = "supersede"       // a newer version of the asset was published
	ActionLabelRereview  = "label_rereview"  // the brand's label changed after approval, before publication
)

// transitions is the version lifecycle of PRODUCT.md as one table:
// action → from-state → to-state. Anything not listed is illegal.
var transitions = map[string]map[State]State{
	ActionSubmit:         {StateDraft: StateInReview},
	ActionApprove:        {StateInReview: StateApproved},
	ActionRequestChanges: {StateInReview: StateChangesRequested},
	ActionReject:         {StateInReview: StateRejected},
	ActionPublish:        {StateApproved: StatePublished},
	ActionExpire:         {StatePublished: StateExpired},
	ActionWithdraw:       {StatePublished: StateWithdrawn, StateApproved: StateWithdrawn},
	ActionSupersede:      {StatePublished: StateSuperseded},
	ActionLabelRereview:  {StateApproved: StateInReview},
}

// Transition returns the state a version in state from moves to by action,
// or ECONFLICT naming what is allowed instead.
func Transition(from State, action string) (State, error) {
	to, ok := transitions[action][from]
	if !ok {
		var allowed []State
		for s := range transitions[action] {
			allowed = append(allowed, s)
		}
		slices.Sort(allowed)
		return "", Errorf(ECONFLICT, "A version that is %s cannot be %s (only from: %v).", from, pastTense(action), allowed)
	}
	return to, nil
}

// CanSubmit decides whether a version in state may be sent to MLR review.
// It is asked before the checker runs, so that a refused submit stores no
// report and no audit event: a refused request changes nothing.
func CanSubmit(state State) error {
	_, err := Transition(state, ActionSubmit)
	return err
}

// CanRecheck decides whether the checker may be run again on its own on a
// version in state, replacing its current report. Before approval it may
// (a fixed label, a waiver's context, a new rules version). After approval
// the report is part of what was approved and what keeps the piece in the
// reps' library: a new report there could take a published piece out of
// the library without a retirement, a notice or a feed entry. Such a
// version is checked again in a re-certification round instead.
func CanRecheck(state State) error {
	switch state {
	case StateDraft, StateInReview, StateChangesRequested, StateRejected:
		return nil
	}
	return Errorf(
		ECONFLICT,
		"This version is %s: its checker report is part of its approval. "+
			"Open a re-certification round to check it against the current label.",
		state,
	)
}

// CanRecertify decides whether a version in state, with openRounds review
// rounds still open, may get a re-certification round. Like CanSubmit it is
// asked before the checker runs.
func CanRecertify(state State, openRounds int) error {
	if state != StateApproved && state != StatePublished {
		return Errorf(ECONFLICT, "Only an approved or published version can be re-certified; this one is %s.", state)
	}
	if openRounds > 0 {
		return Errorf(ECONFLICT, "A review round of this version is already open.")
	}
	return nil
}

// SourceStates lists the states action may start from, for conditional
// updates ("... WHERE state IN (...)").
func SourceStates(action string) []State {
	var out []State
	for s := range transitions[action] {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func pastTense(action string) string {
	switch action {
	case ActionSubmit:
		return "submitted"
	case ActionApprove:
		return "approved"
	case ActionRequestChanges:
		return "sent back for changes"
	case ActionReject:
		return "rejected"
	case ActionPublish:
		return "published"
	case ActionExpire:
		return "expired"
	case ActionWithdraw:
		return "withdrawn"
	case ActionSupersede:
		return "superseded"
	case ActionLabelRereview:
		return "sent back to review after a label change"
	}
	return action
}

// Review decisions.
const (
	DecisionApprove        = "approve"
	DecisionRequestChanges = "request_changes"
	DecisionReject         = "reject"
)

// Review task statuses.
const (
	TaskOpen      = "open"
	TaskApproved  = "approved"
	TaskChanges   = "changes_requested"
	TaskRejected  = "rejected"
	TaskCancelled = "cancelled" // the round closed before this function decided
)

// NeedsSignature reports whether a decision must be signed electronically.
func NeedsSignature(decision string) bool {
	return decision == DecisionApprove || decision == DecisionReject
}

// DefaultMeaning is the signature meaning offered for a function's decision.
func DefaultMeaning(function, decision string) string {
	if decision == DecisionReject {
		return "Rejected in " + function + " review"
	}
	switch function {
	case FunctionMedical:
		return "Approved as medically accurate"
	case FunctionLegal:
		return "Approved as legally compliant"
	case FunctionRegulatory:
		return "Approved as compliant with FDA regulations"
	}
	return "Approved"
}

// Settled counts what Settle wrote.
type Settled struct {
	Announced int // versions whose availability date passed
	Expired   int // versions whose expiry passed
}
