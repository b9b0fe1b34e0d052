package store

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// replayFeed reads the whole sync feed from the start for a rep of brands
// and applies it: the asset → version map a client mirroring the library
// holds afterwards, and the entries.
func replayFeed(t *testing.T, s *Store, brands []string, now time.Time) (map[string]string, []domain.Change) {
	t.Helper()
	set, all, cursor := map[string]string{}, []domain.Change{}, ""
	for {
		page, err := s.LibraryChanges(context.Background(), cursor, false, brands, 2, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Changes {
			switch c.Change {
			case domain.ChangeAdded, domain.ChangeUpdated:
				set[c.AssetID] = c.VersionID
			case domain.ChangeRemoved:
				if set[c.AssetID] != c.VersionID {
					t.Fatalf("removed %s of %s, which the feed had not added (have %q)", c.VersionID, c.AssetID, set[c.AssetID])
				}
				delete(set, c.AssetID)
			}
		}
		all = append(all, page.Changes...)
		cursor = page.NextCursor
		if !page.HasMore {
			return set, all
		}
	}
}

// librarySet is what the rep library lists at now, as asset → version.
func librarySet(t *testing.T, s *Store, brands []string, now time.Time) map[string]string {
	t.Helper()
	page, err := s.Library(context.Background(), domain.LibraryFilter{Brands: brands}, now)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, it := range page.Items {
		out[it.AssetID] = it.VersionID
	}
	return out
}

func sameSet(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// outboxEvents lists the webhook events of an asset in order.
func outboxEvents(t *testing.T, s *Store, assetID string) []string {
	t.Helper()
	var rows []outboxRow
	if err := s.db.Where("asset_id = ?", assetID).Order("asset_seq").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Event)
	}
	return out
}

// recertified runs a re-certification round of a published version to its
// approval.
func recertified(t *testing.T, s *Store, v, tag string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	rep, err := s.LatestReport(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	owner := mustUser(t, s, "owner-"+tag+"@example.com")
	if _, err := s.Recertify(ctx, domain.Actor{UserID: owner.ID, Name: owner.DisplayName}, v, rep.ID, domain.ReviewFunctions, nil,
		now.Add(5*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	approveAll(t, s, v, "recert-"+tag)
}

// downloadCurrent has actor download the current version of a ZELTRA
// piece at c's now, as a rep does, so that later changes notify them.
func downloadCurrent(t *testing.T, s *Store, c *clock, actor domain.Actor, assetID string) {
	t.Helper()
	ctx := context.Background()
	_, cur, err := s.CurrentPiece(ctx, assetID, false, []string{"ZELTRA"}, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordUsage(ctx, actor, cur, "download"); err != nil {
		t.Fatal(err)
	}
}

// An embargoed piece enters the feed when its availability date passes and
// leaves it when its expiry passes, at read time: without any job running,
// the feed is never early and never late, and always replays to what the
// library lists.
func TestFeedFollowsAvailabilityAndExpiryAtReadTime(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		s.outbox = true
		brands := []string{"ZELTRA"}
		v, assetID := approved(t, s, "ZEL-F1")
		start := c.Now()
		from, exp := start.Add(48*time.Hour), start.Add(10*24*time.Hour)
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v, AvailableFrom: from, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		check := func(when string, want map[string]string) []domain.Change {
			t.Helper()
			got, changes := replayFeed(t, s, brands, c.Now())
			if lib := librarySet(t, s, brands, c.Now()); !sameSet(got, want) || !sameSet(lib, want) {
				t.Fatalf("%s: feed replays to %v, library lists %v, want %v (entries %+v)", when, got, lib, want, changes)
			}
			return changes
		}
		// Before the availability date: not in the feed (it used to be "added" at publication).
		check("embargoed", map[string]string{})
		c.Set(from.Add(-time.Second))
		check("a second before availability", map[string]string{})

		c.Set(from.Add(time.Minute))
		changes := check("available", map[string]string{assetID: v})
		if len(changes) != 1 || changes[0].Change != domain.ChangeAdded || !changes[0].At.Equal(from) || changes[0].ExpiresAt == nil ||
			!changes[0].ExpiresAt.Equal(exp) {
			t.Fatalf("entries = %+v, want one added at %v expiring %v", changes, from, exp)
		}
		rep := mustUser(t, s, "rep-f1@example.com")
		downloadCurrent(t, s, c, domain.Actor{UserID: rep.ID, Name: rep.DisplayName}, assetID)

		// Past the expiry, with no expiry job run: removed at once, dated at the expiry.
		c.Set(exp.Add(time.Second))
		changes = check("expired", map[string]string{})
		last := changes[len(changes)-1]
		if last.Change != domain.ChangeRemoved || last.Reason != domain.ReasonExpired || !last.At.Equal(exp) {
			t.Fatalf("last entry = %+v, want removed/expired at %v", last, exp)
		}
		notices, err := s.Notices(ctx, rep.ID, c.Now())
		if err != nil || len(notices) != 1 || notices[0].Reason != string(domain.StateExpired) {
			t.Fatalf("notices = %+v, %v", notices, err)
		}
		if got := outboxEvents(t, s, assetID); !slices.Equal(got, []string{"version.published", "version.available", "version.expired"}) {
			t.Fatalf("webhook events = %v", got)
		}
		// Reading again changes nothing.
		if _, again := replayFeed(t, s, brands, c.Now()); len(again) != len(changes) {
			t.Fatalf("entries changed on a second read: %+v then %+v", changes, again)
		}
	})
}

// A lifecycle change decides on the effective state: a piece whose expiry
// passed before the sweep ran is expired, not withdrawn or re-certified.
func TestExpiredPieceCannotBeWithdrawnBeforeTheSweep(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		v, assetID := approved(t, s, "ZEL-F2")
		exp := c.Now().Add(24 * time.Hour)
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		c.Set(exp.Add(time.Minute))
		_, err := s.Withdraw(ctx, testActor, v, "Outdated efficacy data")
		if domain.ErrorCode(err) != domain.ECONFLICT || !strings.Contains(domain.ErrorMessage(err), "expired") {
			t.Fatalf("withdrawing an expired piece: %v", err)
		}
		// The refusal changed nothing; the next read settles the expiry.
		_, changes := replayFeed(t, s, []string{"ZELTRA"}, c.Now())
		if len(changes) != 2 || changes[1].Reason != domain.ReasonExpired || changes[1].AssetID != assetID {
			t.Fatalf("entries = %+v", changes)
		}
		got, err := s.Version(ctx, v)
		if err != nil || got.State != domain.StateExpired {
			t.Fatalf("state = %q, %v; want expired", got.State, err)
		}
	})
}

