package domain

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is a Casbin role. Roles are held per brand (see RoleAssignment);
// admin and auditor are normally held for all brands.
type Role string

// The roles of PRODUCT.md.
const (
	RoleAdmin              Role = "admin"
	RoleMarketer           Role = "marketer"
	RoleMedicalReviewer    Role = "medical_reviewer"
	RoleLegalReviewer      Role = "legal_reviewer"
	RoleRegulatoryReviewer Role = "regulatory_reviewer"
	RoleRep                Role = "rep"
	RoleAuditor            Role = "auditor"
)

// Roles lists every role in a stable order, for forms and tests.
var Roles = []Role{RoleAdmin, RoleMarketer, RoleMedicalReviewer, RoleLegalReviewer, RoleRegulatoryReviewer, RoleRep, RoleAuditor}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// AllBrands is the brand of a role held for every brand, and the domain of
// actions that concern no single brand (user administration, the audit
// trail).
const AllBrands = "*"

// RoleAssignment grants Role for Brand (a brand code or AllBrands).
type RoleAssignment struct {
	Role  Role   `json:"role"`
	Brand string `json:"brand"`
}

// String renders the assignment as ROLE:BRAND, the form the CLI accepts.
func (a RoleAssignment) String() string { return string(a.Role) + ":" + a.Brand }

// ParseRoleAssignment parses ROLE or ROLE:BRAND; a bare ROLE means all
// brands.
func ParseRoleAssignment(s string) (RoleAssignment, error) {
	role, brand, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		brand = AllBrands
	}
	a := RoleAssignment{Role: Role(role), Brand: brand}
	if err := a.Validate(); err != nil {
		return RoleAssignment{}, err
	}
	return a, nil
}

// Validate checks the role name and the brand's form (not its existence).
func (a RoleAssignment) Validate() error {
	if !a.Role.Valid() {
		return Errorf(
			EINVALID,
			"Unknown role %q; roles are admin, marketer, medical_reviewer, legal_reviewer, regulatory_reviewer, rep, auditor.",
			a.Role,
		)
	}
	if a.Brand != AllBrands && !ValidBrandCode(a.Brand) {
		return Errorf(EINVALID, "Brand %q is not a brand code (2-32 capital letters, digits, - or _) or *.", a.Brand)
	}
	return nil
}

// ActionRolesRefused is the audit action of a refused change of role
// assignments; it is written after the refusal in its own transaction.
const ActionRolesRefused = "user.roles_refused"

// CheckRoleChange decides whether actorID may change targetID's role
// assignments from before to after. No one grants roles to themselves: an
// administrator who could make itself a reviewer could approve what it
// administers, so any assignment in after that is not in before is refused
// when actor and target are the same person (EFORBIDDEN). Dropping one's
// own roles, or saving them unchanged, is allowed.
func CheckRoleChange(actorID, targetID string, before, after []RoleAssignment) error {
	if actorID == "" || actorID != targetID {
		return nil
	}
	for _, a := range after {
		held := false
		for _, b := range before {
			held = held || a == b
		}
		if !held {
			return Errorf(EFORBIDDEN, "You may not grant roles to yourself (%s); another administrator must do it.", a)
		}
	}
	return nil
}

// PasswordSetByOther reports whether a password set by actorID for userID
// must be changed by its owner before they act again: whenever someone else
// set it, since whoever chose it knows it and could sign as its owner. The
// command line (no actor) sets passwords for operators at installation and
// counts as the owner's own choice.
func PasswordSetByOther(actorID, userID string) bool { return actorID != "" && actorID != userID }

// ErrPasswordChangeRequired answers every request, and refuses every
// signature, of a user whose password was set by someone else.
var ErrPasswordChangeRequired = Errorf(
	EPWCHANGE,
	"Your password was set by an administrator. Change it (PUT /api/v1/me/password, "+
		"or the Change password page) before doing anything else.",
)

// CheckSigner refuses a signature by a user who must first change a
// password someone else set (21 CFR 11.300: a signature must be its
// owner's alone).
func CheckSigner(passwordChangeRequired bool) error {
	if passwordChangeRequired {
		return ErrPasswordChangeRequired
	}
	return nil
}

// ValidBrandCode reports whether s has the form of a brand code, e.g. ZELTRA.
func ValidBrandCode(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

// User is a person who signs in. DisplayName is the printed name on
// electronic signatures.
type User struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	DisplayName string `json:"display_name"`
	Disabled    bool   `json:"disabled"`
	// PasswordChangeRequired is set when someone else (an administrator's
	// reset) chose the current password: until its owner changes it, they
	// may do nothing but change it or sign out, and sign nothing.
	PasswordChangeRequired bool             `json:"password_change_required"`
	Roles                  []RoleAssignment `json:"roles"`
	CreatedAt              time.Time        `json:"created_at"`
	UpdatedAt              time.Time        `json:"updated_at"`
}

