package domain

import (
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

func TestChainVerifier(t *testing.T) {
	var evs []AuditEvent
	prev := GenesisHash
	for i := int64(1); i <= 3; i++ {
		e := AuditEvent{Seq: i, Action: "x", Details: "{}", PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		evs = append(evs, e)
	}
	v := NewChainVerifier()
	for _, e := range evs {
		if !v.Next(e) {
			t.Fatal("valid chain rejected")
		}
	}
	if r := v.Finish(3, prev); !r.OK || r.Checked != 3 {
		t.Fatalf("report = %+v", r)
	}
	v = NewChainVerifier()
	v.Next(evs[0])
	if v.Next(evs[2]) {
		t.Fatal("gap accepted")
	}
	if r := v.Finish(3, prev); r.OK || r.Broken.Seq != 2 {
		t.Fatalf("gap report = %+v", r)
	}
}
