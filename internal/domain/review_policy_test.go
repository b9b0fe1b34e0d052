package domain

import "testing"

func TestCheckLabelChange(t *testing.T) {
	prev := Label{RequiredFunctions: []string{FunctionMedical, FunctionLegal, FunctionRegulatory}, ReviewSLADays: 5, Indication: "old"}
	regOnly := prev
	regOnly.RequiredFunctions = []string{FunctionRegulatory}
	reordered := prev
	reordered.RequiredFunctions = []string{FunctionRegulatory, FunctionMedical, FunctionLegal}
	slower := prev
	slower.ReviewSLADays = 30
	text := prev
	text.Indication = "new"
	admin, adminSigned, reviewer := LabelChange{
		MayGovernReviews: true,
	}, LabelChange{
		MayGovernReviews: true,
		Signed:           true,
	}, LabelChange{
		Signed: true,
	}
	for _, tc := range []struct {
		name     string
		next     Label
		ch       LabelChange
		wantCode string
	}{
		{"reviewer edits the indication", text, reviewer, ""},
		{"reviewer sets functions to regulatory only", regOnly, reviewer, EFORBIDDEN},
		{"reviewer changes the SLA", slower, reviewer, EFORBIDDEN},
		{"reviewer reorders functions (no change)", reordered, reviewer, ""},
		{"administrator without password", regOnly, admin, EINVALID},
		{"administrator signs", regOnly, adminSigned, ""},
	} {
		if got := ErrorCode(CheckLabelChange(prev, tc.next, tc.ch)); got != tc.wantCode {
			t.Errorf("%s: code %q, want %q", tc.name, got, tc.wantCode)
		}
	}
}