// Subject is the user's Casbin subject.
func (u User) Subject() string { return "user:" + u.ID }

// HasRole reports whether u holds role for brand, directly or for all brands.
func (u User) HasRole(role Role, brand string) bool {
	for _, a := range u.Roles {
		if a.Role == role && (a.Brand == brand || a.Brand == AllBrands) {
			return true
		}
	}
	return false
}

// NormalizeEmail returns the form of an address used for uniqueness and
// look-up: trimmed and lower-cased, so that addresses differing only in case
// are one account.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// NewUser is the input for creating a user.
type NewUser struct {
	Email       string           `json:"email"`
	DisplayName string           `json:"display_name"`
	Password    string           `json:"password"`
	Roles       []RoleAssignment `json:"roles"`
}

// Validate checks every field and reports all problems at once.
func (n NewUser) Validate() error {
	var v Validation
	if addr, err := mail.ParseAddress(strings.TrimSpace(n.Email)); err != nil || addr.Address != strings.TrimSpace(n.Email) ||
		len(n.Email) > 254 {
		v.Add("email", "Enter an e-mail address such as name@example.com.")
	}
	name := strings.TrimSpace(n.DisplayName)
	v.Check(
		name != "" && utf8.RuneCountInString(name) <= 120 && !strings.ContainsFunc(name, isControl),
		"display_name",
		"Enter the full name to print on signatures (up to 120 characters).",
	)
	if err := CheckPassword(n.Password, n.Email, n.DisplayName); err != nil {
		v.Add("password", ErrorMessage(err))
	}
	for _, a := range n.Roles {
		if err := a.Validate(); err != nil {
			v.Add("roles", ErrorMessage(err))
		}
	}
	return v.Err()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// CheckPassword enforces the password policy: at least MinPasswordLength
// characters, at most 256 bytes (the hash input stays bounded), not a common
// password and not the user's own e-mail or name.
func CheckPassword(pw, email, name string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return Errorf(EINVALID, "Use at least %d characters.", MinPasswordLength)
	case len(pw) > 256:
		return Errorf(EINVALID, "Use at most 256 bytes.")
	case isCommonPassword(pw):
		return Errorf(EINVALID, "This password is too common; choose another.")
	}
	lower := strings.ToLower(pw)
	local, _, _ := strings.Cut(NormalizeEmail(email), "@")
	if (local != "" && strings.Contains(lower, local) && len(local) >= 4) ||
		(name != "" && strings.EqualFold(strings.ReplaceAll(pw, " ", ""), strings.ReplaceAll(name, " ", ""))) {
		return Errorf(EINVALID, "Do not use your e-mail address or name in your password.")
	}
	return nil
}

// commonPasswords are frequent passwords of 12 or more characters from
// public breach lists, and the product's own name; compared case-insensitively.
var commonPasswords = map[string]bool{
	"123456789012": true, "1234567890123": true, "12345678901234": true, "123456789123": true,
	"1q2w3e4r5t6y": true, "1qaz2wsx3edc": true, "qwertyuiop12": true, "qwertyuiop123": true,
	"qwerty123456": true, "qwertyuiopasdfgh": true, "qwertyuiopasdfghjkl": true, "asdfghjkl123": true,
	"password1234": true, "password12345": true, "password123456": true, "passwordpassword": true,
	"iloveyou1234": true, "abcdefghijkl": true, "abc123456789": true, "aaaaaaaaaaaa": true,
	"111111111111": true, "000000000000": true, "welcome12345": true, "welcome123456": true,
	"changeme1234": true, "letmein12345": true, "administrator": true, "administrator1": true,
	"admin1234567": true, "adminadmin123": true, "football1234": true, "baseball1234": true,
	"superman1234": true, "sunshine1234": true, "princess1234": true, "trustno1trustno1": true,
	"fairshelf123": true, "fairshelf1234": true, "zaq12wsxcde3": true,
	"p@ssw0rd1234": true, "p@ssword1234": true, "passw0rd1234": true, "correcthorsebatterystaple": true,
}

func isCommonPassword(pw string) bool {
	return commonPasswords[strings.ToLower(pw)]
}

// Grant is one stored role assignment: UserID holds Role for Brand (a brand
// code, or AllBrands for every brand).
type Grant struct {
	UserID string
	Role   Role
	Brand  string
}

// Credentials are what login needs of a user: who it is and the stored hash.
type Credentials struct {
	User         User
	PasswordHash string
}

// UserUpdate is a partial update of a user; nil fields are left alone.
type UserUpdate struct {
	DisplayName  *string
	Disabled     *bool
	PasswordHash *string
}