// A re-certification that extends a piece's expiry is reported to the
// feed and to webhooks as an update with the new expiry.
func TestRecertificationExtensionIsAnUpdate(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		s.outbox = true
		v, assetID := approved(t, s, "ZEL-F3")
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v,
			ExpiresAt: c.Now().Add(30 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		c.Set(c.Now().Add(20 * 24 * time.Hour))
		recertified(t, s, v, "f3", c.Now())
		newExp := c.Now().Add(200 * 24 * time.Hour)
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v, ExpiresAt: newExp}); err != nil {
			t.Fatal(err)
		}
		set, changes := replayFeed(t, s, []string{"ZELTRA"}, c.Now())
		if set[assetID] != v || len(changes) != 2 {
			t.Fatalf("entries = %+v", changes)
		}
		u := changes[1]
		if u.Change != domain.ChangeUpdated || u.Reason != domain.ReasonExpiryChanged || u.ExpiresAt == nil || !u.ExpiresAt.Equal(newExp) {
			t.Fatalf("update = %+v, want updated/expiry_changed to %v", u, newExp)
		}
		if got := outboxEvents(t, s, assetID); !slices.Equal(got, []string{"version.published", "version.updated"}) {
			t.Fatalf("webhook events = %v", got)
		}
	})
}

// Publishing a new version with a later availability date retires the old
// one at once: reps are told, the feed removes it (superseded) and adds the
// new one only when it is available.
func TestEmbargoedSuccessorInTheFeed(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		brands := []string{"ZELTRA"}
		v1, assetID := approved(t, s, "ZEL-F4")
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v1,
			ExpiresAt: c.Now().Add(60 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		rep := mustUser(t, s, "rep-f4@example.com")
		downloadCurrent(t, s, c, domain.Actor{UserID: rep.ID, Name: rep.DisplayName}, assetID)
		v2 := approvedText(t, s, assetID, "f4v2", "Second wording.")
		from := c.Now().Add(72 * time.Hour)
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v2, AvailableFrom: from,
			ExpiresAt: c.Now().Add(90 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		set, changes := replayFeed(t, s, brands, c.Now())
		if len(set) != 0 || len(changes) != 2 || changes[1].Reason != domain.ReasonSuperseded || changes[1].VersionID != v1 {
			t.Fatalf("during the embargo: set %v, entries %+v", set, changes)
		}
		notices, err := s.Notices(ctx, rep.ID, c.Now())
		if err != nil || len(notices) != 1 || notices[0].Reason != string(domain.StateSuperseded) ||
			!strings.Contains(notices[0].Message, "available in the library from") {
			t.Fatalf("notices = %+v, %v", notices, err)
		}
		c.Set(from)
		set, changes = replayFeed(t, s, brands, c.Now())
		if set[assetID] != v2 || changes[len(changes)-1].Change != domain.ChangeAdded {
			t.Fatalf("after the embargo: set %v, entries %+v", set, changes)
		}
		if lib := librarySet(t, s, brands, c.Now()); !sameSet(lib, set) {
			t.Fatalf("library %v, feed %v", lib, set)
		}
	})
}

// A rep asking for a piece is told it is gone only if it was in the field:
// one withdrawn during its embargo was never there.
func TestGoneOnlyIfItWasInTheField(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		brands := []string{"ZELTRA"}
		v, assetID := approved(t, s, "ZEL-F5")
		from := c.Now().Add(48 * time.Hour)
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v, AvailableFrom: from,
			ExpiresAt: c.Now().Add(30 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Withdraw(ctx, testActor, v, "Wrong dosing table"); err != nil {
			t.Fatal(err)
		}
		c.Set(from.Add(time.Hour))
		if _, _, err := s.CurrentPiece(ctx, assetID, false, brands, c.Now()); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("a piece withdrawn during its embargo: %v, want not found", err)
		}
		if set, changes := replayFeed(t, s, brands, c.Now()); len(set) != 0 || len(changes) != 0 {
			t.Fatalf("feed = %+v", changes)
		}

		// Replaced by a version still under embargo: gone, with the reason.
		v1, asset2 := approved(t, s, "ZEL-F6")
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v1,
			ExpiresAt: c.Now().Add(30 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		v2 := approvedText(t, s, asset2, "f6v2", "Second wording.")
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v2, AvailableFrom: c.Now().Add(24 * time.Hour),
			ExpiresAt: c.Now().Add(30 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.CurrentPiece(ctx, asset2, false, brands, c.Now()); domain.ErrorCode(err) != domain.EGONE ||
			!strings.Contains(domain.ErrorMessage(err), "replaced") {
			t.Fatalf("a piece replaced by an embargoed version: %v, want gone", err)
		}
	})
}
