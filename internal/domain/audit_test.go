package domain

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestComputeHashCoversEveryField(t *testing.T) {
	base := AuditEvent{Seq: 1, OccurredAt: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), ActorID: "u", Actor: "n", Action: "a",
		ObjectType: "t", ObjectID: "o", Brand: "B", Details: "{}", RequestID: "r", ClientIP: "ip", PrevHash: GenesisHash}
	h := base.ComputeHash()
	mutations := []func(e *AuditEvent){
		func(e *AuditEvent) { e.Seq = 2 },
		func(e *AuditEvent) { e.OccurredAt = e.OccurredAt.Add(time.Microsecond) },
		func(e *AuditEvent) { e.ActorID = "v" },
		func(e *AuditEvent) { e.Actor = "m" },
		func(e *AuditEvent) { e.Action = "b" },
		func(e *AuditEvent) { e.ObjectType = "u" },
		func(e *AuditEvent) { e.ObjectID = "p" },
		func(e *AuditEvent) { e.Brand = "C" },
		func(e *AuditEvent) { e.Details = `{"x":1}` },
		func(e *AuditEvent) { e.RequestID = "s" },
		func(e *AuditEvent) { e.ClientIP = "ip2" },
		func(e *AuditEvent) { e.PrevHash = "1" + GenesisHash[1:] },
		// Moving a character between adjacent fields must change the hash.
		func(e *AuditEvent) { e.Actor, e.Action = "na", "" },
	}
	for i, m := range mutations {
		e := base
		m(&e)
		if e.ComputeHash() == h {
			t.Errorf("mutation %d does not change the hash", i)
		}
	}
	// Sub-microsecond differences are below what databases store.
	e := base
	e.OccurredAt = e.OccurredAt.Add(100 * time.Nanosecond)
	if e.ComputeHash() != h {
		t.Error("hash depends on nanoseconds the database cannot keep")
	}
}

func chain(n int, start time.Time, key []byte) []AuditEvent {
	var evs []AuditEvent
	prev := GenesisHash
	for i := int64(1); i <= int64(n); i++ {
		e := AuditEvent{Seq: i, OccurredAt: start.Add(time.Duration(i) * time.Second), Action: "x", Details: "{}", PrevHash: prev}
		e.Hash = e.ComputeHash()
		e.Seal = SealHash(key, e.Hash)
		prev = e.Hash
		evs = append(evs, e)
	}
	return evs
}

func run(a AuditAnchors, evs []AuditEvent, sigs ...Signature) ChainReport {
	v := NewAuditVerifier(a)
	for _, e := range evs {
		v.Next(e)
	}
	for _, s := range sigs {
		v.Signature(s)
	}
	return v.Finish()
}

func hasKind(r ChainReport, kind string, seq int64) bool {
	for _, f := range r.Findings {
		if f.Kind == kind && (seq == 0 || f.Seq == seq) {
			return true
		}
	}
	return false
}

func TestAuditVerifier(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	pub := priv.Public().(ed25519.PublicKey)
	seal := SealKey(priv)
	t0 := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	evs := chain(5, t0, seal)
	cp := Checkpoint{Seq: 3, Hash: evs[2].Hash, EventTime: evs[2].OccurredAt, SignedAt: evs[2].OccurredAt.Add(time.Second)}
	cp.Sign(priv)
	anchors := AuditAnchors{PublicKey: pub, Checkpoints: []Checkpoint{cp}, SealKey: seal}

	if r := run(anchors, evs); !r.OK || r.Checked != 5 || r.AnchoredSeq != 3 || r.Checkpoints != 1 || r.Broken != nil {
		t.Fatalf("intact trail: %+v", r)
	}
	// Cut after the checkpoint's event: truncated; cut everything: wiped.
	if r := run(anchors, evs[:2]); !hasKind(r, FindingTruncated, 3) {
		t.Errorf("truncation: %+v", r.Findings)
	}
	if r := run(anchors, nil); !hasKind(r, FindingWiped, 1) {
		t.Errorf("wipe: %+v", r.Findings)
	}
	// A gap, then the chain goes on: reported once, the rest still checked.
	if r := run(anchors, append(slices.Clone(evs[:1]), evs[2:]...)); !hasKind(r, FindingDeleted, 2) || r.Broken.Seq != 2 {
		t.Errorf("gap: %+v", r.Findings)
	}
	// Out-of-order time beyond the allowed skew: backdated.
	late := chain(5, t0, seal)
	late[3].OccurredAt = t0.Add(-time.Hour)
	late[3].Hash = late[3].ComputeHash()
	if r := run(AuditAnchors{SealKey: nil}, relink(late, seal)); !hasKind(r, FindingBackdated, 4) {
		t.Errorf("out of order: %+v", r.Findings)
	}
	// Dated before a checkpoint that did not include it: backdated, even
	// though it is in order with the event before it.
	early := chain(5, t0, seal)
	early[3].OccurredAt = cp.SignedAt.Add(-AuditClockSkew - time.Second)
	early[2].OccurredAt = early[3].OccurredAt
	early = relink(early, seal)
	cp2 := Checkpoint{Seq: 3, Hash: early[2].Hash, EventTime: early[2].OccurredAt, SignedAt: cp.SignedAt}
	cp2.Sign(priv)
	if r := run(AuditAnchors{PublicKey: pub, Checkpoints: []Checkpoint{cp2}, SealKey: seal}, early); !hasKind(r, FindingBackdated, 4) {
		t.Errorf("before checkpoint: %+v", r.Findings)
	}
	// Two instances signed the same head, minutes apart: the later signature
	// is the bound, whatever order the checkpoints are read in.
	late2 := chain(5, t0, seal)
	cpLate := Checkpoint{Seq: 3, Hash: late2[2].Hash, EventTime: late2[2].OccurredAt, SignedAt: t0.Add(10 * time.Minute)}
	cpLate.Sign(priv)
	cpEarly := Checkpoint{Seq: 3, Hash: late2[2].Hash, EventTime: late2[2].OccurredAt, SignedAt: t0.Add(4 * time.Second)}
	cpEarly.Sign(priv)
	late2[3].OccurredAt = t0.Add(5 * time.Minute)
	late2[4].OccurredAt = t0.Add(11 * time.Minute)
	if r := run(AuditAnchors{PublicKey: pub, Checkpoints: []Checkpoint{cpLate, cpEarly}, SealKey: seal}, relink(late2, seal)); !hasKind(
		r,
		FindingBackdated,
		4,
	) ||
		r.FindingCount != 1 {
		t.Errorf("bound by the later of two checkpoints: %+v", r.Findings)
	}
	// Within the skew is normal: concurrent writers append out of order.
	ok := chain(5, t0, seal)
	ok[3].OccurredAt = ok[2].OccurredAt.Add(-30 * time.Second)
	if r := run(AuditAnchors{SealKey: seal}, relink(ok, seal)); !r.OK {
		t.Errorf("skew within bounds: %+v", r.Findings)
	}
}

