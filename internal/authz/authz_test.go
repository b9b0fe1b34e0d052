package authz

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// memSource is an in-memory Source: the role assignments and their version,
// as the store keeps them in one transaction, plus counters that let tests
// see how often the Authorizer read them.
type memSource struct {
	mu      sync.Mutex
	grants  []domain.Grant
	version int64
	err     error // returned by both methods when set

	grantsCalls  atomic.Int64
	versionCalls atomic.Int64
}

func newMemSource(grants ...domain.Grant) *memSource {
	return &memSource{grants: grants, version: 1}
}

func (s *memSource) Grants(ctx context.Context) ([]domain.Grant, error) {
	s.grantsCalls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	return slices.Clone(s.grants), nil
}

func (s *memSource) GrantsVersion(ctx context.Context) (int64, error) {
	s.versionCalls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	return s.version, nil
}

// set replaces the assignments and bumps the version, as the store does.
func (s *memSource) set(grants ...domain.Grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.grants = grants
	s.version++
}

// setWithoutBump replaces the assignments but not the version: a store bug
// that Sync cannot see, used to prove that Sync does not reload needlessly.
func (s *memSource) setWithoutBump(grants ...domain.Grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.grants = grants
}

func (s *memSource) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func newAuthorizer(t testing.TB, src Source) *Authorizer {
	t.Helper()
	a, err := New(context.Background(), src)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func user(id string) domain.User { return domain.User{ID: id} }

func TestRoleChangeTakesEffectAfterSync(t *testing.T) {
	ctx := context.Background()
	src := newMemSource(domain.Grant{UserID: "u1", Role: domain.RoleMarketer, Brand: "ZELTRA"})
	a := newAuthorizer(t, src)
	alice := user("u1")

	if !a.Can(alice, "ZELTRA", "asset", "create") {
		t.Fatal("marketer of ZELTRA cannot create a ZELTRA asset")
	}
	if a.Can(alice, "ZELTRA", "review", "medical") {
		t.Fatal("marketer may sign a medical review")
	}

	// Another instance makes alice a medical reviewer instead.
	src.set(domain.Grant{UserID: "u1", Role: domain.RoleMedicalReviewer, Brand: "ZELTRA"})
	if !a.Can(alice, "ZELTRA", "asset", "create") {
		t.Fatal("the change took effect before Sync; checks should be in memory")
	}
	calls := src.grantsCalls.Load()
	if err := a.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if got := src.grantsCalls.Load() - calls; got != 1 {
		t.Fatalf("Sync after a version bump read the grants %d times, want 1", got)
	}
	if a.Can(alice, "ZELTRA", "asset", "create") {
		t.Error("revoked marketer role still allows asset create after Sync")
	}
	if !a.Can(alice, "ZELTRA", "review", "medical") {
		t.Error("new medical_reviewer role not in effect after Sync")
	}

	// Without a version bump Sync reads only the version, never the grants.
	src.setWithoutBump(domain.Grant{UserID: "u1", Role: domain.RoleRep, Brand: "ZELTRA"})
	calls, versions := src.grantsCalls.Load(), src.versionCalls.Load()
	for range 100 {
		if err := a.Sync(ctx); err != nil {
			t.Fatalf("Sync: %v", err)
		}
	}
	if got := src.grantsCalls.Load() - calls; got != 0 {
		t.Errorf("100 Syncs without a version change read the grants %d times, want 0", got)
	}
	if got := src.versionCalls.Load() - versions; got != 100 {
		t.Errorf("100 Syncs read the version %d times, want 100", got)
	}
	if a.Can(alice, "ZELTRA", "library", "download") || !a.Can(alice, "ZELTRA", "review", "medical") {
		t.Error("Sync reloaded although the version did not change")
	}

	// Reload ignores the version.
	if err := a.Reload(ctx); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if !a.Can(alice, "ZELTRA", "library", "download") {
		t.Error("Reload did not load the current grants")
	}
}

// TestSyncAtUsesTheCallersVersion: a caller that read the version itself
// costs no read when it matches, and reloads when it does not.
func TestSyncAtUsesTheCallersVersion(t *testing.T) {
	ctx := context.Background()
	src := newMemSource(domain.Grant{UserID: "u1", Role: domain.RoleMarketer, Brand: "ZELTRA"})
	a := newAuthorizer(t, src)
	alice := user("u1")
	calls, versions := src.grantsCalls.Load(), src.versionCalls.Load()
	if err := a.SyncAt(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if src.grantsCalls.Load() != calls || src.versionCalls.Load() != versions {
		t.Fatal("SyncAt at the loaded version read the source")
	}
	src.set(domain.Grant{UserID: "u1", Role: domain.RoleRep, Brand: "ZELTRA"})
	if err := a.SyncAt(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if a.Can(alice, "ZELTRA", "asset", "create") || !a.Can(alice, "ZELTRA", "library", "download") {
		t.Fatal("SyncAt at a newer version did not load the new grants")
	}
}

func TestSyncReloadsWhenVersionGoesBackwards(t *testing.T) {
	// A database restored from a backup may carry a smaller version; any
	// difference must reload, not only an increase.
	src := newMemSource(domain.Grant{UserID: "u1", Role: domain.RoleRep, Brand: "ZELTRA"})
	src.version = 100
	a := newAuthorizer(t, src)
	src.mu.Lock()
	src.grants, src.version = nil, 5
	src.mu.Unlock()
	if err := a.Sync(context.Background()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if a.Can(user("u1"), "ZELTRA", "library", "read") {
		t.Error("grant removed by a restore still in effect")
	}
}

func TestSyncBurstReloadsOnce(t *testing.T) {
	src := newMemSource(domain.Grant{UserID: "u1", Role: domain.RoleRep, Brand: "ZELTRA"})
	a := newAuthorizer(t, src)
	src.set(domain.Grant{UserID: "u1", Role: domain.RoleMarketer, Brand: "ZELTRA"})
	calls := src.grantsCalls.Load()

	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 50 {
		wg.Go(func() {
			<-start
			if err := a.Sync(context.Background()); err != nil {
				t.Errorf("Sync: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := src.grantsCalls.Load() - calls; got != 1 {
		t.Errorf("50 concurrent Syncs after one change reloaded %d times, want 1", got)
	}
	if !a.Can(user("u1"), "ZELTRA", "asset", "create") {
		t.Error("change not in effect after the burst")
	}
}

func TestSyncErrorKeepsLoadedPolicy(t *testing.T) {
	ctx := context.Background()
	src := newMemSource(domain.Grant{UserID: "u1", Role: domain.RoleRep, Brand: "ZELTRA"})
	a := newAuthorizer(t, src)
	boom := errors.New("database is down")
	src.setErr(boom)
	if err := a.Sync(ctx); !errors.Is(err, boom) {
		t.Fatalf("Sync = %v, want %v", err, boom)
	}
	if err := a.Reload(ctx); !errors.Is(err, boom) {
		t.Fatalf("Reload = %v, want %v", err, boom)
	}
	if !a.Can(user("u1"), "ZELTRA", "library", "read") {
		t.Error("a failed Sync dropped the loaded assignments")
	}
	src.setErr(nil)
	src.set()
	if err := a.Sync(ctx); err != nil {
		t.Fatalf("Sync after recovery: %v", err)
	}
	if a.Can(user("u1"), "ZELTRA", "library", "read") {
		t.Error("change not in effect after the source recovered")
	}
}

func TestSyncHonoursContextWhileWaiting(t *testing.T) {
	src := newMemSource()
	a := newAuthorizer(t, src)
	src.set(domain.Grant{UserID: "u1", Role: domain.RoleRep, Brand: "ZELTRA"})
	a.reload <- struct{}{} // a reload that never finishes
	defer a.unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Sync(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Sync while another reload runs, with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestNew(t *testing.T) {
	boom := errors.New("no database")
	src := newMemSource()
	src.setErr(boom)
	if _, err := New(context.Background(), src); !errors.Is(err, boom) {
		t.Errorf("New with a failing source = %v, want %v", err, boom)
	}
}

func TestDeniedUsers(t *testing.T) {
	src := newMemSource(
		domain.Grant{UserID: "u1", Role: domain.RoleMarketer, Brand: "ZELTRA"},
		domain.Grant{UserID: "admin", Role: domain.RoleAdmin, Brand: domain.AllBrands},
	)
	a := newAuthorizer(t, src)
	alice := user("u1")
	if !a.Can(alice, "ZELTRA", "asset", "read") {
		t.Fatal("enabled marketer cannot read assets")
	}

	disabled := alice
	disabled.Disabled = true
	disabledAdmin := user("admin")
	disabledAdmin.Disabled = true
	for _, tt := range []struct {
		name                string
		user                domain.User
		brand, object, verb string
	}{
		{"disabled user", disabled, "ZELTRA", "asset", "read"},
		{"disabled global admin", disabledAdmin, domain.AllBrands, "user", "create"},
		{"unknown user", user("nobody"), "ZELTRA", "asset", "read"},
		{"empty user ID", domain.User{}, "ZELTRA", "asset", "read"},
		{"empty brand", alice, "", "asset", "read"},
		{"unknown action", alice, "ZELTRA", "asset", "delete"},
		{"unknown object", alice, "ZELTRA", "rocket", "launch"},
		{"other brand", alice, "OTHERBRAND", "asset", "read"},
		{"global domain for brand role", alice, domain.AllBrands, "asset", "read"},
		// In-memory roles are ignored: only the loaded grants count.
		{"roles on the user value",
			domain.User{ID: "u2", Roles: []domain.RoleAssignment{{Role: domain.RoleAdmin, Brand: domain.AllBrands}}}, domain.AllBrands,
			"user", "create"},
	} {
		if a.Can(tt.user, tt.brand, tt.object, tt.verb) {
			t.Errorf("%s: Can(%q, %q, %q) = true, want false", tt.name, tt.brand, tt.object, tt.verb)
		}
	}
	if a.CanSomewhere(disabled, "asset", "read") {
		t.Error("CanSomewhere allows a disabled user")
	}
	if all, brands := a.Brands(disabledAdmin, "user", "read"); all || brands != nil {
		t.Errorf("Brands for a disabled admin = %v, %v; want false, nil", all, brands)
	}
}

func TestInvalidGrantsAreSkipped(t *testing.T) {
	src := newMemSource(
		domain.Grant{UserID: "boss", Role: domain.RoleAdmin, Brand: domain.AllBrands},
		// A "role" that is another user's subject would make u1 inherit
		// boss's roles through Casbin's role hierarchy.
		domain.Grant{UserID: "u1", Role: domain.Role("user:boss"), Brand: domain.AllBrands},
		domain.Grant{UserID: "u2", Role: domain.RoleMarketer, Brand: ""},
		domain.Grant{UserID: "u3", Role: domain.RoleMarketer, Brand: "zeltra lower"},
		domain.Grant{UserID: "", Role: domain.RoleAdmin, Brand: domain.AllBrands},
		domain.Grant{UserID: "u4", Role: domain.RoleRep, Brand: "ZELTRA"},
	)
	a := newAuthorizer(t, src)
	if a.Can(user("u1"), domain.AllBrands, "user", "create") {
		t.Error("an invalid role name let a user inherit another user's roles")
	}
	if a.CanSomewhere(user("u2"), "asset", "create") || a.CanSomewhere(user("u3"), "asset", "create") {
		t.Error("a grant with a malformed brand allows something")
	}
	if !a.Can(user("boss"), domain.AllBrands, "user", "create") || !a.Can(user("u4"), "ZELTRA", "library", "read") {
		t.Error("valid grants next to invalid ones were not loaded")
	}
}

func TestBrands(t *testing.T) {
	src := newMemSource(
		domain.Grant{UserID: "aud", Role: domain.RoleAuditor, Brand: domain.AllBrands},
		domain.Grant{UserID: "mkt", Role: domain.RoleMarketer, Brand: "ZELTRA"},
		domain.Grant{UserID: "mkt", Role: domain.RoleMarketer, Brand: "ACME"},
		domain.Grant{UserID: "mkt", Role: domain.RoleRep, Brand: "BETA"},
		domain.Grant{UserID: "mix", Role: domain.RoleAuditor, Brand: domain.AllBrands},
		domain.Grant{UserID: "mix", Role: domain.RoleMarketer, Brand: "ZELTRA"},
	)
	a := newAuthorizer(t, src)
	for _, tt := range []struct {
		user           string
		object, action string
		all            bool
		brands         []string
	}{
		{"aud", "audit", "read", true, nil},
		{"aud", "asset", "read", true, nil},
		{"aud", "asset", "create", false, nil},
		{"mkt", "asset", "create", false, []string{"ACME", "ZELTRA"}},
		{"mkt", "library", "download", false, []string{"BETA"}},
		{"mkt", "library", "read", false, []string{"ACME", "BETA", "ZELTRA"}},
		{"mkt", "audit", "read", false, nil},
		{"mix", "asset", "read", true, nil},
		{"mix", "asset", "create", false, []string{"ZELTRA"}},
		{"nobody", "asset", "read", false, nil},
	} {
		all, brands := a.Brands(user(tt.user), tt.object, tt.action)
		if all != tt.all || !slices.Equal(brands, tt.brands) {
			t.Errorf("Brands(%s, %s, %s) = %v, %q; want %v, %q", tt.user, tt.object, tt.action, all, brands, tt.all, tt.brands)
		}
		if got, want := a.CanSomewhere(user(tt.user), tt.object, tt.action), tt.all || len(tt.brands) > 0; got != want {
			t.Errorf("CanSomewhere(%s, %s, %s) = %v, want %v", tt.user, tt.object, tt.action, got, want)
		}
	}
}

func TestAdapterIsReadOnly(t *testing.T) {
	a := newAuthorizer(t, newMemSource())
	ad := a.adapters["version"]
	rule := []string{"admin", "version", "publish"}
	for name, err := range map[string]error{
		"SavePolicy":           ad.SavePolicy(nil),
		"AddPolicy":            ad.AddPolicy("p", "p", rule),
		"RemovePolicy":         ad.RemovePolicy("p", "p", rule),
		"RemoveFilteredPolicy": ad.RemoveFilteredPolicy("p", "p", 0, "admin"),
		"enforcer.SavePolicy":  a.enforcers["version"].SavePolicy(),
	} {
		if !errors.Is(err, errReadOnly) || err.Error() != "authz: policy is read-only" {
			t.Errorf("%s = %v, want %q", name, err, "authz: policy is read-only")
		}
	}
}

func TestConcurrentCanAndSync(t *testing.T) {
	ctx := context.Background()
	base := []domain.Grant{
		{UserID: "u1", Role: domain.RoleMarketer, Brand: "ZELTRA"},
		{UserID: "aud", Role: domain.RoleAuditor, Brand: domain.AllBrands},
	}
	src := newMemSource(base...)
	a := newAuthorizer(t, src)

	stop := make(chan struct{})
	var changer sync.WaitGroup
	var cycles atomic.Int64
	changer.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			cycles.Add(1)
			// Flip u2 between rep and nothing; u1 and aud never change.
			if i%2 == 0 {
				src.set(append(slices.Clone(base), domain.Grant{UserID: "u2", Role: domain.RoleRep, Brand: "ZELTRA"})...)
			} else {
				src.set(base...)
			}
			if err := a.Sync(ctx); err != nil {
				t.Errorf("Sync: %v", err)
				return
			}
		}
	})

	var checkers sync.WaitGroup
	for g := range 8 {
		checkers.Go(func() {
			// At least 1000 checks each, and on until the grants changed
			// 20 times, so that checks really overlap reloads.
			for i := 0; i < 1000 || cycles.Load() < 20; i++ {
				// Grants that never change must hold in every snapshot.
				if !a.Can(user("u1"), "ZELTRA", "version", "publish") {
					t.Errorf("goroutine %d check %d: stable marketer grant denied during reload", g, i)
					return
				}
				if !a.Can(user("aud"), "ZELTRA", "audit", "read") {
					t.Errorf("goroutine %d check %d: stable auditor grant denied during reload", g, i)
					return
				}
				if a.Can(user("u2"), "ZELTRA", "version", "publish") {
					t.Errorf("goroutine %d check %d: rep may publish", g, i)
					return
				}
				a.Brands(user("u2"), "library", "read")
				if i%100 == 0 {
					if err := a.Sync(ctx); err != nil {
						t.Errorf("Sync: %v", err)
						return
					}
				}
			}
		})
	}
	checkers.Wait()
	close(stop)
	changer.Wait()
	t.Logf("%d changes of the grants during the checks", cycles.Load())

	src.set(base...)
	if err := a.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if a.Can(user("u2"), "ZELTRA", "library", "read") {
		t.Error("final removal of u2's grant not in effect")
	}
}

func TestPolicyParsing(t *testing.T) {
	if _, err := policyRules(); err != nil {
		t.Fatalf("embedded policy: %v", err)
	}
	for _, bad := range []string{
		"p, admin, user",
		"p, admin, user, read, extra",
		"g, user:1, admin, *",
		"p, superuser, user, read",
		"p, admin, , read",
		`p, admin, "user, read`,
	} {
		if _, err := parsePolicy("# comment\n\n" + bad + "\n"); err == nil {
			t.Errorf("parsePolicy(%q) accepted a bad line", bad)
		}
	}
	rules, err := parsePolicy("# c\n  p,admin ,  user,read  \n\n")
	if err != nil || len(rules) != 1 || rules[0] != (rule{domain.RoleAdmin, "user", "read"}) {
		t.Errorf("parsePolicy with spaces = %v, %v", rules, err)
	}
}

func TestActions(t *testing.T) {
	acts := Actions()
	if len(acts) == 0 {
		t.Fatal("Actions() is empty")
	}
	if !slices.IsSortedFunc(acts, func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	}) {
		t.Error("Actions() is not sorted")
	}
	if len(slices.Compact(slices.Clone(acts))) != len(acts) {
		t.Error("Actions() has duplicates")
	}
	for _, p := range acts {
		if !IsKnownAction(p[0], p[1]) {
			t.Errorf("IsKnownAction(%q, %q) = false for a listed pair", p[0], p[1])
		}
	}
	for _, p := range [][2]string{{"asset", "delete"}, {"version", "approve"}, {"", ""}, {"read", "asset"}} {
		if IsKnownAction(p[0], p[1]) {
			t.Errorf("IsKnownAction(%q, %q) = true", p[0], p[1])
		}
	}
}

func TestMemoIsBounded(t *testing.T) {
	a := newAuthorizer(t, newMemSource(domain.Grant{UserID: "u1", Role: domain.RoleMarketer, Brand: "ZELTRA"}))
	a.maxDecisions = 10
	for i := range 50 {
		a.Can(user("u1"), fmt.Sprintf("B%d", i), "asset", "read")
	}
	if n := a.snap.Load().decisionCount.Load(); n != 10 {
		t.Errorf("memo holds %d answers, want the limit 10", n)
	}
	// Beyond the limit answers are still right.
	if !a.Can(user("u1"), "ZELTRA", "asset", "read") || a.Can(user("u1"), "B49", "asset", "read") {
		t.Error("wrong answer beyond the memo limit")
	}
}

// BenchmarkCan measures one check with 1,000 users holding 3 grants each
// loaded (PRODUCT.md: an authorization check takes under 50 µs). The
// "uncached" cases are what Casbin costs for a question first asked after a
// reload; the others are the steady state, answered from the memo.
func BenchmarkCan(b *testing.B) {
	brands := []string{"ZELTRA", "ACME", "BETA", "GAMMA", "DELTA"}
	roles := []domain.Role{
		domain.RoleMarketer,
		domain.RoleMedicalReviewer,
		domain.RoleLegalReviewer,
		domain.RoleRegulatoryReviewer,
		domain.RoleRep,
	}
	var grants []domain.Grant
	for i := range 1000 {
		id := fmt.Sprintf("u%d", i)
		for j := range 3 {
			grants = append(grants, domain.Grant{UserID: id, Role: roles[(i+j)%len(roles)], Brand: brands[(i+2*j)%len(brands)]})
		}
	}
	grants = append(grants, domain.Grant{UserID: "admin", Role: domain.RoleAdmin, Brand: domain.AllBrands})
	a := newAuthorizer(b, newMemSource(grants...))
	// u500 is marketer of ZELTRA: grant 0 is (roles[0], brands[0]).
	u := user("u500")
	b.ReportAllocs()
	b.Run("uncached_allowed", func(b *testing.B) {
		for b.Loop() {
			if !a.enforce(u.Subject(), "ZELTRA", "asset", "create") {
				b.Fatal("denied")
			}
		}
	})
	b.Run("uncached_denied", func(b *testing.B) {
		// A denial evaluates every policy line.
		for b.Loop() {
			if a.enforce(u.Subject(), "OTHERBRAND", "audit", "export") {
				b.Fatal("allowed")
			}
		}
	})
	b.Run("allowed", func(b *testing.B) {
		for b.Loop() {
			if !a.Can(u, "ZELTRA", "asset", "create") {
				b.Fatal("denied")
			}
		}
	})
	b.Run("denied", func(b *testing.B) {
		for b.Loop() {
			if a.Can(u, "OTHERBRAND", "audit", "export") {
				b.Fatal("allowed")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				a.Can(user(grants[i%len(grants)].UserID), "ZELTRA", "version", "read")
				i++
			}
		})
	})
}
