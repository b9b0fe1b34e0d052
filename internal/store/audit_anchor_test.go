package store

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// trail is a store whose audit trail is anchored the way the server anchors
// it: events sealed with a key derived from the signing key, and
// checkpoints signed with that key (kept here in memory; the checkpoint
// package writes them to the object store).
type trail struct {
	s   *Store
	c   *clock
	key ed25519.PrivateKey
	cps []domain.Checkpoint
}

func trails(t *testing.T, fn func(t *testing.T, tr *trail)) {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T, opts Options) *trail {
		c := &clock{t: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
		opts.Now, opts.AuditSealKey = c.Now, domain.SealKey(key)
		return &trail{s: openTest(t, opts), c: c, key: key}
	}
	t.Run("sqlite", func(t *testing.T) {
		fn(t, open(t, Options{SQLitePath: filepath.Join(t.TempDir(), "f.db")}))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, open(t, Options{DatabaseURL: testenv.PostgresURL(t)}))
	})
}

// checkpoint signs the current head at the clock's time, as the job does.
func (tr *trail) checkpoint(t *testing.T) domain.Checkpoint {
	t.Helper()
	head, err := tr.s.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := domain.Checkpoint{Instance: "test", Seq: head.Seq, Hash: head.Hash, EventTime: head.OccurredAt, SignedAt: tr.c.Now()}
	c.Sign(tr.key)
	c.Object = "checkpoints/test-" + time.Now().Format("150405.000000000")
	tr.cps = append(tr.cps, c)
	return c
}

