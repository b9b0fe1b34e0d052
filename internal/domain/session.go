package domain

import "time"

// Session is a signed-in browser or API client. Only the hash of its secret
// token is stored, so a copy of the database cannot be used to sign in.
type Session struct {
	TokenHash  string
	UserID     string
	Kind       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// GrantsVersion is the role assignments' version, read by SessionUser
	// in the same statement (see GrantsVersion).
	GrantsVersion int64
}

// LoginOutcome records one sign-in attempt: the attempt row used for
// throttling, its audit event and, on success, the new session, all in one
// transaction.
type LoginOutcome struct {
	Email     string
	ClientIP  string
	UserAgent string
	User      *User // nil when the e-mail matched no user
	Succeeded bool
	Reason    string   // why it failed: bad_credentials, disabled, throttled
	Session   *Session // the session to create on success
	RequestID string
	// AttemptID is the reservation of BeginPasswordCheck; 0 records a new
	// attempt row instead.
	AttemptID int64
}

// PasswordCheck asks to check a password for an account, from a client
// address: at sign-in, for an e-signature or before a password change.
type PasswordCheck struct {
	Email    string
	ClientIP string
	Window   time.Duration
	Limits   ThrottleLimits
	// Signature marks the re-entry of a signed-in user's password; a
	// throttled one is audited as a signature failure (21 CFR 11.300(d)).
	Signature bool
	Actor     Actor
}
