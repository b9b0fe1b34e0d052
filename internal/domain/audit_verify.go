package domain

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"sort"
	"time"
)

// AuditClockSkew is how far event times may run against sequence order
// without being called backdated. An event is dated when it joins the chain,
// under the lock that orders the chain, so one instance's events never run
// backwards; instances sharing a database may differ by their clocks'
// difference, which NTP keeps far below a minute.
const AuditClockSkew = time.Minute

// maxFindings bounds a report: one rewrite can touch every later event, and
// an auditor needs the first ones and the count, not a million lines.
const maxFindings = 100

// What a verification can find. Each names a kind of tampering (or a broken
// anchor) in the words an auditor would use.
const (
	FindingDeleted   = "deleted"   // events missing from the middle
	FindingReordered = "reordered" // an event moved to another position
	FindingAltered   = "altered"   // an event's content no longer matches its hash
	FindingRewritten = "rewritten" // events re-hashed after an edit: contradicts a checkpoint or a seal
	FindingTruncated = "truncated" // events cut off the end that a checkpoint covered
	FindingWiped     = "wiped"     // the whole trail is gone though checkpoints cover it
	FindingForged    = "forged"    // an event the server did not write (no valid seal)
	// FindingBackdated: an event dated before earlier events or before a checkpoint that did not cover it.
	FindingBackdated             = "backdated"
	FindingBadCheckpoint         = "bad_checkpoint_signature" // a checkpoint whose signature does not verify
	FindingForeignCheckpoint     = "checkpoint_foreign_key"   // a checkpoint signed by another key
	FindingUnreadableCheckpoint  = "checkpoint_unreadable"    // a checkpoint object that cannot be read or parsed
	FindingSignatureMismatch     = "signature_mismatch"       // a signatures row differs from its audit event
	FindingSignatureWithoutEvent = "signature_without_event"  // a signatures row no audit event records
	FindingEventWithoutSignature = "event_without_signature"  // an audit event whose signatures row is gone
)

// AuditFinding is one problem a verification found.
type AuditFinding struct {
	Kind string `json:"kind"`
	// Seq is the event concerned, 0 when none is.
	Seq int64 `json:"seq,omitempty"`
	// Checkpoint is the object of the checkpoint concerned, if any.
	Checkpoint string `json:"checkpoint,omitempty"`
	// SignatureID is the signature concerned, if any.
	SignatureID string `json:"signature_id,omitempty"`
	Message     string `json:"message"`
}

// ChainBreak describes the first problem of an audit trail; it is the first
// finding, kept for clients of the original report.
type ChainBreak struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// ChainReport is the outcome of verifying an audit trail against its
// checkpoints and the signatures table.
type ChainReport struct {
	OK       bool        `json:"ok"`
	Checked  int64       `json:"checked"`
	LastSeq  int64       `json:"last_seq"`
	LastHash string      `json:"last_hash"`
	Broken   *ChainBreak `json:"broken,omitempty"`

	// Findings lists the problems found, at most 100 (FindingCount says
	// how many there were); empty when OK.
	Findings     []AuditFinding `json:"findings"`
	FindingCount int            `json:"finding_count"`
	// KeyID names the public key checkpoints were verified with; "" when
	// no key was given and checkpoints were not checked.
	KeyID string `json:"key_id,omitempty"`
	// Checkpoints is how many validly signed checkpoints were compared,
	// and AnchoredSeq and AnchoredAt the newest event and time one covers.
	Checkpoints int        `json:"checkpoints"`
	AnchoredSeq int64      `json:"anchored_seq"`
	AnchoredAt  *time.Time `json:"anchored_at,omitempty"`
	// SealsChecked says whether every event's seal was checked (the
	// verifier held the signing key).
	SealsChecked bool `json:"seals_checked"`
	// Signatures is how many signatures rows were compared with events.
	Signatures int64 `json:"signatures"`
}

// AuditAnchors is what an audit trail is verified against besides itself.
type AuditAnchors struct {
	// PublicKey verifies the checkpoints; nil skips them.
	PublicKey ed25519.PublicKey
	// Checkpoints as read from outside the database, in any order.
	Checkpoints []Checkpoint
	// Problems met while reading checkpoints (unreadable objects).
	Problems []AuditFinding
	// SealKey checks every event's seal (see SealKey); nil skips seals.
	SealKey []byte
}

