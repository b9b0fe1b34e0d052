package domain

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Audit actions of password guessing: a throttled sign-in or signature
// attempt is recorded as a running count (see ThrottleAuditDue), never one
// event per attempt.
const (
	ActionLoginThrottled     = "auth.login_throttled"
	ActionSignatureThrottled = "signature.throttled"
	// ActionThrottleSummary records the exact counts of throttled attempts
	// when their windows are purged.
	ActionThrottleSummary = "auth.throttle_summary"
)

// ThrottleLimits are how many failed password checks an account and a
// client address may have in the throttling window. Failed sign-ins, failed
// e-signatures and failed password changes all count, so that a stolen
// token does not give an unthrottled way to test passwords.
type ThrottleLimits struct {
	PerAccount int
	PerAddress int
}

// Throttled decides whether another password check is refused, given the
// failures (and checks in flight) already counted for the account and the
// address. It names the key that is over its limit: "account", "address"
// or "" when the check may go ahead.
func (l ThrottleLimits) Throttled(byAccount, byAddress int64) string {
	switch {
	case byAccount >= int64(l.PerAccount):
		return "account"
	case byAddress >= int64(l.PerAddress):
		return "address"
	}
	return ""
}

// ThrottleAuditDue reports whether the n-th throttled attempt of one key in
// one window is written to the audit trail: the 1st, 10th, 100th, ... so
// that a flood of attempts costs a handful of events, each carrying the
// count so far, and the trail still shows the attack and its size.
func ThrottleAuditDue(n int64) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}

// MaxUntrustedText is the most of an unauthenticated caller's input (an
// e-mail typed at sign-in, a user agent) kept in the audit trail and in
// throttling keys. The trail is append-only: whatever is written stays, so
// its size must not be the attacker's choice.
const MaxUntrustedText = 256

// ClipUntrusted returns s cut to at most MaxUntrustedText bytes on a rune
// boundary, with a marker saying how much was dropped.
func ClipUntrusted(s string) string {
	if len(s) <= MaxUntrustedText {
		return s
	}
	n := MaxUntrustedText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + fmt.Sprintf("…[%d bytes truncated]", len(s)-n)
}

// ThrottleKey is the key of the account an e-mail names, as counted for
// throttling: normalized, and clipped, since no account has an address
// longer than 254 characters.
func ThrottleKey(email string) string {
	k := NormalizeEmail(email)
	if len(k) > MaxUntrustedText {
		k = strings.ToValidUTF8(k[:MaxUntrustedText], "")
	}
	return k
}
