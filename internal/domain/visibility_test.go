package domain

import (
	"testing"
	"time"
)

func TestEffectiveStateAndInLibrary(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	before, after := now.Add(-time.Second), now.Add(time.Second)
	cases := []struct {
		state     State
		from, exp *time.Time
		effective State
		inLibrary bool
	}{
		{StatePublished, &before, &after, StatePublished, true},
		{StatePublished, &before, &now, StateExpired, false}, // expiry is exclusive
		{StatePublished, &before, &before, StateExpired, false},
		{StatePublished, &after, &after, StatePublished, false}, // embargoed
		{StatePublished, &now, &after, StatePublished, true},
		{StateApproved, &before, &after, StateApproved, false},
		{StateWithdrawn, &before, &after, StateWithdrawn, false},
		{StatePublished, nil, &after, StatePublished, false},
	}
	for i, c := range cases {
		if got := EffectiveState(c.state, c.exp, now); got != c.effective {
			t.Errorf("%d: EffectiveState = %s, want %s", i, got, c.effective)
		}
		if got := InLibrary(c.state, c.from, c.exp, now); got != c.inLibrary {
			t.Errorf("%d: InLibrary = %v, want %v", i, got, c.inLibrary)
		}
	}
}

func TestFeedChange(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	later, exp := at.Add(48*time.Hour), at.Add(90*24*time.Hour)
	yes, no := true, false
	cases := []struct {
		name   string
		e      LibraryEvent
		ok     bool
		change string
		reason string
		at     time.Time
	}{
		{
			"publication available at once",
			LibraryEvent{Action: "version.publish", OccurredAt: at, AvailableFrom: &at, ExpiresAt: &exp},
			true,
			ChangeAdded,
			"",
			at,
		},
		{
			"publication replacing a visible version",
			LibraryEvent{Action: "version.publish", OccurredAt: at, AvailableFrom: &at, ReplacesVisible: true},
			true,
			ChangeUpdated,
			ReasonSupersedesEarlier,
			at,
		},
		{"embargoed publication", LibraryEvent{Action: "version.publish", OccurredAt: at, AvailableFrom: &later}, false, "", "", at},
		{
			"availability",
			LibraryEvent{Action: "version.available", OccurredAt: later.Add(time.Hour), AvailableFrom: &later},
			true,
			ChangeAdded,
			"",
			later,
		},
		{
			"expiry dated at the expiry",
			LibraryEvent{Action: "version.expire", OccurredAt: exp.Add(time.Minute), ExpiresAt: &exp},
			true,
			ChangeRemoved,
			ReasonExpired,
			exp,
		},
		{"withdrawal", LibraryEvent{Action: "version.withdraw", OccurredAt: at, Announced: &yes}, true, ChangeRemoved, ReasonWithdrawn, at},
		{"withdrawal before announcement", LibraryEvent{Action: "version.withdraw", OccurredAt: at, Announced: &no}, false, "", "", at},
		{
			"withdrawal recorded before announcements were",
			LibraryEvent{Action: "version.withdraw", OccurredAt: at},
			true,
			ChangeRemoved,
			ReasonWithdrawn,
			at,
		},
		{
			"superseded by an embargoed version",
			LibraryEvent{Action: "version.supersede", OccurredAt: at, Announced: &yes, ReplacementAvailable: &no},
			true,
			ChangeRemoved,
			ReasonSuperseded,
			at,
		},
		{
			"superseded by an available version",
			LibraryEvent{Action: "version.supersede", OccurredAt: at, Announced: &yes, ReplacementAvailable: &yes},
			false,
			"",
			"",
			at,
		},
		{
			"expiry change in the library",
			LibraryEvent{Action: "version.expiry_changed", OccurredAt: at, ExpiresAt: &exp, Announced: &yes},
			true,
			ChangeUpdated,
			ReasonExpiryChanged,
			at,
		},
		{
			"expiry change during the embargo",
			LibraryEvent{Action: "version.expiry_changed", OccurredAt: at, ExpiresAt: &exp, Announced: &no},
			false,
			"",
			"",
			at,
		},
		{"another action", LibraryEvent{Action: "version.submit", OccurredAt: at}, false, "", "", at},
	}
	for _, c := range cases {
		got, ok := FeedChange(c.e)
		if ok != c.ok || (ok && (got.Change != c.change || got.Reason != c.reason || !got.At.Equal(c.at))) {
			t.Errorf("%s: FeedChange = %+v, %v; want %s/%s at %v, %v", c.name, got, ok, c.change, c.reason, c.at, c.ok)
		}
	}
}
