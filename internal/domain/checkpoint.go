package domain

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// CheckpointFormat tags the encoding that a checkpoint's signature covers.
// A new encoding gets a new tag so that old checkpoints stay verifiable.
const CheckpointFormat = "fairshelf-checkpoint-v1"

// Checkpoint is a signed statement, kept outside the database, that the
// audit chain had reached event Seq with hash Hash at SignedAt. The database
// alone cannot anchor its own chain: whoever can edit rows can also move any
// head stored next to them. A checkpoint is signed with a key the database
// never sees and lives in the object store (under retention when the bucket
// has object lock), so cutting, rewriting, wiping or backdating the trail
// after a checkpoint contradicts a signature nobody but the server can make.
type Checkpoint struct {
	Format string `json:"format"`
	// KeyID names the public key that verifies Signature (see KeyID).
	KeyID string `json:"key_id"`
	// Instance is the server process that signed, for investigations.
	Instance string `json:"instance"`
	// Seq and Hash are the newest event covered: every event up to Seq.
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	// EventTime is the occurred_at of event Seq.
	EventTime time.Time `json:"event_time"`
	// SignedAt is when the server read the head and signed.
	SignedAt  time.Time `json:"signed_at"`
	Signature []byte    `json:"signature"`
	// Object is where the checkpoint was read from, for reports; it is not
	// part of what is signed.
	Object string `json:"-"`
}

// signedBytes is the canonical encoding the signature covers: every field
// but Signature, length-prefixed like the event hash, so that no two
// checkpoints share an encoding.
func (c Checkpoint) signedBytes() []byte {
	h := newFieldWriter()
	for _, s := range []string{CheckpointFormat, c.KeyID, c.Instance, strconv.FormatInt(c.Seq, 10), c.Hash,
		AuditTime(c.EventTime).Format(time.RFC3339Nano), AuditTime(c.SignedAt).Format(time.RFC3339Nano)} {
		h.field(s)
	}
	return h.buf
}

// Sign fills Format, KeyID and Signature with priv's signature.
func (c *Checkpoint) Sign(priv ed25519.PrivateKey) {
	c.Format = CheckpointFormat
	c.KeyID = KeyID(priv.Public().(ed25519.PublicKey))
	c.EventTime, c.SignedAt = AuditTime(c.EventTime), AuditTime(c.SignedAt)
	c.Signature = ed25519.Sign(priv, c.signedBytes())
}

// Errors of Checkpoint.Verify, so that a report can say which it was.
var (
	ErrCheckpointForeignKey = errors.New("checkpoint is signed by another key")
	ErrCheckpointSignature  = errors.New("checkpoint signature does not verify")
)

// Verify checks the checkpoint's signature with pub. A checkpoint whose key
// id names another key gives ErrCheckpointForeignKey, any other failure
// ErrCheckpointSignature.
func (c Checkpoint) Verify(pub ed25519.PublicKey) error {
	if c.KeyID != KeyID(pub) {
		return ErrCheckpointForeignKey
	}
	if c.Format != CheckpointFormat || !ed25519.Verify(pub, c.signedBytes(), c.Signature) {
		return ErrCheckpointSignature
	}
	return nil
}

// KeyID is a short, stable name of a public key: the first 16 hex digits of
// its SHA-256. It lets a verifier tell "signed by another key" from "forged".
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// SealKey derives, from the signing key, the key that seals each audit
// event as it is written. Sealing every event with a secret the database
// never holds is what exposes an event appended straight into the table
// after the newest checkpoint: its hash chains correctly, but only the
// server could have sealed it. A separate derived key keeps the seal (an
// HMAC, cheap enough for a 100,000-event sweep) from being an Ed25519
// signature oracle.
func SealKey(priv ed25519.PrivateKey) []byte {
	m := hmac.New(sha256.New, priv.Seed())
	m.Write([]byte("fairshelf-audit-seal-v1"))
	return m.Sum(nil)
}

// SealHash returns the seal of an event hash under key: hex HMAC-SHA256.
func SealHash(key []byte, eventHash string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(eventHash))
	return hex.EncodeToString(m.Sum(nil))
}

// fieldWriter builds length-prefixed encodings.
type fieldWriter struct{ buf []byte }

func newFieldWriter() *fieldWriter { return &fieldWriter{} }

func (w *fieldWriter) field(s string) {
	w.buf = strconv.AppendInt(w.buf, int64(len(s)), 10)
	w.buf = append(w.buf, ':')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\n')
}
