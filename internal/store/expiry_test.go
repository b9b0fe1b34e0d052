package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// TestExpirySweepInBulk expires several pieces fetched by several reps in
// one sweep, with webhooks enabled: one audit event, one webhook event and
// one notice per rep and piece, the asset's state read from its latest
// version, and a new version publishable afterwards.
func TestExpirySweepInBulk(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			c := &clock{t: c0()}
			opts := Options{Now: c.Now, Outbox: true, SQLitePath: filepath.Join(t.TempDir(), "f.db")}
			if backend == "postgres" {
				opts.DatabaseURL = testenv.PostgresURL(t)
			}
			s := openTest(t, opts)
			ctx := context.Background()
			createZeltra(t, s)
			const pieces, reps = 5, 3
			var versions, assets []string
			for i := range pieces {
				v, a := approved(t, s, fmt.Sprintf("ZEL-B%d", i))
				// Pieces 0..3 expire in a day; piece 4 lasts a month.
				exp := c.Now().Add(24 * time.Hour)
				if i == pieces-1 {
					exp = c.Now().Add(30 * 24 * time.Hour)
				}
				if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v, ExpiresAt: exp}); err != nil {
					t.Fatal(err)
				}
				versions, assets = append(versions, v), append(assets, a)
			}
			var repIDs []string
			for r := range reps {
				u := mustUser(t, s, fmt.Sprintf("rep%d@example.com", r))
				repIDs = append(repIDs, u.ID)
				for i := range pieces {
					_, v, err := s.CurrentPiece(ctx, assets[i], false, []string{"ZELTRA"}, c.Now())
					if err != nil {
						t.Fatal(err)
					}
					// Fetching twice still gives one notice.
					for range 2 {
						if err := s.RecordUsage(ctx, domain.Actor{UserID: u.ID, Name: u.DisplayName}, v, "download"); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			// The publications are delivered first: an asset's later events
			// wait for its earlier ones.
			before, err := s.DueEvents(ctx, c.Now().Add(time.Hour), 1000)
			if err != nil || len(before) != pieces {
				t.Fatalf("publication events: %d, %v", len(before), err)
			}
			for _, e := range before {
				if err := s.MarkDelivered(ctx, e.ID, c.Now()); err != nil {
					t.Fatal(err)
				}
			}

			c.Set(c.Now().Add(25 * time.Hour))
			n, err := s.ExpireDue(ctx, c.Now())
			if err != nil || n != pieces-1 {
				t.Fatalf("ExpireDue = %d, %v", n, err)
			}
			for r, id := range repIDs {
				notices, err := s.Notices(ctx, id, c.Now())
				if err != nil || len(notices) != pieces-1 {
					t.Fatalf("rep %d notices = %d, %v", r, len(notices), err)
				}
				for _, nt := range notices {
					if nt.Reason != string(domain.StateExpired) || nt.VersionID == versions[pieces-1] {
						t.Fatalf("notice = %+v", nt)
					}
				}
			}
			events, err := s.DueEvents(ctx, c.Now(), 1000)
			if err != nil || len(events) != pieces-1 {
				t.Fatalf("webhook events after the sweep: %d, %v", len(events), err)
			}
			expiredEvents := 0
			for _, e := range events {
				var body struct {
					Event string         `json:"event"`
					Data  map[string]any `json:"data"`
				}
				if err := json.Unmarshal(e.Payload, &body); err != nil {
					t.Fatal(err)
				}
				if body.Event == "version.expired" {
					expiredEvents++
					if body.Data["version_id"] == versions[pieces-1] {
						t.Fatal("the unexpired piece was announced as expired")
					}
				}
			}
			if expiredEvents != pieces-1 {
				t.Fatalf("%d version.expired events", expiredEvents)
			}
			for i := range pieces - 1 {
				evs, err := s.ListAudit(ctx, domain.AuditFilter{ObjectID: versions[i], Action: "version.expire"})
				if err != nil || len(evs) != 1 || evs[0].Brand != "ZELTRA" || !strings.Contains(evs[0].Details, "expires_at") {
					t.Fatalf("audit of %s = %+v, %v", versions[i], evs, err)
				}
			}

			// The asset lists as expired: its state is its latest version's.
			page, err := s.ListAssets(ctx, domain.AssetFilter{AllBrands: true, State: domain.StateExpired})
			if err != nil || len(page.Assets) != pieces-1 {
				t.Fatalf("expired assets = %d, %v", len(page.Assets), err)
			}
			page, err = s.ListAssets(ctx, domain.AssetFilter{AllBrands: true, State: domain.StatePublished})
			if err != nil || len(page.Assets) != 1 || page.Assets[0].ID != assets[pieces-1] ||
				page.Assets[0].LatestVersion.State != domain.StatePublished {
				t.Fatalf("published assets = %+v, %v", page.Assets, err)
			}
			lib, err := s.Library(ctx, domain.LibraryFilter{Brands: []string{"ZELTRA"}}, c.Now())
			if err != nil || len(lib.Items) != 1 || lib.Items[0].VersionID != versions[pieces-1] {
				t.Fatalf("library = %+v, %v", lib, err)
			}

			// A new version of an expired piece goes through review and is
			// published; the expired one stays expired.
			author := domain.Actor{UserID: repIDs[0], Name: "author"}
			v2 := submitDraft(t, s, author, assets[0],
				domain.StoredObject{Key: "objects/aa/bb/B0-2", SHA256: strings.Repeat("b", 64), Size: 1}, "", c.Now().Add(time.Hour))
			if page, _ := s.ListAssets(ctx, domain.AssetFilter{AllBrands: true, State: domain.StateInReview}); len(page.Assets) != 1 ||
				page.Assets[0].ID != assets[0] {
				t.Fatalf("in-review assets = %+v", page.Assets)
			}
			approveAll(t, s, v2, "second")
			if _, err := s.Publish(ctx, testActor,
				domain.PublishRequest{VersionID: v2, ExpiresAt: c.Now().Add(24 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if old, err := s.Version(ctx, versions[0]); err != nil || old.State != domain.StateExpired {
				t.Fatalf("the expired version after republication: %+v, %v", old, err)
			}
			_, cur, err := s.CurrentPiece(ctx, assets[0], false, []string{"ZELTRA"}, c.Now())
			if err != nil || cur.ID != v2 {
				t.Fatalf("current piece = %+v, %v", cur, err)
			}
			verifyIntact(t, s)
		})
	}
}

// TestVersionContentIsImmutable: lifecycle columns move, content columns
// and rows never do, whatever the application does.
func TestVersionContentIsImmutable(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		createZeltra(t, s)
		v, _ := submittedJob(t, s, "ZEL-IMM")
		for _, q := range []string{
			"UPDATE versions SET sha256 = 'f00d' WHERE id = ?",
			"UPDATE versions SET text = 'a different text' WHERE id = ?",
			"UPDATE versions SET blob_key = 'objects/elsewhere', state = 'draft' WHERE id = ?",
			"DELETE FROM versions WHERE id = ?",
		} {
			if err := s.db.Exec(q, v).Error; err == nil {
				t.Errorf("%s: allowed", q)
			}
		}
		// Naming a content column with its unchanged value is harmless.
		if err := s.db.Exec("UPDATE versions SET sha256 = sha256, retire_reason = 'x' WHERE id = ?", v).Error; err != nil &&
			s.dialect == Postgres {
			t.Errorf("unchanged content column: %v", err)
		}
		if err := s.db.Exec("UPDATE versions SET retire_reason = 'checked' WHERE id = ?", v).Error; err != nil {
			t.Errorf("lifecycle column: %v", err)
		}
		got, err := s.Version(ctx, v)
		if err != nil || got.SHA256 != "ZEL-IMM"+strings.Repeat("0", 55) || got.State != domain.StateInReview {
			t.Fatalf("version after the attempts: %+v, %v", got, err)
		}
	})
}
