package domain

import "testing"

func TestTransitionTable(t *testing.T) {
	for _, tc := range []struct {
		from   State
		action string
		to     State
	}{
		{StateDraft, ActionSubmit, StateInReview},
		{StateInReview, ActionApprove, StateApproved},
		{StateInReview, ActionRequestChanges, StateChangesRequested},
		{StateInReview, ActionReject, StateRejected},
		{StateApproved, ActionPublish, StatePublished},
		{StatePublished, ActionExpire, StateExpired},
		{StatePublished, ActionWithdraw, StateWithdrawn},
		{StateApproved, ActionWithdraw, StateWithdrawn},
		{StatePublished, ActionSupersede, StateSuperseded},
		{StateApproved, ActionLabelRereview, StateInReview},
	} {
		got, err := Transition(tc.from, tc.action)
		if err != nil || got != tc.to {
			t.Errorf("%s --%s--> %q, %v; want %s", tc.from, tc.action, got, err, tc.to)
		}
	}
	// Every other combination is a conflict.
	legal := 0
	for _, from := range States {
		for action := range transitions {
			if _, err := Transition(from, action); err == nil {
				legal++
			} else if ErrorCode(err) != ECONFLICT {
				t.Errorf("%s/%s: code %s", from, action, ErrorCode(err))
			}
		}
	}
	if legal != 10 {
		t.Errorf("%d legal transitions, want 10", legal)
	}
	for _, illegal := range []struct {
		from   State
		action string
	}{{StateDraft, ActionApprove}, {StateDraft, ActionPublish}, {StateRejected, ActionSubmit}, {StateExpired, ActionPublish},
		{StateWithdrawn, ActionPublish}, {StateInReview, ActionPublish}} {
		if _, err := Transition(illegal.from, illegal.action); ErrorCode(err) != ECONFLICT {
			t.Errorf("%s --%s--> allowed", illegal.from, illegal.action)
		}
	}
	if got := SourceStates(ActionWithdraw); len(got) != 2 {
		t.Errorf("SourceStates(withdraw) = %v", got)
	}
}

func TestCanSubmitAndRecertify(t *testing.T) {
	for _, tc := range []struct {
		state      State
		open       int
		submit, re bool
	}{
		{StateDraft, 0, true, false},
		{StateInReview, 1, false, false},
		{StateApproved, 0, false, true},
		{StateApproved, 1, false, false},
		{StatePublished, 0, false, true},
		{StatePublished, 1, false, false},
		{StateExpired, 0, false, false},
		{StateWithdrawn, 0, false, false},
	} {
		if err := CanSubmit(tc.state); (err == nil) != tc.submit || (err != nil && ErrorCode(err) != ECONFLICT) {
			t.Errorf("CanSubmit(%s) = %v", tc.state, err)
		}
		if err := CanRecertify(tc.state, tc.open); (err == nil) != tc.re || (err != nil && ErrorCode(err) != ECONFLICT) {
			t.Errorf("CanRecertify(%s, %d) = %v", tc.state, tc.open, err)
		}
	}
}

// TestCanRecheck: the checker runs again by hand only before approval.
func TestCanRecheck(t *testing.T) {
	allowed := map[State]bool{StateDraft: true, StateInReview: true, StateChangesRequested: true, StateRejected: true}
	for _, state := range States {
		err := CanRecheck(state)
		if allowed[state] != (err == nil) {
			t.Errorf("CanRecheck(%s) = %v", state, err)
		}
		if err != nil && ErrorCode(err) != ECONFLICT {
			t.Errorf("CanRecheck(%s) code = %s", state, ErrorCode(err))
		}
	}
}
