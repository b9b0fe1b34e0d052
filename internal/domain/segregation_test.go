package domain

import (
	"strings"
	"testing"
)

func TestCheckSignOff(t *testing.T) {
	inv := Involvement{Owner: "owner", Uploaders: []string{"v1author", "v2author"}, Submitters: []string{"submitter"}}
	with := func(s ...SignOff) Involvement { i := inv; i.SignOffs = s; return i }
	for _, tc := range []struct {
		name     string
		signer   string
		function string
		inv      Involvement
		wantCode string
		wantText string
	}{
		{"independent reviewer", "rev", FunctionMedical, inv, "", ""},
		{"owner reviews own piece", "owner", FunctionMedical, inv, EFORBIDDEN, "own this asset"},
		{"owner waives (regulatory) on own piece", "owner", FunctionRegulatory, inv, EFORBIDDEN, "own this asset"},
		{"uploader of this version", "v2author", FunctionLegal, inv, EFORBIDDEN, "uploaded a version"},
		{"author of an earlier version", "v1author", FunctionMedical, inv, EFORBIDDEN, "uploaded a version"},
		{"submitter", "submitter", FunctionRegulatory, inv, EFORBIDDEN, "submitted this version"},
		{"second function by same person", "rev", FunctionLegal, with(SignOff{"rev", FunctionMedical, false}), EFORBIDDEN,
			"only one function"},
		{"medical after own waiver", "rev", FunctionMedical, with(SignOff{"rev", FunctionRegulatory, true}), EFORBIDDEN,
			"waived a checker finding"},
		{"waiver after own medical decision", "rev", FunctionRegulatory, with(SignOff{"rev", FunctionMedical, false}), EFORBIDDEN,
			"only one function"},
		{"regulatory decision after own waiver", "rev", FunctionRegulatory, with(SignOff{"rev", FunctionRegulatory, true}), "", ""},
		{"same function again (e.g. after request for changes)", "rev", FunctionMedical, with(SignOff{"rev", FunctionMedical, false}), "",
			""},
		{"others signed other functions", "rev", FunctionRegulatory,
			with(SignOff{"a", FunctionMedical, false}, SignOff{"b", FunctionLegal, false}, SignOff{"c", FunctionRegulatory, true}), "", ""},
	} {
		err := CheckSignOff(tc.signer, tc.function, tc.inv)
		if got := ErrorCode(err); got != tc.wantCode {
			t.Errorf("%s: code %q, want %q", tc.name, got, tc.wantCode)
		}
		if tc.wantText != "" && !strings.Contains(ErrorMessage(err), tc.wantText) {
			t.Errorf("%s: message %q lacks %q", tc.name, ErrorMessage(err), tc.wantText)
		}
	}
}

func TestReviewerRole(t *testing.T) {
	for f, want := range map[string]Role{FunctionMedical: RoleMedicalReviewer, FunctionLegal: RoleLegalReviewer,
		FunctionRegulatory: RoleRegulatoryReviewer} {
		if got, ok := ReviewerRole(f); !ok || got != want {
			t.Errorf("ReviewerRole(%s) = %s, %v", f, got, ok)
		}
	}
	if _, ok := ReviewerRole("marketing"); ok {
		t.Error("unknown function accepted")
	}
}
