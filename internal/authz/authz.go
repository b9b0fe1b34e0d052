// Package authz decides who may do what. It is the one place that calls
// Casbin: the model and the role → object → action rules come from the
// policies package, and which user holds which role for which brand comes
// from the database through a read-only adapter. Checks are in memory; Sync
// keeps every instance's copy of the role assignments current.
package authz

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/policies"
)

// Source is where role assignments live (the store implements it).
type Source interface {
	// Grants returns every assignment of every user.
	Grants(ctx context.Context) ([]domain.Grant, error)
	// GrantsVersion returns a number that changes in the same transaction
	// as every change of assignments, so that one cheap read tells whether
	// the loaded assignments are current.
	GrantsVersion(ctx context.Context) (int64, error)
}

// Authorizer answers authorization questions from an in-memory Casbin
// enforcer. It is safe for concurrent use: checks may run while Sync or
// Reload replaces the role assignments, and see either the old or the new
// ones, never a mix.
type Authorizer struct {
	src Source
	// One enforcer per object, each holding only that object's policy
	// lines and every grant: Casbin evaluates its matcher once per policy
	// line, so a check walks a handful of lines instead of the whole file.
	enforcers map[string]*casbin.SyncedEnforcer
	adapters  map[string]*adapter

	// reload is a semaphore of one: at most one reload runs at a time, and
	// waiting for it honours the caller's context (a sync.Mutex would not).
	reload chan struct{}
	// maxDecisions bounds each snapshot's memo (see snapshot.decisions).
	maxDecisions int64
	// ticket orders Sync calls and reloads (see Sync).
	ticket atomic.Int64
	// snap is replaced by every reload, after the enforcer has the new
	// assignments: whoever loads a snapshot and then calls Enforce gets an
	// answer at least as new as the snapshot.
	snap atomic.Pointer[snapshot]
}

// snapshot is what one reload produced besides the enforcer's policy.
type snapshot struct {
	// version is the GrantsVersion read before the loaded grants.
	version int64
	// ticket is the reload's ticket: its reads began after every Sync with
	// a smaller ticket had started.
	ticket int64
	// brands maps a user ID to the distinct brands of the user's grants,
	// sorted; Brands and CanSomewhere check only these.
	brands map[string][]string

	// decisions memoizes Enforce answers (decisionKey → bool) for this
	// policy only: Casbin evaluates the matcher once per policy line, tens
	// of microseconds per check, while a repeated question costs a map
	// look-up. A new reload starts with an empty memo, so no answer
	// outlives the assignments it came from (unlike casbin's
	// SyncedCachedEnforcer, which clears its cache before loading and can
	// keep an answer computed from the old policy). At most maxDecisions
	// answers are kept, because brand, object and action may come from a
	// request; beyond that Can asks Casbin every time.
	decisions     sync.Map
	decisionCount atomic.Int64
}

// decisionKey is one question asked of the enforcer.
type decisionKey struct{ userID, brand, object, action string }

// maxDecisions bounds each snapshot's memo (roughly 200 bytes an answer):
// room for 1,000 users asking 100 distinct questions each.
const maxDecisions = 100_000

