package domain

import "testing"

func TestCheckSegregation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reviewer string
		function string
		authors  []string
		existing []SignOff
		wantCode string
	}{
		{"independent reviewer", "rev", FunctionMedical, []string{"author", "uploader"}, nil, ""},
		{"author reviews own version", "author", FunctionMedical, []string{"author", "uploader"}, nil, EFORBIDDEN},
		{"uploader reviews", "uploader", FunctionLegal, []string{"author", "uploader"}, nil, EFORBIDDEN},
		{"second function by same person", "rev", FunctionLegal, nil, []SignOff{{"rev", FunctionMedical}}, EFORBIDDEN},
		{"same function again (e.g. after request for changes)", "rev", FunctionMedical, nil, []SignOff{{"rev", FunctionMedical}}, ""},
		{"others signed other functions", "rev", FunctionRegulatory, nil, []SignOff{{"a", FunctionMedical}, {"b", FunctionLegal}}, ""},
	} {
		if got := ErrorCode(CheckSegregation(tc.reviewer, tc.function, tc.authors, tc.existing)); got != tc.wantCode {
			t.Errorf("%s: code %q, want %q", tc.name, got, tc.wantCode)
		}
	}
}

func TestReviewerRole(t *testing.T) {
	for f, want := range map[string]Role{FunctionMedical: RoleMedicalReviewer, FunctionLegal: RoleLegalReviewer, FunctionRegulatory: RoleRegulatoryReviewer} {
		if got, ok := ReviewerRole(f); !ok || got != want {
			t.Errorf("ReviewerRole(%s) = %s, %v", f, got, ok)
		}
	}
	if _, ok := ReviewerRole("marketing"); ok {
		t.Error("unknown function accepted")
	}
}