// AuditVerifier checks audit events one at a time in sequence order, then
// signatures rows, then finishes with the checkpoints; memory stays flat in
// the number of events (it grows with checkpoints and signatures).
type AuditVerifier struct {
	report  ChainReport
	anchors AuditAnchors
	cps     []Checkpoint // valid, by seq
	next    int          // first checkpoint not yet reached
	// signedBefore is the latest-signed checkpoint among those reached: at
	// its signing time no later event existed yet.
	signedBefore *Checkpoint
	lastSeq      int64
	lastHash     string
	lastTime     time.Time
	sealed       bool // an event with a seal has been seen
	sigs         map[string]*signatureInEvent
	matched      map[string]bool
}

// NewAuditVerifier checks the anchors' checkpoints and starts at the genesis
// of the chain.
func NewAuditVerifier(a AuditAnchors) *AuditVerifier {
	v := &AuditVerifier{anchors: a, lastHash: GenesisHash, sigs: map[string]*signatureInEvent{}, matched: map[string]bool{}}
	v.report.SealsChecked = a.SealKey != nil
	for _, p := range a.Problems {
		v.add(p)
	}
	if a.PublicKey != nil {
		v.report.KeyID = KeyID(a.PublicKey)
		for _, c := range a.Checkpoints {
			switch err := c.Verify(a.PublicKey); {
			case errors.Is(err, ErrCheckpointForeignKey):
				v.add(
					AuditFinding{
						Kind:       FindingForeignCheckpoint,
						Checkpoint: c.Object,
						Message:    fmt.Sprintf("checkpoint %s is signed by key %s, not by %s", c.Object, c.KeyID, v.report.KeyID),
					},
				)
			case err != nil:
				v.add(
					AuditFinding{
						Kind:       FindingBadCheckpoint,
						Checkpoint: c.Object,
						Message: fmt.Sprintf(
							"checkpoint %s (event %d) has a signature that does not verify: it was altered or forged",
							c.Object,
							c.Seq,
						),
					},
				)
			default:
				v.cps = append(v.cps, c)
			}
		}
	}
	sort.SliceStable(v.cps, func(i, j int) bool { return v.cps[i].Seq < v.cps[j].Seq })
	v.report.Checkpoints = len(v.cps)
	for _, c := range v.cps {
		if c.Seq >= v.report.AnchoredSeq {
			at := c.SignedAt
			v.report.AnchoredSeq, v.report.AnchoredAt = c.Seq, &at
		}
	}
	return v
}

func (v *AuditVerifier) add(f AuditFinding) {
	v.report.FindingCount++
	if len(v.report.Findings) < maxFindings {
		v.report.Findings = append(v.report.Findings, f)
	}
}

// Next checks e, the next stored event in sequence order. Unlike a plain
// chain check it carries on after a break, re-linking at e, so that one
// report names every kind of problem present.
func (v *AuditVerifier) Next(e AuditEvent) {
	switch {
	case e.Seq != v.lastSeq+1:
		v.add(
			AuditFinding{
				Kind:    FindingDeleted,
				Seq:     v.lastSeq + 1,
				Message: fmt.Sprintf("events %d to %d are missing (removed from the trail)", v.lastSeq+1, e.Seq-1),
			},
		)
	case e.ComputeHash() != e.Hash:
		// Looking for where an event came from costs a few dozen hashes;
		// once the report is full, the count is all that is still kept.
		if from, ok := v.movedFrom(e); ok {
			v.add(
				AuditFinding{
					Kind:    FindingReordered,
					Seq:     e.Seq,
					Message: fmt.Sprintf("event stored as %d was written as event %d (events reordered)", e.Seq, from),
				},
			)
		} else {
			v.add(AuditFinding{Kind: FindingAltered, Seq: e.Seq,
				Message: fmt.Sprintf("event %d no longer matches its hash (event altered)", e.Seq)})
		}
	case e.PrevHash != v.lastHash:
		v.add(
			AuditFinding{
				Kind: FindingRewritten,
				Seq:  e.Seq,
				Message: fmt.Sprintf(
					"event %d does not link to the event before it (an earlier event was altered and re-hashed, "+
						"or events were removed or inserted)",
					e.Seq,
				),
			},
		)
	}
	v.passCheckpoints(e.Seq - 1) // those that do not cover e bound its time
	v.checkTime(e)
	v.checkCheckpoints(e)
	v.checkSeal(e)
	if s, ok := signatureFromEvent(e); ok {
		if prev, dup := v.sigs[s.ID]; dup {
			v.add(
				AuditFinding{
					Kind:        FindingSignatureMismatch,
					Seq:         e.Seq,
					SignatureID: s.ID,
					Message:     fmt.Sprintf("signature %s is recorded by events %d and %d", s.ID, prev.Seq, e.Seq),
				},
			)
		}
		v.sigs[s.ID] = &s
	}
	v.report.Checked++
	v.lastSeq, v.lastHash, v.lastTime = e.Seq, e.Hash, e.OccurredAt
}

