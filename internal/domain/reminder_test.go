package domain

import (
	"testing"
	"time"
)

func TestReminderDue(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	th := []int{30, 7, 1}
	for _, tc := range []struct {
		name     string
		left     time.Duration
		sent     []int
		want     int
		wantSend bool
	}{
		{"beyond every threshold", 60 * day, nil, 0, false},
		{"within 30 days", 20 * day, nil, 30, true},
		{"exactly 30 days", 30 * day, nil, 30, true},
		{"30 already sent", 20 * day, []int{30}, 0, false},
		{"within 7 days after the 30-day one", 6 * day, []int{30}, 7, true},
		{"within 7 days, none sent: only the 7-day one", 6 * day, nil, 7, true},
		{"within a day, none sent: only the 1-day one", 12 * time.Hour, nil, 1, true},
		{"within a day after 30 and 7", 12 * time.Hour, []int{30, 7}, 1, true},
		{"never a wider one after a nearer one", 6 * day, []int{1}, 0, false},
		{"1 already sent", 12 * time.Hour, []int{1}, 0, false},
		{"expired", 0, nil, 0, false},
		{"expired long ago", -day, nil, 0, false},
	} {
		got, ok := ReminderDue(now, now.Add(tc.left), th, tc.sent)
		if got != tc.want || ok != tc.wantSend {
			t.Errorf("%s: ReminderDue = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.wantSend)
		}
	}
}

func TestWithinDays(t *testing.T) {
	for days, want := range map[int]string{1: "within 1 day", 7: "within 7 days", 30: "within 30 days"} {
		if got := WithinDays(days); got != want {
			t.Errorf("WithinDays(%d) = %q, want %q", days, got, want)
		}
	}
}
