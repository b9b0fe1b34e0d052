package webhook

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/store"
	"github.com/fairshelf/fairshelf/internal/store/storetest"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// TestEventsOfOneAssetArriveInOrder: a publication whose delivery fails
// holds back the withdrawal that follows it, so that a CRM mirroring the
// library never shows a withdrawn piece as live; once the receiver
// recovers, both arrive in order with consecutive per-asset sequence
// numbers, in the payload and in a header.
func TestEventsOfOneAssetArriveInOrder(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			opts := store.Options{SQLitePath: filepath.Join(t.TempDir(), "f.db"), Outbox: true, Now: func() time.Time { return now }}
			if dialect == "postgres" {
				opts.SQLitePath, opts.DatabaseURL = "", testenv.PostgresURL(t)
			}
			st := storetest.Open(t, opts)
			versionID := publishedFixture(t, st, now)
			if _, err := st.Withdraw(ctx, domain.Actor{Name: "regulatory"}, versionID, "Superseded by the new label."); err != nil {
				t.Fatal(err)
			}

			rcv := &receiver{fail: 1}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			s := New(st, srv.URL, "s3cret", srv.Client(), slog.New(slog.NewTextHandler(io.Discard, nil)))
			if n, err := s.DeliverDue(ctx, now); err != nil || n != 0 {
				t.Fatalf("with the publication failing: delivered %d, %v", n, err)
			}
			if len(rcv.received) != 0 {
				t.Fatalf("the withdrawal overtook the failed publication: %v", rcv.received)
			}
			now = now.Add(Backoff(1))
			if n, err := s.DeliverDue(ctx, now); err != nil || n != 2 {
				t.Fatalf("after recovery: delivered %d, %v", n, err)
			}
			if len(rcv.received) != 2 {
				t.Fatalf("received %d events", len(rcv.received))
			}
			for i, want := range []string{"version.published", "version.withdrawn"} {
				ev := rcv.received[i]
				if ev["event"] != want || ev["asset_sequence"] != float64(i+1) || ev["asset_id"] == "" {
					t.Errorf("event %d = %v, want %s with asset_sequence %d", i, ev, want, i+1)
				}
				if rcv.seqHeaders[i] != []string{"1", "2"}[i] {
					t.Errorf("event %d: X-Fairshelf-Asset-Sequence %q", i, rcv.seqHeaders[i])
				}
			}
		})
	}
}