// movedFrom reports whether e's stored hash is the hash of the same event at
// a nearby position: the trace of rows whose seq was swapped.
func (v *AuditVerifier) movedFrom(e AuditEvent) (int64, bool) {
	if v.report.FindingCount >= maxFindings {
		return 0, false
	}
	for d := int64(1); d <= 16; d++ {
		for _, s := range []int64{e.Seq + d, e.Seq - d} {
			if s < 1 {
				continue
			}
			m := e
			m.Seq = s
			if m.ComputeHash() == e.Hash {
				return s, true
			}
		}
	}
	return 0, false
}

// checkTime flags an event dated well before the event before it, or before
// a checkpoint that was signed without it: both mean it was written later
// than it claims.
func (v *AuditVerifier) checkTime(e AuditEvent) {
	if !v.lastTime.IsZero() && e.OccurredAt.Before(v.lastTime.Add(-AuditClockSkew)) {
		v.add(
			AuditFinding{
				Kind: FindingBackdated,
				Seq:  e.Seq,
				Message: fmt.Sprintf("event %d is dated %s, before event %d at %s (out of order: backdated)",
					e.Seq, e.OccurredAt.UTC().Format(time.RFC3339), v.lastSeq, v.lastTime.UTC().Format(time.RFC3339)),
			},
		)
		return
	}
	// The latest checkpoint signed without e: e did not exist when it was
	// signed, so e cannot have happened well before that.
	if c := v.signedBefore; c != nil && e.OccurredAt.Before(c.SignedAt.Add(-AuditClockSkew)) {
		v.add(
			AuditFinding{
				Kind:       FindingBackdated,
				Seq:        e.Seq,
				Checkpoint: c.Object,
				Message: fmt.Sprintf("event %d is dated %s, but checkpoint %s signed at %s covered only events up to %d (backdated)",
					e.Seq, e.OccurredAt.UTC().Format(time.RFC3339), c.Object, c.SignedAt.UTC().Format(time.RFC3339), c.Seq),
			},
		)
	}
}

// passCheckpoints moves past the checkpoints of events up to seq,
// remembering the latest-signed. (A checkpoint passed here without being
// compared names an event that is missing; Next reports the gap.)
func (v *AuditVerifier) passCheckpoints(seq int64) {
	for v.next < len(v.cps) && v.cps[v.next].Seq <= seq {
		v.pass()
	}
}

// pass moves past the next checkpoint.
func (v *AuditVerifier) pass() {
	c := &v.cps[v.next]
	v.next++
	if v.signedBefore == nil || c.SignedAt.After(v.signedBefore.SignedAt) {
		v.signedBefore = c
	}
}

// checkCheckpoints compares e with every checkpoint that names its seq.
func (v *AuditVerifier) checkCheckpoints(e AuditEvent) {
	for v.next < len(v.cps) && v.cps[v.next].Seq == e.Seq {
		c := v.cps[v.next]
		v.pass()
		if c.Hash != e.Hash {
			v.add(
				AuditFinding{
					Kind:       FindingRewritten,
					Seq:        e.Seq,
					Checkpoint: c.Object,
					Message: fmt.Sprintf(
						"checkpoint %s signed at %s recorded event %d with hash %s, the trail has %s (events up to %d were rewritten)",
						c.Object,
						c.SignedAt.UTC().Format(time.RFC3339),
						c.Seq,
						c.Hash,
						e.Hash,
						e.Seq,
					),
				},
			)
		}
	}
}

