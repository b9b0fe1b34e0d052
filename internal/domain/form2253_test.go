package domain

import (
	"testing"
	"time"
)

func TestDisseminationDate(t *testing.T) {
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	for _, tc := range []struct {
		name                   string
		published, availableAt *time.Time
		want                   string
	}{
		{"never published", nil, nil, ""},
		{"no embargo recorded", at("2026-11-25T09:00:00Z"), nil, "2026-11-25"},
		{"available on publication", at("2026-11-25T09:00:00Z"), at("2026-11-25T09:00:00Z"), "2026-11-25"},
		{"embargoed to a later day", at("2026-11-25T09:00:00Z"), at("2026-12-10T00:00:00Z"), "2026-12-10"},
		{"availability before publication", at("2026-11-25T09:00:00Z"), at("2026-11-20T00:00:00Z"), "2026-11-25"},
		{"date in UTC", at("2026-11-25T23:30:00-05:00"), nil, "2026-11-26"},
	} {
		if got := DisseminationDate(tc.published, tc.availableAt); got != tc.want {
			t.Errorf("%s: DisseminationDate = %q, want %q", tc.name, got, tc.want)
		}
	}
}
