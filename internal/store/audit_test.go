package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func entry(i int) domain.AuditEntry {
	return domain.AuditEntry{
		Actor:  domain.Actor{UserID: "u1", Name: "Mira Marketer", RequestID: fmt.Sprintf("req-%d", i), ClientIP: "192.0.2.1"},
		Action: "asset.create", ObjectType: "asset", ObjectID: fmt.Sprintf("a%d", i), Brand: "ZELTRA",
		Details: map[string]any{"title": "Detail aid ü", "n": i},
	}
}

func appendN(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if err := s.Audit(context.Background(), entry(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, s *Store) domain.ChainReport {
	t.Helper()
	r, err := s.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// verifyIntact fails t unless the audit chain verifies.
func verifyIntact(t *testing.T, s *Store) {
	t.Helper()
	if r := verify(t, s); !r.OK {
		t.Fatalf("audit chain: %+v", r)
	}
}

// createZeltra creates the ZELTRA test brand.
func createZeltra(t *testing.T, s *Store) {
	t.Helper()
	if _, err := s.CreateBrand(context.Background(), testActor, testBrand("ZELTRA")); err != nil {
		t.Fatal(err)
	}
}

func TestAuditChainVerifies(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		if r := verify(t, s); !r.OK || r.Checked != 0 {
			t.Fatalf("empty chain: %+v", r)
		}
		appendN(t, s, 2500) // more than one verification batch
		r := verify(t, s)
		if !r.OK || r.Checked != 2500 || r.LastSeq != 2500 {
			t.Fatalf("report = %+v", r)
		}
		evs, err := s.ListAudit(context.Background(), domain.AuditFilter{ObjectID: "a7"})
		if err != nil || len(evs) != 1 || evs[0].Details != `{"n":7,"title":"Detail aid ü"}` || evs[0].OccurredAt.Location() != time.UTC {
			t.Fatalf("ListAudit = %+v, %v", evs, err)
		}
	})
}

func TestAuditIsAppendOnly(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		appendN(t, s, 3)
		if err := s.db.Exec("UPDATE audit_events SET actor = 'someone else' WHERE seq = 2").Error; err == nil ||
			!strings.Contains(err.Error(), "append-only") {
			t.Errorf("UPDATE: err = %v, want append-only rejection", err)
		}
		if err := s.db.Exec("DELETE FROM audit_events WHERE seq = 3").Error; err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("DELETE: err = %v, want append-only rejection", err)
		}
		if s.dialect == Postgres {
			if err := s.db.Exec("TRUNCATE audit_events").Error; err == nil {
				t.Error("TRUNCATE succeeded")
			}
		}
		if r := verify(t, s); !r.OK || r.Checked != 3 {
			t.Fatalf("report = %+v", r)
		}
	})
}

func TestAuditRollsBackWithItsChange(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		boom := errors.New("boom")
		err := s.InTx(context.Background(), func(tx *Tx) error {
			if err := tx.Audit(entry(1)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		appendN(t, s, 1)
		if r := verify(t, s); !r.OK || r.Checked != 1 {
			t.Fatalf("report = %+v", r)
		}
	})
}

func TestAuditConcurrentWritersKeepOneChain(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		const writers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					errs <- s.InTx(context.Background(), func(tx *Tx) error {
						return tx.Audit(entry(w*each+i), entry(-(w*each + i)))
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		r := verify(t, s)
		if !r.OK || r.Checked != 2*writers*each {
			t.Fatalf("report = %+v (broken %+v)", r, r.Broken)
		}
	})
}
