package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"time"
)

// GenesisHash is the previous-hash of the first audit event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditEvent is one append-only record of a change, sign-off, download or
// login. Events form a hash chain: Hash covers every field but Seal, including
// PrevHash, the Hash of the event before it, so that editing, deleting or
// reordering any stored event is detectable by AuditVerifier; cutting events
// off the end or rewriting the whole chain is detectable against the signed
// checkpoints (see Checkpoint).
type AuditEvent struct {
	Seq        int64     `json:"seq"`
	OccurredAt time.Time `json:"occurred_at"`
	ActorID    string    `json:"actor_id"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Brand      string    `json:"brand"`
	Details    string    `json:"details"` // canonical JSON object
	RequestID  string    `json:"request_id"`
	ClientIP   string    `json:"client_ip"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
	// Seal is the server's HMAC of Hash (see SealHash); "" for events
	// written before sealing existed. It is not part of the hash, and not
	// shown to clients: it proves only to the holder of the key.
	Seal string `json:"-"`
}

// AuditEntry is what a caller states about an action; the store adds the
// sequence number, time and chain hashes when it appends the event.
type AuditEntry struct {
	Actor      Actor
	Action     string
	ObjectType string
	ObjectID   string
	Brand      string
	Details    map[string]any
}

// Actor identifies who did something and from where. The zero Actor is the
// system itself (background jobs, start-up).
type Actor struct {
	UserID    string
	Name      string
	RequestID string
	ClientIP  string
}

// SystemActor is the actor recorded for actions taken by Fairshelf itself.
var SystemActor = Actor{Name: "system"}

// CanonicalDetails encodes details as JSON with sorted keys, the form that is
// stored and hashed. A nil map encodes as {}.
func CanonicalDetails(details map[string]any) (string, error) {
	if details == nil {
		return "{}", nil
	}
	b, err := json.Marshal(details) // encoding/json sorts map keys
	if err != nil {
		return "", fmt.Errorf("domain: audit details: %w", err)
	}
	return string(b), nil
}

// AuditTime normalises t to what every database stores losslessly: UTC with
// microsecond precision. Hashes are computed over this form.
func AuditTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// ComputeHash returns the hex SHA-256 of the event's canonical encoding:
// a version tag, then every field except Hash as a length-prefixed string.
// Length prefixes make the encoding unambiguous whatever the fields contain.
func (e AuditEvent) ComputeHash() string {
	h := sha256.New()
	field := func(h hash.Hash, s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
		h.Write([]byte{'\n'})
	}
	field(h, "fairshelf-audit-v1")
	field(h, strconv.FormatInt(e.Seq, 10))
	field(h, AuditTime(e.OccurredAt).Format(time.RFC3339Nano))
	for _, s := range []string{e.ActorID, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Brand, e.Details, e.RequestID, e.ClientIP,
		e.PrevHash} {
		field(h, s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AuditFilter selects audit events for listing.
type AuditFilter struct {
	ObjectType, ObjectID, ActorID, Action string
	AssetID                               string    // the asset and every version of it
	From, To                              time.Time // To is exclusive; zero means open
	AfterSeq                              int64     // keyset cursor
	Limit                                 int
}