// New builds an Authorizer from the embedded model and policy and loads the
// role assignments from src. It fails if the model or policy does not parse
// or src cannot be read.
func New(ctx context.Context, src Source) (*Authorizer, error) {
	rules, err := policyRules()
	if err != nil {
		return nil, err
	}
	byObject := map[string][]rule{}
	for _, r := range rules {
		byObject[r.object] = append(byObject[r.object], r)
	}
	a := &Authorizer{
		src:          src,
		enforcers:    map[string]*casbin.SyncedEnforcer{},
		adapters:     map[string]*adapter{},
		reload:       make(chan struct{}, 1),
		maxDecisions: maxDecisions,
	}
	for object, rs := range byObject {
		om, err := model.NewModelFromString(policies.Model())
		if err != nil {
			return nil, fmt.Errorf("authz: model.conf: %w", err)
		}
		ad := &adapter{rules: rs}
		// NewSyncedEnforcer loads the p lines at once; the grants follow
		// in Reload, which reads them with ctx.
		e, err := casbin.NewSyncedEnforcer(om, ad)
		if err != nil {
			return nil, fmt.Errorf("authz: new enforcer: %w", err)
		}
		e.EnableAutoSave(false)
		a.enforcers[object], a.adapters[object] = e, ad
	}
	if err := a.Reload(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// Sync makes sure the loaded role assignments include every change committed
// before Sync was called, by any instance. The HTTP layer calls it once per
// request, before the first check.
//
// When nothing changed it costs one GrantsVersion read. When the version
// differs, one caller reloads and concurrent callers wait for that reload
// (or for their context) and then return without reloading again, unless
// the reload began too early to include what they must see; so a burst of
// requests after a role change causes one reload, not one per request.
//
// On error (the source cannot be read, or ctx ends while waiting) the
// previously loaded assignments stay in force and the next Sync tries again;
// the caller decides whether to serve the request with them or fail it.
func (a *Authorizer) Sync(ctx context.Context) error {
	t := a.ticket.Add(1)
	v, err := a.src.GrantsVersion(ctx)
	if err != nil {
		return fmt.Errorf("authz: sync: %w", err)
	}
	return a.syncTo(ctx, t, v)
}

// SyncAt is Sync for a caller that has just read the grants version itself,
// in a statement it needed anyway (the HTTP layer reads it with the
// session): the loaded role assignments then include every change committed
// before that read, and nothing changed costs nothing.
func (a *Authorizer) SyncAt(ctx context.Context, version int64) error {
	return a.syncTo(ctx, a.ticket.Add(1), version)
}

// syncTo reloads unless the loaded assignments are at version v or were
// read by a reload that began after ticket t was taken, which is after v
// was read.
func (a *Authorizer) syncTo(ctx context.Context, t, v int64) error {
	if v == a.snap.Load().version {
		return nil
	}
	if err := a.lock(ctx); err != nil {
		return fmt.Errorf("authz: sync: %w", err)
	}
	defer a.unlock()
	// Someone else may have reloaded while we waited: either to the version
	// we read, or with reads that began after this call did, which include
	// every change committed before it.
	if s := a.snap.Load(); v == s.version || s.ticket > t {
		return nil
	}
	return a.reloadLocked(ctx)
}

// Reload reads every role assignment from the source and replaces the loaded
// ones, whatever the version. It waits for a reload already running. On
// error the previously loaded assignments stay in force.
//
// Grants that could not have been stored through domain.RoleAssignment's
// validation (an empty user ID, an unknown role, a malformed brand) are
// skipped and logged with slog.Default: such a grant allows nothing, and
// refusing the whole reload would keep revocations of everyone else from
// taking effect.
func (a *Authorizer) Reload(ctx context.Context) error {
	if err := a.lock(ctx); err != nil {
		return fmt.Errorf("authz: reload: %w", err)
	}
	defer a.unlock()
	return a.reloadLocked(ctx)
}

// reloadLocked reloads; the caller holds the reload lock.
func (a *Authorizer) reloadLocked(ctx context.Context) error {
	t := a.ticket.Add(1)
	// The version is read before the grants. If a change commits between
	// the two reads, the grants are newer than the version recorded, and
	// the next Sync reloads once more; the loaded grants are never older
	// than the recorded version.
	v, err := a.src.GrantsVersion(ctx)
	if err != nil {
		return fmt.Errorf("authz: reload: %w", err)
	}
	grants, err := a.src.Grants(ctx)
	if err != nil {
		return fmt.Errorf("authz: reload: %w", err)
	}
	valid := make([]domain.Grant, 0, len(grants))
	byUser := make(map[string][]string)
	for _, g := range grants {
		if g.UserID == "" || (domain.RoleAssignment{Role: g.Role, Brand: g.Brand}).Validate() != nil {
			slog.Default().Warn("authz: skipping invalid role assignment", "user_id", g.UserID, "role", string(g.Role), "brand", g.Brand)
			continue
		}
		valid = append(valid, g)
		byUser[g.UserID] = append(byUser[g.UserID], g.Brand)
	}
	for id, bs := range byUser {
		slices.Sort(bs)
		byUser[id] = slices.Compact(bs)
	}

	for object, e := range a.enforcers {
		ad := a.adapters[object]
		ad.grants = valid
		err = e.LoadPolicy()
		ad.grants = nil
		if err != nil {
			return fmt.Errorf("authz: reload: %w", err)
		}
	}
	a.snap.Store(&snapshot{version: v, ticket: t, brands: byUser})
	return nil
}

func (a *Authorizer) lock(ctx context.Context) error {
	select {
	case a.reload <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *Authorizer) unlock() { <-a.reload }

// Can reports whether user may do action on object in brand (a brand code,
// or domain.AllBrands for an action that concerns no single brand, which
// only a role held for every brand allows). It is an in-memory check against
// the role assignments loaded by the last Reload or Sync; the user's own
// Roles field is not consulted. The first time a question is asked after a
// reload Casbin evaluates it (tens of microseconds); repeats are answered
// from a memo that the next reload discards (well under a microsecond).
//
// Every failure denies: a disabled user, a user without an ID, an empty
// brand (a programming error: the caller forgot to resolve the brand) and
// an error from Casbin (only possible with a broken model, which the tests
// rule out) all return false.
func (a *Authorizer) Can(user domain.User, brand, object, action string) bool {
	if user.Disabled || user.ID == "" || brand == "" {
		return false
	}
	s := a.snap.Load()
	k := decisionKey{user.ID, brand, object, action}
	if ok, hit := s.decisions.Load(k); hit {
		return ok.(bool)
	}
	ok := a.enforce(user.Subject(), brand, object, action)
	if s.decisionCount.Load() < a.maxDecisions {
		if _, loaded := s.decisions.LoadOrStore(k, ok); !loaded {
			s.decisionCount.Add(1)
		}
	}
	return ok
}

// enforce asks Casbin; an error (only possible with a broken model) denies.
// An object no policy line names is denied without asking.
func (a *Authorizer) enforce(sub, brand, object, action string) bool {
	e, known := a.enforcers[object]
	if !known {
		return false
	}
	ok, err := e.Enforce(sub, brand, object, action)
	return err == nil && ok
}

// CanSomewhere reports whether user may do action on object in at least one
// brand. It suits coarse route gates and menus; the handler must still call
// Can with the brand of the resource it touches.
func (a *Authorizer) CanSomewhere(user domain.User, object, action string) bool {
	all, brands := a.Brands(user, object, action)
	return all || len(brands) > 0
}

// Brands returns where user may do action on object, for filtering listings:
// all is true when a role held for every brand allows it (brands is then
// nil); otherwise brands lists, sorted, the brand codes of the user's grants
// in which it is allowed (nil if none). A disabled user gets false, nil.
func (a *Authorizer) Brands(user domain.User, object, action string) (all bool, brands []string) {
	if a.Can(user, domain.AllBrands, object, action) {
		return true, nil
	}
	if user.Disabled || user.ID == "" {
		return false, nil
	}
	for _, b := range a.snap.Load().brands[user.ID] {
		if b != domain.AllBrands && a.Can(user, b, object, action) {
			brands = append(brands, b)
		}
	}
	return false, brands
}
