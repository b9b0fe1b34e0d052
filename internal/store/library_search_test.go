package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/migrations"
	"github.com/pressly/goose/v3"
)

// approvedText uploads a version of an existing asset with the given text
// and has it approved by every review function.
func approvedText(t *testing.T, s *Store, assetID, tag, text string) string {
	t.Helper()
	u := mustUser(t, s, "author-"+tag+"@example.com")
	author := domain.Actor{UserID: u.ID, Name: u.DisplayName}
	obj := domain.StoredObject{Key: "objects/cc/dd/" + tag, SHA256: fmt.Sprintf("%064s", tag), Size: 1}
	v := submitDraft(t, s, author, assetID, obj, text, c0().Add(time.Hour))
	approveAll(t, s, v, tag)
	return v
}

// publishedText is approvedText published at once, until 30 days from c's
// now.
func publishedText(t *testing.T, s *Store, c *clock, assetID, tag, text string) string {
	t.Helper()
	v := approvedText(t, s, assetID, tag, text)
	if _, err := s.Publish(context.Background(), testActor, domain.PublishRequest{VersionID: v,
		ExpiresAt: c.Now().Add(30 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return v
}

func createTestAsset(t *testing.T, s *Store, job string) string {
	t.Helper()
	u := mustUser(t, s, "owner-"+job+"@example.com")
	return newTestAsset(t, s, domain.Actor{UserID: u.ID, Name: u.DisplayName},
		domain.NewAsset{JobCode: job, Title: "Piece " + job, Brand: "ZELTRA", Audience: "hcp", Channel: "email"})
}

// TestRepSearchSeesOnlyThePublishedText: a word only in a draft must not
// find the piece for a rep, a word of the published version must, and after
// a newer version is published the older one's words no longer match.
func TestRepSearchSeesOnlyThePublishedText(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		assetID := createTestAsset(t, s, "ZEL-S1")
		publishedText(t, s, c, assetID, "s1v1", "Dosing guide with Marigold wording.")
		// A newer draft with a word the rep must not find.
		u := mustUser(t, s, "drafter@example.com")
		if _, err := s.CreateVersion(ctx, domain.Actor{UserID: u.ID, Name: u.DisplayName},
			domain.Version{AssetID: assetID, MediaType: "text/plain", Filename: "a.txt", TextStatus: domain.TextOK},
			domain.StoredObject{Key: "objects/cc/dd/draft", SHA256: fmt.Sprintf("%064s", "draft"), Size: 1},
			true, "Unreleased Quillfeather claim.", nil); err != nil {
			t.Fatal(err)
		}
		rep := func(q string) int {
			t.Helper()
			page, err := s.Library(ctx, domain.LibraryFilter{Brands: []string{"ZELTRA"}, Query: q}, c.Now())
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Items)
		}
		marketer := func(q string) int {
			t.Helper()
			page, err := s.ListAssets(ctx, domain.AssetFilter{AllBrands: true, Query: q})
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Assets)
		}
		if n := rep("quillfeather"); n != 0 {
			t.Fatalf("rep finds a draft-only word: %d items", n)
		}
		if n := marketer("quillfeather"); n != 1 {
			t.Fatalf("marketer's asset search misses the draft word: %d", n)
		}
		if n := rep("marigold"); n != 1 {
			t.Fatalf("rep misses a word of the published version: %d items", n)
		}
		if n := rep("zel-s1"); n != 1 {
			t.Fatalf("rep misses the job code: %d items", n)
		}

		// A newer version is published: its words match, the old one's do not.
		publishedText(t, s, c, assetID, "s1v2", "Dosing guide with Heliotrope wording.")
		if n := rep("heliotrope"); n != 1 {
			t.Fatalf("rep misses a word of the newly published version: %d", n)
		}
		if n := rep("marigold"); n != 0 {
			t.Fatalf("rep finds a word only in the superseded version: %d", n)
		}
		if n := rep("quillfeather"); n != 0 {
			t.Fatalf("rep finds a draft-only word after republication: %d", n)
		}
	})
}

// TestSupersedingNotifiesFetchers: a rep who fetched a version that a newer
// publication supersedes gets an "updated version available" notice, in the
// publication's transaction, and can acknowledge it.
func TestSupersedingNotifiesFetchers(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		assetID := createTestAsset(t, s, "ZEL-N1")
		v1 := publishedText(t, s, c, assetID, "n1v1", "First wording.")
		rep := mustUser(t, s, "rep-n1@example.com")
		repActor := domain.Actor{UserID: rep.ID, Name: rep.DisplayName}
		bystander := mustUser(t, s, "rep-n2@example.com")
		downloadCurrent(t, s, c, repActor, assetID)
		publishedText(t, s, c, assetID, "n1v2", "Second wording.")
		notices, err := s.Notices(ctx, rep.ID, c.Now())
		if err != nil || len(notices) != 1 {
			t.Fatalf("notices = %+v, %v", notices, err)
		}
		n := notices[0]
		if n.Reason != string(domain.StateSuperseded) || n.VersionID != v1 || n.AssetID != assetID ||
			!strings.Contains(n.Message, "Updated version available") {
			t.Fatalf("notice = %+v", n)
		}
		if strings.Contains(n.Message, "Expired") || strings.Contains(n.Message, "Withdrawn") {
			t.Fatalf("superseding reads like a retirement: %q", n.Message)
		}
		if others, _ := s.Notices(ctx, bystander.ID, c.Now()); len(others) != 0 {
			t.Fatalf("a rep who fetched nothing was notified: %+v", others)
		}
		if err := s.AckNotice(ctx, repActor, n.ID); err != nil {
			t.Fatal(err)
		}
		if notices, _ := s.Notices(ctx, rep.ID, c.Now()); len(notices) != 1 || notices[0].AckedAt == nil {
			t.Fatalf("after ack = %+v", notices)
		}
		verifyIntact(t, s)
	})
}

// TestPublishedSearchTextMigrationBackfills rolls the published search text
// back and applies it again over a published piece: the migration fills it
// from the published version, so reps find the piece by its words at once.
func TestPublishedSearchTextMigrationBackfills(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		assetID := createTestAsset(t, s, "ZEL-M1")
		publishedText(t, s, c, assetID, "m1v1", "Published Saffron wording.")
		dialect, fsys := goose.DialectSQLite3, migrations.SQLite()
		if s.dialect == Postgres {
			dialect, fsys = goose.DialectPostgres, migrations.Postgres()
		}
		p, err := goose.NewProvider(dialect, s.sqlDB, fsys)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 19); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		page, err := s.Library(ctx, domain.LibraryFilter{Brands: []string{"ZELTRA"}, Query: "saffron"}, c.Now())
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("after the migration: %+v, %v", page, err)
		}
	})
}
