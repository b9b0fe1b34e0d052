package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// clock is a fake clock shared by the store under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// backendsWithClock is backends with an injected clock.
func backendsWithClock(t *testing.T, fn func(t *testing.T, s *Store, c *clock)) {
	t.Run("sqlite", func(t *testing.T) {
		c := &clock{t: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
		fn(t, openTest(t, Options{SQLitePath: filepath.Join(t.TempDir(), "f.db"), Now: c.Now}), c)
	})
	t.Run("postgres", func(t *testing.T) {
		c := &clock{t: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
		fn(t, openTest(t, Options{DatabaseURL: testenv.PostgresURL(t), Now: c.Now}), c)
	})
}

// approved returns an approved version of a new asset, and the asset.
// (storetest.Approved is its twin for other packages' tests, which cannot
// share this one: it lives in the store's internal tests.)
func approved(t *testing.T, s *Store, job string) (string, string) {
	t.Helper()
	versionID, _ := submittedJob(t, s, job)
	approveAll(t, s, versionID, job)
	v, err := s.Version(context.Background(), versionID)
	if err != nil || v.State != domain.StateApproved {
		t.Fatalf("not approved: %+v %v", v, err)
	}
	return versionID, v.AssetID
}

func TestPublishExpireWithdrawAndTheRepLibrary(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		v1, assetID := approved(t, s, "ZEL-P1")
		rep := mustUser(t, s, "rep@example.com")
		repActor := domain.Actor{UserID: rep.ID, Name: rep.DisplayName}
		brands := []string{"ZELTRA"}
		now := c.Now()

		// Expiry must be in the future and within the brand's period.
		for _, bad := range []time.Time{now.Add(-time.Hour), now.AddDate(0, 13, 0)} {
			_, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v1, ExpiresAt: bad})
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("expiry %v: err = %v", bad, err)
			}
		}
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v1, ExpiresAt: now.Add(30 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		_, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v1, ExpiresAt: now.Add(time.Hour)})
		if domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("publishing twice: %v", err)
		}
		page, err := s.Library(ctx, domain.LibraryFilter{Brands: brands}, c.Now())
		if err != nil || len(page.Items) != 1 || page.Items[0].VersionID != v1 {
			t.Fatalf("library = %+v, %v", page, err)
		}
		if page, _ := s.Library(ctx, domain.LibraryFilter{Brands: []string{"OTHER"}}, c.Now()); len(page.Items) != 0 {
			t.Fatal("another brand's rep sees the piece")
		}
		_, v, err := s.CurrentPiece(ctx, assetID, false, brands, c.Now())
		if err != nil || v.ID != v1 {
			t.Fatalf("CurrentPiece = %v", err)
		}
		if err := s.RecordUsage(ctx, repActor, v, "download"); err != nil {
			t.Fatal(err)
		}

		// Time passes the expiry: the library hides it at once, before any job runs.
		c.Set(now.Add(30*24*time.Hour + time.Second))
		if page, _ := s.Library(ctx, domain.LibraryFilter{Brands: brands}, c.Now()); len(page.Items) != 0 {
			t.Fatal("expired piece still listed")
		}
		if _, _, err := s.CurrentPiece(ctx, assetID, false, brands, c.Now()); domain.ErrorCode(err) != domain.EGONE {
			t.Fatalf("expired piece: %v", err)
		}
		n, err := s.ExpireDue(ctx, c.Now())
		if err != nil || n != 1 {
			t.Fatalf("ExpireDue = %d, %v", n, err)
		}
		if n, _ := s.ExpireDue(ctx, c.Now()); n != 0 {
			t.Fatalf("ExpireDue is not idempotent: %d", n)
		}
		notices, err := s.Notices(ctx, rep.ID, c.Now())
		if err != nil || len(notices) != 1 || notices[0].Reason != string(domain.StateExpired) {
			t.Fatalf("notices = %+v, %v", notices, err)
		}
		if err := s.AckNotice(ctx, repActor, notices[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.AckNotice(ctx, testActor, notices[0].ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("someone else acknowledging: %v", err)
		}

		// Withdrawal of another piece after a newer version superseded an older one.
		v2, asset2 := approved(t, s, "ZEL-P2")
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v2, ExpiresAt: c.Now().Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		_, cur, _ := s.CurrentPiece(ctx, asset2, false, brands, c.Now())
		if err := s.RecordUsage(ctx, repActor, cur, "download"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Withdraw(ctx, testActor, v2, "Outdated efficacy data"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Withdraw(ctx, testActor, v2, "again"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("withdrawing twice: %v", err)
		}
		if _, _, err := s.CurrentPiece(ctx, asset2, false, brands, c.Now()); domain.ErrorCode(err) != domain.EGONE ||
			!strings.Contains(domain.ErrorMessage(err), "Outdated efficacy data") {
			t.Fatalf("withdrawn piece: %v", err)
		}
		if notices, _ := s.Notices(ctx, rep.ID, c.Now()); len(notices) != 2 || notices[0].Reason != string(domain.StateWithdrawn) {
			t.Fatalf("notices after withdrawal = %+v", notices)
		}
		verifyIntact(t, s)
	})
}

// TestLeaseRunsAJobOnce has two instances on one database compete for the
// expiry job's lease.
func TestLeaseRunsAJobOnce(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		now := c.Now()
		a, err := s.AcquireLease(ctx, "expiry", "instance-a", now, time.Minute)
		if err != nil || !a {
			t.Fatalf("a: %v %v", a, err)
		}
		if b, _ := s.AcquireLease(ctx, "expiry", "instance-b", now.Add(time.Second), time.Minute); b {
			t.Fatal("b took a held lease")
		}
		if a, _ := s.AcquireLease(ctx, "expiry", "instance-a", now.Add(30*time.Second), time.Minute); !a {
			t.Fatal("a could not renew its lease")
		}
		if b, _ := s.AcquireLease(ctx, "expiry", "instance-b", now.Add(2*time.Minute), time.Minute); !b {
			t.Fatal("b could not take an expired lease")
		}
	})
}