// relink recomputes hashes and seals after a test edited events.
func relink(evs []AuditEvent, seal []byte) []AuditEvent {
	prev := GenesisHash
	for i := range evs {
		evs[i].PrevHash = prev
		evs[i].Hash = evs[i].ComputeHash()
		evs[i].Seal = SealHash(seal, evs[i].Hash)
		prev = evs[i].Hash
	}
	return evs
}

func TestSignaturesAgainstEvents(t *testing.T) {
	at := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	sig := Signature{
		ID:            "s1",
		UserID:        "u1",
		PrintedName:   "Dr. Ada Reviewer",
		Function:      "medical",
		Meaning:       "Approved as medically accurate",
		Decision:      "approve",
		ObjectType:    "version",
		ObjectID:      "v1",
		ContentSHA256: "abc",
		SignedAt:      at,
	}
	details, _ := CanonicalDetails(map[string]any{"signature_id": "s1", "signature": sig.AuditDetails()})
	e := AuditEvent{Seq: 1, OccurredAt: at, Action: "review.decide", Details: details, PrevHash: GenesisHash}
	e.Hash = e.ComputeHash()
	if r := run(AuditAnchors{}, []AuditEvent{e}, sig); !r.OK || r.Signatures != 1 {
		t.Fatalf("matching signature: %+v", r)
	}
	for name, edit := range map[string]func(s *Signature){
		"printed name": func(s *Signature) { s.PrintedName = "Someone Else" },
		"meaning":      func(s *Signature) { s.Meaning = "Reviewed" },
		"decision":     func(s *Signature) { s.Decision = "reject" },
		"content hash": func(s *Signature) { s.ContentSHA256 = "def" },
		"time":         func(s *Signature) { s.SignedAt = s.SignedAt.Add(-time.Hour) },
	} {
		row := sig
		edit(&row)
		if r := run(AuditAnchors{}, []AuditEvent{e}, row); !hasKind(r, FindingSignatureMismatch, 1) {
			t.Errorf("%s edited: %+v", name, r.Findings)
		}
	}
	if r := run(AuditAnchors{}, []AuditEvent{e}); !hasKind(r, FindingEventWithoutSignature, 1) {
		t.Errorf("row deleted: %+v", r.Findings)
	}
	other := sig
	other.ID = "s2"
	if r := run(AuditAnchors{}, []AuditEvent{e}, sig, other); !hasKind(r, FindingSignatureWithoutEvent, 0) {
		t.Errorf("row inserted: %+v", r.Findings)
	}
	// Events from before signatures were recorded in full are compared on
	// what they hold.
	legacy, _ := CanonicalDetails(map[string]any{"signature_id": "s1", "printed_name": sig.PrintedName, "meaning": sig.Meaning})
	e.Details = legacy
	e.Hash = e.ComputeHash()
	if r := run(AuditAnchors{}, []AuditEvent{e}, sig); !r.OK {
		t.Errorf("legacy event: %+v", r.Findings)
	}
	row := sig
	row.PrintedName = "Someone Else"
	if r := run(AuditAnchors{}, []AuditEvent{e}, row); !hasKind(r, FindingSignatureMismatch, 1) {
		t.Errorf("legacy event, edited row: %+v", r.Findings)
	}
}

func TestCheckpointSignature(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	pub := priv.Public().(ed25519.PublicKey)
	c := Checkpoint{Instance: "i", Seq: 7, Hash: "h", EventTime: time.Now(), SignedAt: time.Now()}
	c.Sign(priv)
	if err := c.Verify(pub); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(c *Checkpoint){
		"seq":       func(c *Checkpoint) { c.Seq++ },
		"hash":      func(c *Checkpoint) { c.Hash = "g" },
		"signed at": func(c *Checkpoint) { c.SignedAt = c.SignedAt.Add(time.Second) },
		"instance":  func(c *Checkpoint) { c.Instance = "j" },
	} {
		d := c
		edit(&d)
		if err := d.Verify(pub); !errors.Is(err, ErrCheckpointSignature) {
			t.Errorf("%s edited: %v", name, err)
		}
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	if err := c.Verify(other.Public().(ed25519.PublicKey)); !errors.Is(err, ErrCheckpointForeignKey) {
		t.Errorf("other key: %v", err)
	}
}
