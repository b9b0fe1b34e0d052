package domain

import "time"

// EffectiveState is the state a version is in at now. A published version
// whose expiry has passed is expired for every decision, whether or not the
// expiry sweep has written that yet: it can no longer be withdrawn,
// re-certified or extended, and it is not in the reps' library.
func EffectiveState(state State, expiresAt *time.Time, now time.Time) State {
	if state == StatePublished && expiresAt != nil && !expiresAt.After(now) {
		return StateExpired
	}
	return state
}

// InLibrary reports whether a version is in the reps' library at now: the
// published version of its asset, available and not expired. The checker
// report does not decide it: a piece leaves the library by retirement only
// (expiry, withdrawal or a newer version), with its notices, feed entry and
// webhook. A published piece whose report fails against a newer label stays,
// flagged for re-review, until one of those happens.
func InLibrary(state State, availableFrom, expiresAt *time.Time, now time.Time) bool {
	return EffectiveState(state, expiresAt, now) == StatePublished &&
		availableFrom != nil && !availableFrom.After(now)
}

// Library feed changes.
const (
	ChangeAdded   = "added"
	ChangeUpdated = "updated"
	ChangeRemoved = "removed"
)

// Reasons of library feed changes.
const (
	ReasonExpired           = "expired"
	ReasonWithdrawn         = "withdrawn"
	ReasonSuperseded        = "superseded"         // retired by a newer version not yet available
	ReasonSupersedesEarlier = "superseded_earlier" // replaces the asset's earlier version
	ReasonExpiryChanged     = "expiry_changed"
)

// LibraryEvent is what an audit event of the version lifecycle recorded
// about the reps' library, as the sync feed reads it.
type LibraryEvent struct {
	Action        string
	OccurredAt    time.Time
	AvailableFrom *time.Time
	ExpiresAt     *time.Time
	// Announced is whether the version had been announced to the
	// library when the event happened (nil for events written before this
	// was recorded: they were).
	Announced *bool
	// ReplacesVisible is set on a publication that retired an earlier
	// version reps could see; ReplacementAvailable on that earlier
	// version's supersession, when the new version was available at once.
	ReplacesVisible      bool
	ReplacementAvailable *bool
}

// LibraryChange is one entry of the reps' library feed.
type LibraryChange struct {
	Change    string
	Reason    string
	At        time.Time
	ExpiresAt *time.Time
}

// FeedChange decides the library feed entry of a lifecycle event, if any.
// Together the entries replay the library exactly: a version is added when
// it becomes available (at publication, or when its availability date
// passes), updated when its expiry changes while it is in the library,
// and removed once when it leaves: expired (at its expiry time), withdrawn,
// or superseded by a version not yet available. A publication whose
// version is available at once replaces the earlier version in one
// "updated" entry.
func FeedChange(e LibraryEvent) (LibraryChange, bool) {
	announced := e.Announced == nil || *e.Announced
	c := LibraryChange{At: e.OccurredAt.UTC(), ExpiresAt: e.ExpiresAt}
	switch e.Action {
	case "version.publish":
		if e.AvailableFrom != nil && e.AvailableFrom.After(e.OccurredAt) {
			return c, false // announced by version.available when the date passes
		}
		c.Change = ChangeAdded
		if e.ReplacesVisible {
			c.Change, c.Reason = ChangeUpdated, ReasonSupersedesEarlier
		}
	case "version.available":
		c.Change = ChangeAdded
		if e.AvailableFrom != nil {
			c.At = e.AvailableFrom.UTC()
		}
	case "version.expire":
		c.Change, c.Reason = ChangeRemoved, ReasonExpired
		if e.ExpiresAt != nil {
			c.At = e.ExpiresAt.UTC()
		}
		// Expiry is swept only after the announcement, so an expired
		// version was in the library unless it was never announced.
		if !announced {
			return c, false
		}
	case "version.withdraw":
		c.Change, c.Reason = ChangeRemoved, ReasonWithdrawn
		if !announced {
			return c, false
		}
	case "version.supersede":
		c.Change, c.Reason = ChangeRemoved, ReasonSuperseded
		// Replaced at once: the publication's "updated" entry says it.
		if e.ReplacementAvailable == nil || *e.ReplacementAvailable || !announced {
			return c, false
		}
	case "version.expiry_changed", "version.expiry_extended":
		c.Change, c.Reason = ChangeUpdated, ReasonExpiryChanged
		if !announced {
			return c, false
		}
	default:
		return c, false
	}
	return c, true
}

// FeedActions are the audit actions FeedChange reads.
var FeedActions = []string{"version.publish", "version.available", "version.expire", "version.withdraw",
	"version.supersede", "version.expiry_changed", "version.expiry_extended"}