// submittedJob is submitted with a given job code and its own brand setup
// skipped when the brand exists.
func submittedJob(t *testing.T, s *Store, job string) (string, domain.Actor) {
	t.Helper()
	u := mustUser(t, s, "author-"+job+"@example.com")
	author := domain.Actor{UserID: u.ID, Name: u.DisplayName}
	assetID := newTestAsset(t, s, author,
		domain.NewAsset{JobCode: job, Title: "Piece " + job, Brand: "ZELTRA", Audience: "hcp", Channel: "email"})
	sha := job + "0000000000000000000000000000000000000000000000000000000"
	obj := domain.StoredObject{Key: "objects/aa/bb/" + job, SHA256: sha, Size: 1}
	return submitDraft(t, s, author, assetID, obj, "", c0().Add(time.Hour)), author
}

// approveAll has every review function approve the version's open review
// round, each by a new reviewer named after tag.
func approveAll(t *testing.T, s *Store, versionID, tag string) {
	t.Helper()
	for i, f := range domain.ReviewFunctions {
		u := mustUser(t, s, fmt.Sprintf("%s-%s-%d@example.com", f, tag, i))
		r := domain.Actor{UserID: u.ID, Name: u.DisplayName}
		d := domain.Decision{VersionID: versionID, Function: f, Decision: domain.DecisionApprove, Signature: sig(r)}
		if _, err := s.Decide(context.Background(), r, d); err != nil {
			t.Fatal(err)
		}
	}
}

func c0() time.Time { return time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC) }