// checkSeal checks e's seal. Events from before sealing existed carry none;
// they are accepted while no sealed event has been seen and a checkpoint
// covers them. A missing or wrong seal on an event no checkpoint covers
// means the server never wrote it (forged); under a checkpoint it means the
// event was rewritten.
func (v *AuditVerifier) checkSeal(e AuditEvent) {
	if v.anchors.SealKey == nil {
		return
	}
	if e.Seal == "" && !v.sealed && e.Seq <= v.report.AnchoredSeq {
		return
	}
	if e.Seal != "" && e.Seal == SealHash(v.anchors.SealKey, e.Hash) {
		v.sealed = true
		return
	}
	if e.Seq > v.report.AnchoredSeq {
		v.add(
			AuditFinding{
				Kind: FindingForged,
				Seq:  e.Seq,
				Message: fmt.Sprintf(
					"event %d carries no valid seal of this server's key: it was not written by Fairshelf (forged)",
					e.Seq,
				),
			},
		)
	} else {
		v.add(AuditFinding{Kind: FindingRewritten, Seq: e.Seq,
			Message: fmt.Sprintf("event %d carries no valid seal of this server's key (rewritten)", e.Seq)})
	}
}

// Signature compares one stored signatures row with the event that
// recorded it.
func (v *AuditVerifier) Signature(row Signature) {
	v.report.Signatures++
	ev, ok := v.sigs[row.ID]
	if !ok {
		v.add(
			AuditFinding{
				Kind:        FindingSignatureWithoutEvent,
				SignatureID: row.ID,
				Message: fmt.Sprintf(
					"signature %s by %q is recorded by no audit event (inserted behind the application's back)",
					row.ID,
					row.PrintedName,
				),
			},
		)
		return
	}
	v.matched[row.ID] = true
	if diff := ev.differingFields(row); len(diff) > 0 {
		v.add(
			AuditFinding{
				Kind:        FindingSignatureMismatch,
				Seq:         ev.Seq,
				SignatureID: row.ID,
				Message:     fmt.Sprintf("signature %s differs from audit event %d in %v (signature record edited)", row.ID, ev.Seq, diff),
			},
		)
	}
}

// Finish reports events whose signature rows are gone and checkpoints beyond
// the end of the trail, and returns the report.
func (v *AuditVerifier) Finish() ChainReport {
	var missing []*signatureInEvent
	for id, ev := range v.sigs {
		if !v.matched[id] {
			missing = append(missing, ev)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].Seq < missing[j].Seq })
	for _, ev := range missing {
		v.add(
			AuditFinding{
				Kind:        FindingEventWithoutSignature,
				Seq:         ev.Seq,
				SignatureID: ev.ID,
				Message: fmt.Sprintf(
					"audit event %d records signature %s, which is not in the signatures table (deleted)",
					ev.Seq,
					ev.ID,
				),
			},
		)
	}
	if n := len(v.cps); n > 0 && v.cps[n-1].Seq > v.lastSeq {
		c := v.cps[n-1]
		if v.lastSeq == 0 {
			v.add(
				AuditFinding{
					Kind:       FindingWiped,
					Seq:        1,
					Checkpoint: c.Object,
					Message: fmt.Sprintf(
						"the trail is empty, but checkpoint %s signed at %s covers %d events (trail wiped)",
						c.Object,
						c.SignedAt.UTC().Format(time.RFC3339),
						c.Seq,
					),
				},
			)
		} else {
			v.add(AuditFinding{Kind: FindingTruncated, Seq: v.lastSeq + 1, Checkpoint: c.Object,
				Message: fmt.Sprintf("the trail ends at event %d, "+
					"but checkpoint %s signed at %s covers events up to %d (events removed from the end)", v.lastSeq, c.Object,
					c.SignedAt.UTC().Format(time.RFC3339), c.Seq)})
		}
	}
	r := v.report
	r.LastSeq, r.LastHash = v.lastSeq, v.lastHash
	r.OK = r.FindingCount == 0
	if r.Findings == nil {
		r.Findings = []AuditFinding{}
	}
	if !r.OK {
		first := r.Findings[0]
		for _, f := range r.Findings { // the earliest event is where to start investigating
			if f.Seq > 0 && (first.Seq == 0 || f.Seq < first.Seq) {
				first = f
			}
		}
		r.Broken = &ChainBreak{Seq: first.Seq, Reason: first.Kind + ": " + first.Message}
	}
	return r
}
