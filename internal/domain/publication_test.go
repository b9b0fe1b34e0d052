package domain

import (
	"testing"
	"time"
)

func TestDecidePublication(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	approved := now.Add(-24 * time.Hour)
	published := now.Add(-48 * time.Hour)
	later := now.Add(72 * time.Hour)
	base := Publication{Now: now, ExpiresAt: now.AddDate(0, 6, 0), State: StateApproved, ApprovedAt: &approved, MaxExpiry: 12}
	cases := []struct {
		name     string
		edit     func(p *Publication)
		code     string
		wantFrom time.Time
	}{
		{"approved, available now", func(p *Publication) {}, "", now},
		{"past availability means now", func(p *Publication) { p.AvailableFrom = now.Add(-time.Hour) }, "", now},
		{"embargoed", func(p *Publication) { p.AvailableFrom = later }, "", later},
		{"expiry in the past", func(p *Publication) { p.ExpiresAt = now.Add(-time.Second) }, EINVALID, time.Time{}},
		{
			"expiry before availability",
			func(p *Publication) { p.AvailableFrom, p.ExpiresAt = later, later.Add(-time.Hour) },
			EINVALID,
			time.Time{},
		},
		{"beyond the brand's period", func(p *Publication) { p.ExpiresAt = approved.AddDate(0, 12, 1) }, EINVALID, time.Time{}},
		{"in review", func(p *Publication) { p.State = StateInReview }, ECONFLICT, time.Time{}},
		{"published, not re-certified", func(p *Publication) { p.State, p.PublishedAt = StatePublished, &now }, ECONFLICT, time.Time{}},
		{"published and re-certified since", func(p *Publication) { p.State, p.PublishedAt = StatePublished, &published }, "", now},
		{"expired", func(p *Publication) { p.State, p.PublishedAt = StateExpired, &published }, ECONFLICT, time.Time{}},
	}
	for _, c := range cases {
		p := base
		c.edit(&p)
		from, err := DecidePublication(p)
		if ErrorCode(err) != c.code && !(c.code == "" && err == nil) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.code)
			continue
		}
		if c.code == "" && !from.Equal(c.wantFrom) {
			t.Errorf("%s: available from %v, want %v", c.name, from, c.wantFrom)
		}
	}
}
