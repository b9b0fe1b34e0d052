package server

import "testing"

// modelReplays are the minimal replays of bugs TestLifecycleModel found,
// kept as regression tests of their fixes.
var modelReplays = []struct {
	name string
	ops  []modelOp
}{
	{
		// A published piece whose report passes only by waivers is
		// re-certified: the round stores a new report with the errors
		// unwaived, and the piece drops out of the rep library (I1) with no
		// withdrawal, expiry, notice or feed entry.
		name: "recertifying_a_waived_piece_hides_it",
		ops: []modelOp{
			{Kind: "create_asset", Actor: "m1", Asset: -1, Version: -1},
			{Kind: "upload", Actor: "m1", Asset: 0, Version: -1, Arg: 0},
			{Kind: "upload", Actor: "m2", Asset: 0, Version: -1, Arg: 7},
			{Kind: "submit", Actor: "m2", Asset: 0, Version: 1},
			{Kind: "waive", Actor: "reg", Asset: 0, Version: 1, Arg: 2},
			{Kind: "waive", Actor: "reg", Asset: 0, Version: 1, Arg: 1},
			{Kind: "waive", Actor: "reg", Asset: 0, Version: 1, Arg: 0},
			{Kind: "decide", Actor: "reg", Asset: 0, Version: 1, Arg: 2},
			{Kind: "decide", Actor: "dual", Asset: 0, Version: 1, Arg: 1},
			{Kind: "decide", Actor: "med", Asset: 0, Version: 1, Arg: 0},
			{Kind: "publish", Actor: "m1", Asset: 0, Version: 1, Arg: 200},
			{Kind: "recertify", Actor: "m1", Asset: 0, Version: 1},
		},
	},
	{
		// A piece published with a 20-day embargo is withdrawn before it
		// becomes available; a rep's download answers 410 with the
		// withdrawal reason, though the piece was never visible (404).
		name: "withdrawn_during_embargo_answers_410",
		ops: []modelOp{
			{Kind: "create_asset", Actor: "m1", Asset: -1, Version: -1},
			{Kind: "upload", Actor: "m1", Asset: 0, Version: -1, Arg: 0},
			{Kind: "submit", Actor: "m1", Asset: 0, Version: 0},
			{Kind: "decide", Actor: "leg", Asset: 0, Version: 0, Arg: 1},
			{Kind: "decide", Actor: "med", Asset: 0, Version: 0, Arg: 0},
			{Kind: "decide", Actor: "reg", Asset: 0, Version: 0, Arg: 2},
			{Kind: "publish", Actor: "m2", Asset: 0, Version: 0, Arg: 30, Arg2: 20},
			{Kind: "withdraw", Actor: "m2", Asset: 0, Version: 0},
			{Kind: "download", Actor: "r1", Asset: 0, Version: -1},
		},
	},
	{
		// A published piece is re-certified an hour before its expiry;
		// two hours later, past the expiry but before the sweep, a
		// reviewer's approval of the round is accepted (an effectively expired piece:
		// effectively expired, every decision refuses it), after which a
		// new expiry could bring the expired piece back to the field.
		name: "decision_on_a_piece_past_its_expiry",
		ops: []modelOp{
			{Kind: "create_asset", Actor: "m1", Asset: -1, Version: -1},
			{Kind: "upload", Actor: "m1", Asset: 0, Version: -1},
			{Kind: "submit", Actor: "m1", Asset: 0, Version: 0},
			{Kind: "decide", Actor: "reg", Asset: 0, Version: 0, Arg: 2},
			{Kind: "decide", Actor: "leg", Asset: 0, Version: 0, Arg: 1},
			{Kind: "decide", Actor: "dual", Asset: 0, Version: 0, Arg: 0},
			{Kind: "publish", Actor: "m1", Asset: 0, Version: 0, Arg: 300},
			{Kind: "jump", Asset: -1, Version: -1, Arg: 300*24 - 1},
			{Kind: "recertify", Actor: "m2", Asset: 0, Version: 0},
			{Kind: "jump", Asset: -1, Version: -1, Arg: 2},
			{Kind: "decide", Actor: "reg", Asset: 0, Version: 0, Arg: 2},
		},
	},
}

func TestLifecycleModelReplays(t *testing.T) {
	for _, r := range modelReplays {
		t.Run(r.name, func(t *testing.T) {
			w := newModelWorld(t, "sqlite", 1)
			defer w.close()
			if err := w.replay(t, r.ops); err != nil {
				t.Fatal(err)
			}
		})
	}
}
