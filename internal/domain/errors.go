// Package domain holds Fairshelf's types, rules and error vocabulary. It is
// the centre of the application: it imports no web framework, database or
// object-store library, so every adapter (store, blob, authz, server, jobs)
// speaks to the others in these terms.
package domain

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. Each maps to exactly one HTTP status in the server's error
// handler; the domain never chooses status codes itself.
const (
	EINVALID     = "invalid"                  // input failed validation (422)
	EBADREQUEST  = "bad_request"              // the request could not be parsed (400)
	EUNAUTH      = "unauthorized"             // no or bad credentials (401)
	EFORBIDDEN   = "forbidden"                // authenticated but not allowed (403)
	EPWCHANGE    = "password_change_required" // must change a password set by someone else first (403)
	ENOTFOUND    = "not_found"                // unknown or not visible (404)
	ECONFLICT    = "conflict"                 // illegal transition or lost race (409)
	EGONE        = "gone"                     // expired or withdrawn content (410)
	ETOOLARGE    = "too_large"                // body or file over a limit (413)
	EUNSUPPORTED = "unsupported_media_type"   // file type not on the allow-list (415)
	ERANGE       = "range_not_satisfiable"    // a byte range outside the file (416)
	ETOOMANY     = "too_many_requests"        // throttled (429)
	EUNAVAILABLE = "unavailable"              // a dependency is down; retry later (503)
	EINTEGRITY   = "integrity_failure"        // stored content no longer matches its recorded hashes (503)
	EINTERNAL    = "internal"                 // a bug or unexpected failure (500)
)

// Error is an error that Fairshelf reports to its users. Code is machine
// readable, Message is safe to show to the client and Fields carries per-field
// validation messages for forms and 422 answers. Errors that are not *Error
// are internal: their text is logged but never shown.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of the first *Error in err's
// chain, or a generic text for internal errors so that their details never
// reach a client.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// ErrorFields returns the per-field messages of the first *Error in err's
// chain, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Validation collects field messages and turns them into one EINVALID error,
// so that a form or API client learns about every bad field at once.
type Validation struct {
	fields map[string]string
}

// Add records msg for field unless the field already has a message.
func (v *Validation) Add(field, msg string) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, ok := v.fields[field]; !ok {
		v.fields[field] = msg
	}
}

// Check records msg for field when ok is false.
func (v *Validation) Check(ok bool, field, msg string) {
	if !ok {
		v.Add(field, msg)
	}
}

// Err returns nil when no field failed, else an EINVALID *Error listing them.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Some fields are not valid.", Fields: v.fields}
}