// TestRemindersLabelChangeAndUnackedNotices covers what follows a
// publication: reminders before expiry, re-review after an ISI change and
// the list of reps who have not acknowledged.
func TestRemindersLabelChangeAndUnackedNotices(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		v1, assetID := approved(t, s, "ZEL-R1")
		now := c.Now()
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v1, ExpiresAt: now.Add(60 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		thresholds := []int{30, 7, 1}
		if n, _ := s.SendExpiryReminders(ctx, now, thresholds); n != 0 {
			t.Fatalf("reminders 60 days ahead: %d", n)
		}
		c.Set(now.Add(52 * 24 * time.Hour)) // 8 days left
		if n, err := s.SendExpiryReminders(ctx, c.Now(), thresholds); err != nil || n != 1 {
			t.Fatalf("reminders at 8 days = %d, %v", n, err)
		}
		if n, _ := s.SendExpiryReminders(ctx, c.Now(), thresholds); n != 0 {
			t.Fatalf("reminders are not idempotent: %d", n)
		}

		// A rep fetched the piece; then a new ISI statement flags it for
		// re-review with a grace expiry.
		c.Set(now.Add(24 * time.Hour))
		rep := mustUser(t, s, "rep-r@example.com")
		downloadCurrent(t, s, c, domain.Actor{UserID: rep.ID, Name: rep.DisplayName}, assetID)
		b, _ := s.Brand(ctx, "ZELTRA")
		l := b.Label
		l.ISIStatements = append(l.ISIStatements, "New warning about falls.")
		if _, err := s.SaveLabel(ctx, testActor, "ZELTRA", l, domain.LabelAuthority{}, recheck); err != nil {
			t.Fatal(err)
		}
		var row versionRow
		var flagged struct {
			RereviewRequired bool
			ExpiresAt        time.Time
		}
		if err := s.db.Model(&row).Select("rereview_required, expires_at").Where("id = ?", v1).Scan(&flagged).Error; err != nil {
			t.Fatal(err)
		}
		if grace := c.Now().AddDate(0, 0, domain.DefaultRereviewGraceDays); !flagged.RereviewRequired || !flagged.ExpiresAt.Equal(grace) {
			t.Fatalf("after ISI change: %+v, want flagged and expiring at %v", flagged, grace)
		}
		// Another label change re-checks the piece again; its expiry is
		// not brought forward further.
		l.Indication += " More."
		if _, err := s.SaveLabel(ctx, testActor, "ZELTRA", l, domain.LabelAuthority{}, recheck); err != nil {
			t.Fatal(err)
		}

		if _, err := s.Withdraw(ctx, testActor, v1, "Label change"); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.UnackedNotices(ctx, false, []string{"ZELTRA"}, c.Now().Add(-time.Hour)); len(list) != 0 {
			t.Fatalf("fresh notices reported as overdue: %+v", list)
		}
		c.Set(c.Now().Add(4 * 24 * time.Hour))
		list, err := s.UnackedNotices(ctx, false, []string{"ZELTRA"}, c.Now().Add(-3*24*time.Hour))
		if err != nil || len(list) != 1 || list[0].Email != "rep-r@example.com" || list[0].Reason != "withdrawn" {
			t.Fatalf("unacknowledged after 3 days = %+v, %v", list, err)
		}
		if list, _ := s.UnackedNotices(ctx, false, []string{"OTHER"}, c.Now()); len(list) != 0 {
			t.Fatal("another brand sees the notices")
		}
	})
}

// TestConcurrentPublishAndWithdraw races publications and withdrawals of
// one approved version: at most one of each succeeds, the rest get 409, the
// final state agrees with the winners, and the audit chain stays valid.
func TestConcurrentPublishAndWithdraw(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		versionID, _ := approved(t, s, "ZEL-RACE")
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := map[string]int{}
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				kind := "publish"
				if i%2 == 1 {
					kind = "withdraw"
					_, err = s.Withdraw(ctx, testActor, versionID, "race test")
				} else {
					_, err = s.Publish(ctx, testActor, domain.PublishRequest{VersionID: versionID, ExpiresAt: c.Now().Add(time.Hour)})
				}
				switch domain.ErrorCode(err) {
				case "":
					mu.Lock()
					wins[kind]++
					mu.Unlock()
				case domain.ECONFLICT:
				default:
					t.Errorf("%s: %v", kind, err)
				}
			}()
		}
		wg.Wait()
		if wins["publish"] > 1 || wins["withdraw"] != 1 {
			t.Fatalf("winners = %v, want at most one publication and exactly one withdrawal", wins)
		}
		v, err := s.Version(ctx, versionID)
		if err != nil || v.State != domain.StateWithdrawn {
			t.Fatalf("final state %s, %v", v.State, err)
		}
		verifyIntact(t, s)
	})
}

// TestTwoInstancesShareOneLease opens two stores on one PostgreSQL
// database, as two instances of Fairshelf would, and runs the expiry job
// on both: only the lease holder expires anything.
func TestTwoInstancesShareOneLease(t *testing.T) {
	url := testenv.PostgresURL(t)
	c := &clock{t: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
	a := openTest(t, Options{DatabaseURL: url, Now: c.Now})
	b := openTest(t, Options{DatabaseURL: url, Now: c.Now})
	ctx := context.Background()
	if _, err := a.CreateBrand(ctx, testActor, testBrand("ZELTRA")); err != nil {
		t.Fatal(err)
	}
	v, _ := approved(t, a, "ZEL-2I")
	if _, err := a.Publish(ctx, testActor, domain.PublishRequest{VersionID: v, ExpiresAt: c.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c.Set(c.Now().Add(2 * time.Hour))
	run := func(s *Store, holder string) int {
		ok, err := s.AcquireLease(ctx, "versions.expire_due", holder, c.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return 0
		}
		n, err := s.ExpireDue(ctx, c.Now())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, s := range []*Store{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); counts[i] = run(s, fmt.Sprintf("instance-%d", i)) }()
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 {
		t.Fatalf("expired %v, want exactly one version expired once", counts)
	}
	if r := verify(t, a); !r.OK {
		t.Fatalf("audit chain: %+v", r.Broken)
	}
}
