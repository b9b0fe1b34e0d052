package domain

import (
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                  false,
		"elevenchars":            false,
		"twelve chars":           true,
		"Password1234":           false, // common, any case
		"qwertyuiop123":          false,
		"mira.marketer-secret":   false, // contains the e-mail's local part
		"a sound password":       true,
		strings.Repeat("é", 12):  true, // counted in characters, not bytes
		strings.Repeat("x", 300): false,
		"fairshelf-demo":         true, // the documented demo password stays usable
	} {
		err := CheckPassword(pw, "mira.marketer@example.com", "Mira Marketer")
		if (err == nil) != ok {
			t.Errorf("CheckPassword(%q) = %v, want ok=%v", pw, err, ok)
		}
	}
}

func TestParseRoleAssignment(t *testing.T) {
	for in, want := range map[string]RoleAssignment{
		"admin":           {RoleAdmin, AllBrands},
		"marketer:ZELTRA": {RoleMarketer, "ZELTRA"},
		"rep:*":           {RoleRep, AllBrands},
	} {
		got, err := ParseRoleAssignment(in)
		if err != nil || got != want {
			t.Errorf("ParseRoleAssignment(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "boss", "rep:zeltra", "rep:", "rep:A", "marketer:ZEL TRA"} {
		if _, err := ParseRoleAssignment(in); ErrorCode(err) != EINVALID {
			t.Errorf("ParseRoleAssignment(%q) err = %v, want invalid", in, err)
		}
	}
}

func TestNewUserValidateReportsAllFields(t *testing.T) {
	err := NewUser{Email: "nope", DisplayName: " ", Password: "x", Roles: []RoleAssignment{{Role: "boss", Brand: "*"}}}.Validate()
	f := ErrorFields(err)
	for _, k := range []string{"email", "display_name", "password", "roles"} {
		if f[k] == "" {
			t.Errorf("no message for %s: %v", k, f)
		}
	}
	if err := (NewUser{Email: "Ok@Example.com", DisplayName: "Ok Person", Password: "a sound password"}).Validate(); err != nil {
		t.Errorf("valid user rejected: %v", err)
	}
}

func TestUserHasRole(t *testing.T) {
	u := User{Roles: []RoleAssignment{{RoleMarketer, "ZELTRA"}, {RoleAuditor, AllBrands}}}
	if !u.HasRole(RoleMarketer, "ZELTRA") || u.HasRole(RoleMarketer, "OTHER") || !u.HasRole(RoleAuditor, "OTHER") {
		t.Fatal("HasRole wrong")
	}
}

func TestCheckRoleChange(t *testing.T) {
	admin := []RoleAssignment{{RoleAdmin, AllBrands}}
	withReviewer := []RoleAssignment{{RoleAdmin, AllBrands}, {RoleMedicalReviewer, "ZELTRA"}}
	for _, tc := range []struct {
		name          string
		actor, target string
		before, after []RoleAssignment
		wantCode      string
	}{
		{"admin grants another user", "a", "b", nil, withReviewer, ""},
		{"admin grants itself a reviewer role", "a", "a", admin, withReviewer, EFORBIDDEN},
		{"admin grants itself a brand-wide copy", "a", "a", withReviewer,
			append(withReviewer, RoleAssignment{RoleMedicalReviewer, AllBrands}), EFORBIDDEN},
		{"admin saves its own roles unchanged", "a", "a", withReviewer, withReviewer, ""},
		{"admin drops its own reviewer role", "a", "a", withReviewer, admin, ""},
		{"system (command line) grants", "", "a", nil, withReviewer, ""},
	} {
		if got := ErrorCode(CheckRoleChange(tc.actor, tc.target, tc.before, tc.after)); got != tc.wantCode {
			t.Errorf("%s: code %q, want %q", tc.name, got, tc.wantCode)
		}
	}
}

func TestPasswordSetByOther(t *testing.T) {
	if !PasswordSetByOther("admin", "rev") || PasswordSetByOther("rev", "rev") || PasswordSetByOther("", "rev") {
		t.Fatal("wrong answer")
	}
	if ErrorCode(CheckSigner(true)) != EPWCHANGE || CheckSigner(false) != nil {
		t.Fatal("CheckSigner")
	}
}