func (tr *trail) verify(t *testing.T) domain.ChainReport {
	t.Helper()
	r, err := tr.s.VerifyAuditAnchored(context.Background(), domain.AuditAnchors{
		PublicKey: tr.key.Public().(ed25519.PublicKey), Checkpoints: tr.cps, SealKey: domain.SealKey(tr.key)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// later moves the clock on, as between checkpoints.
func (tr *trail) later(d time.Duration) { tr.c.Set(tr.c.Now().Add(d)) }

// build makes a trail with signatures in it: a brand, an approved version
// (three signed approvals), ten plain events, a checkpoint, and then three
// events the checkpoint does not cover.
func (tr *trail) build(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := tr.s.CreateBrand(ctx, testActor, testBrand("ZELTRA")); err != nil {
		t.Fatal(err)
	}
	approved(t, tr.s, "ZEL-A1")
	appendN(t, tr.s, 10)
	tr.later(time.Minute)
	tr.checkpoint(t)
	tr.later(5 * time.Minute)
	for i := 11; i <= 13; i++ {
		if err := tr.s.Audit(ctx, entry(i)); err != nil {
			t.Fatal(err)
		}
	}
}

// tamper runs statements as someone with direct access to the database,
// past the append-only triggers: dropping them on SQLite, disabling them as
// the superuser on PostgreSQL.
func (tr *trail) tamper(t *testing.T, stmts ...string) {
	t.Helper()
	pre := []string{
		"DROP TRIGGER IF EXISTS audit_events_no_update",
		"DROP TRIGGER IF EXISTS audit_events_no_delete",
		"DROP TRIGGER IF EXISTS signatures_no_update",
		"DROP TRIGGER IF EXISTS signatures_no_delete",
	}
	if tr.s.dialect == Postgres {
		pre = []string{"ALTER TABLE audit_events DISABLE TRIGGER USER", "ALTER TABLE signatures DISABLE TRIGGER USER"}
	}
	for _, q := range append(pre, stmts...) {
		if err := tr.s.db.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// rehash recomputes the chain from seq on, as a tamperer who knows the
// hashing scheme (it is no secret) would after editing an event; the seals
// cannot be recomputed without the server's key and are left as they were.
func (tr *trail) rehash(t *testing.T, from int64, edit func(e *domain.AuditEvent)) {
	t.Helper()
	var rows []auditEvent
	if err := tr.s.db.Where("seq >= ?", from-1).Order("seq").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	prev := domain.GenesisHash
	if rows[0].Seq < from {
		prev, rows = rows[0].Hash, rows[1:]
	}
	for _, r := range rows {
		e := r.domain()
		if e.Seq == from && edit != nil {
			edit(&e)
		}
		e.PrevHash = prev
		e.Hash = e.ComputeHash()
		prev = e.Hash
		if err := tr.s.db.Exec("UPDATE audit_events SET occurred_at = ?, actor = ?, details = ?, prev_hash = ?, hash = ? WHERE seq = ?",
			e.OccurredAt, e.Actor, e.Details, e.PrevHash, e.Hash, e.Seq).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func kinds(r domain.ChainReport) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Kind)
	}
	return out
}

// wantFinding fails unless the report is not OK and names kind (at seq, if
// seq is not 0).
func wantFinding(t *testing.T, r domain.ChainReport, kind string, seq int64) {
	t.Helper()
	if r.OK || r.Broken == nil {
		t.Fatalf("report OK, want %s: %+v", kind, r)
	}
	for _, f := range r.Findings {
		if f.Kind == kind && (seq == 0 || f.Seq == seq) {
			return
		}
	}
	t.Fatalf("findings %v, want %s at %d: %+v", kinds(r), kind, seq, r.Findings)
}

func (tr *trail) head(t *testing.T) int64 {
	t.Helper()
	h, err := tr.s.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h.Seq
}

func TestAnchoredTrailVerifies(t *testing.T) {
	trails(t, func(t *testing.T, tr *trail) {
		if r := tr.verify(t); !r.OK || r.Checked != 0 {
			t.Fatalf("empty trail: %+v", r)
		}
		tr.build(t)
		tr.later(time.Minute)
		tr.checkpoint(t)
		r := tr.verify(t)
		if !r.OK || r.Checked != tr.head(t) || r.Checkpoints != 2 || r.AnchoredSeq != tr.head(t) || r.Signatures != 3 || !r.SealsChecked ||
			r.KeyID == "" {
			t.Fatalf("report = %+v", r)
		}
	})
}

func TestAuditTamperingIsDetected(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, tr *trail) (kind string, seq int64)
	}{
		{"edit a field", func(t *testing.T, tr *trail) (string, int64) {
			tr.tamper(t, "UPDATE audit_events SET actor = 'Somebody Else' WHERE seq = 4")
			return domain.FindingAltered, 4
		}},
		{"delete a row", func(t *testing.T, tr *trail) (string, int64) {
			tr.tamper(t, "DELETE FROM audit_events WHERE seq = 6")
			return domain.FindingDeleted, 6
		}},
		{"truncate the tail", func(t *testing.T, tr *trail) (string, int64) {
			cp := tr.cps[0].Seq
			tr.tamper(t, "DELETE FROM audit_events WHERE seq >= "+itoa(cp-2))
			return domain.FindingTruncated, cp - 2
		}},
		{"wipe the trail", func(t *testing.T, tr *trail) (string, int64) {
			tr.tamper(t, "DELETE FROM audit_events")
			return domain.FindingWiped, 1
		}},
		{"reorder two events", func(t *testing.T, tr *trail) (string, int64) {
			tr.tamper(t, "UPDATE audit_events SET seq = -1 WHERE seq = 7", "UPDATE audit_events SET seq = 7 WHERE seq = 8",
				"UPDATE audit_events SET seq = 8 WHERE seq = -1")
			return domain.FindingReordered, 7
		}},
		{"edit an event and re-hash the rest", func(t *testing.T, tr *trail) (string, int64) {
			tr.tamper(t)
			tr.rehash(t, 4, func(e *domain.AuditEvent) { e.Actor = "Somebody Else" })
			return domain.FindingRewritten, tr.cps[0].Seq
		}},
		{"append a forged event", func(t *testing.T, tr *trail) (string, int64) {
			head, err := tr.s.AuditHead(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			e := domain.AuditEvent{Seq: head.Seq + 1, OccurredAt: domain.AuditTime(tr.c.Now()), Actor: "Mira Marketer",
				Action: "asset.create", ObjectType: "asset", ObjectID: "forged", Details: "{}", PrevHash: head.Hash}
			e.Hash = e.ComputeHash()
			if err := tr.s.db.Exec("INSERT INTO audit_events "+
				"(seq, occurred_at, actor, action, object_type, object_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				e.Seq, e.OccurredAt, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Details, e.PrevHash, e.Hash).Error; err != nil {
				t.Fatal(err)
			}
			return domain.FindingForged, e.Seq
		}},
		{"backdate a signature event", func(t *testing.T, tr *trail) (string, int64) {
			// A reviewer's approval written after the checkpoint is moved
			// to before it, signature row and all, and the chain re-hashed.
			tr.later(10 * time.Minute)
			approved(t, tr.s, "ZEL-B2")
			var ev auditEvent
			if err := tr.s.db.Where("action = ?", "review.decide").Order("seq DESC").Take(&ev).Error; err != nil {
				t.Fatal(err)
			}
			back := tr.cps[0].SignedAt.Add(-time.Hour)
			var d struct {
				SignatureID string `json:"signature_id"`
			}
			if err := json.Unmarshal([]byte(ev.Details), &d); err != nil || d.SignatureID == "" {
				t.Fatalf("details %s: %v", ev.Details, err)
			}
			sigID := d.SignatureID
			tr.tamper(t)
			if err := tr.s.db.Exec("UPDATE signatures SET signed_at = ? WHERE id = ?", back, sigID).Error; err != nil {
				t.Fatal(err)
			}
			tr.rehash(t, ev.Seq, func(e *domain.AuditEvent) {
				e.OccurredAt = back
				e.Details = strings.Replace(e.Details, domain.AuditTime(ev.OccurredAt).Format(time.RFC3339Nano),
					domain.AuditTime(back).Format(time.RFC3339Nano), 1)
			})
			return domain.FindingBackdated, ev.Seq
		}},
		{"edit a signature's printed name", func(t *testing.T, tr *trail) (string, int64) {
			tr.tamper(t, "UPDATE signatures SET printed_name = 'Dr. Somebody Else' WHERE id = (SELECT MIN(id) FROM signatures)")
			return domain.FindingSignatureMismatch, 0
		}},
		{"edit a signature's meaning", func(t *testing.T, tr *trail) (string, int64) {
			tr.tamper(t, "UPDATE signatures SET meaning = 'Reviewed only' WHERE id = (SELECT MAX(id) FROM signatures)")
			return domain.FindingSignatureMismatch, 0
		}},
		{"insert a signature", func(t *testing.T, tr *trail) (string, int64) {
			tr.tamper(t,
				"INSERT INTO signatures "+
					"(id, user_id, printed_name, function, meaning, decision, object_type, object_id, content_sha256, signed_at) "+
					"SELECT 'zzforged', user_id, printed_name, function, meaning, decision, object_type, object_id, content_sha256, "+
					"signed_at FROM signatures WHERE id = (SELECT MIN(id) FROM signatures)")
			return domain.FindingSignatureWithoutEvent, 0
		}},
		{"checkpoint altered", func(t *testing.T, tr *trail) (string, int64) {
			tr.cps[0].Seq--
			return domain.FindingBadCheckpoint, 0
		}},
		{"checkpoint signed by another key", func(t *testing.T, tr *trail) (string, int64) {
			_, other, _ := ed25519.GenerateKey(rand.Reader)
			tr.cps[0].Sign(other)
			return domain.FindingForeignCheckpoint, 0
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trails(t, func(t *testing.T, tr *trail) {
				tr.build(t)
				if r := tr.verify(t); !r.OK {
					t.Fatalf("before tampering: %+v", r.Findings)
				}
				kind, seq := tc.tamper(t, tr)
				wantFinding(t, tr.verify(t), kind, seq)
			})
		})
	}
}

// Events written before sealing existed, and before the first checkpoint,
// verify once a checkpoint covers them; an unsealed event after sealed ones
// does not.
func TestUnsealedEventsBeforeSealing(t *testing.T) {
	trails(t, func(t *testing.T, tr *trail) {
		key := tr.s.sealKey
		tr.s.sealKey = nil
		appendN(t, tr.s, 3)
		tr.checkpoint(t)
		tr.s.sealKey = key
		appendN(t, tr.s, 2)
		if r := tr.verify(t); !r.OK {
			t.Fatalf("legacy events under a checkpoint: %+v", r.Findings)
		}
		tr.s.sealKey = nil
		appendN(t, tr.s, 1)
		wantFinding(t, tr.verify(t), domain.FindingForged, 6)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
