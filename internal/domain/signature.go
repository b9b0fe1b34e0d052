package domain

import (
	"encoding/json"
	"strings"
	"time"
)

// Signature is an electronic signature record (21 CFR 11.50): who signed,
// the printed name and meaning shown with the signature, the decision, when,
// and the SHA-256 of the content signed. The audit event written in the same
// transaction carries every field (see AuditDetails), so that the hash chain
// and its checkpoints also cover the signatures table: editing a printed
// name or a meaning there no longer goes unnoticed.
type Signature struct {
	ID            string    `json:"id"`
	UserID        string    `json:"user_id"`
	PrintedName   string    `json:"printed_name"`
	Function      string    `json:"function"`
	Meaning       string    `json:"meaning"`
	Decision      string    `json:"decision"`
	ObjectType    string    `json:"object_type"`
	ObjectID      string    `json:"object_id"`
	ContentSHA256 string    `json:"content_sha256"`
	SignedAt      time.Time `json:"signed_at"`
}

// AuditDetails returns the signature as the value of the "signature" key of
// its audit event's details.
func (s Signature) AuditDetails() map[string]any {
	return map[string]any{
		"id": s.ID, "user_id": s.UserID, "printed_name": s.PrintedName, "function": s.Function,
		"meaning": s.Meaning, "decision": s.Decision, "object_type": s.ObjectType, "object_id": s.ObjectID,
		"content_sha256": s.ContentSHA256, "signed_at": AuditTime(s.SignedAt).Format(time.RFC3339Nano),
	}
}

// signatureInEvent is a signature as an audit event records it. Events
// written before signatures were recorded in full carry only signature_id,
// printed_name and meaning at the top level; Complete is false for those.
type signatureInEvent struct {
	Signature
	Seq      int64
	Complete bool
}

// signatureFromEvent extracts the signature an event records, if any.
func signatureFromEvent(e AuditEvent) (signatureInEvent, bool) {
	if !strings.Contains(e.Details, `"signature_id"`) && !strings.Contains(e.Details, `"signature"`) {
		return signatureInEvent{}, false // cheap test first: most events sign nothing
	}
	var d struct {
		SignatureID string     `json:"signature_id"`
		PrintedName string     `json:"printed_name"`
		Meaning     string     `json:"meaning"`
		Signature   *Signature `json:"signature"`
	}
	if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
		return signatureInEvent{}, false
	}
	if d.Signature != nil && d.Signature.ID != "" {
		return signatureInEvent{Signature: *d.Signature, Seq: e.Seq, Complete: true}, true
	}
	if d.SignatureID == "" {
		return signatureInEvent{}, false
	}
	return signatureInEvent{
		Signature: Signature{ID: d.SignatureID, PrintedName: d.PrintedName, Meaning: d.Meaning, SignedAt: e.OccurredAt},
		Seq:       e.Seq,
	}, true
}

// differingFields names the fields in which a stored signature row differs
// from what its audit event recorded. For an event that recorded only part
// of the signature, only that part (and the time, which is the event's own)
// is compared.
func (ev signatureInEvent) differingFields(row Signature) []string {
	var out []string
	cmp := func(name, a, b string) {
		if a != b {
			out = append(out, name)
		}
	}
	cmp("printed_name", row.PrintedName, ev.PrintedName)
	cmp("meaning", row.Meaning, ev.Meaning)
	if !AuditTime(row.SignedAt).Equal(AuditTime(ev.SignedAt)) {
		out = append(out, "signed_at")
	}
	if ev.Complete {
		cmp("user_id", row.UserID, ev.UserID)
		cmp("function", row.Function, ev.Function)
		cmp("decision", row.Decision, ev.Decision)
		cmp("object_type", row.ObjectType, ev.ObjectType)
		cmp("object_id", row.ObjectID, ev.ObjectID)
		cmp("content_sha256", row.ContentSHA256, ev.ContentSHA256)
	}
	return out
}

// NewSignature is an electronic signature about to be recorded.
type NewSignature struct {
	UserID        string
	PrintedName   string
	Function      string
	Meaning       string
	Decision      string
	ObjectType    string
	ObjectID      string
	ContentSHA256 string
}
