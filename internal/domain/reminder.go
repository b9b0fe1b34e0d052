package domain

import (
	"fmt"
	"slices"
	"time"
)

// DefaultReminderDays are the days before expiry at which an asset's owner
// is reminded, by default.
var DefaultReminderDays = []int{30, 7, 1}

// ReminderDue chooses the one expiry reminder to send now for a piece that
// expires at expiresAt, given the reminder thresholds in days and the
// thresholds already sent. It is the nearest threshold the expiry falls
// within: a piece published a day before expiry gets the 1-day reminder
// only, not 30, 7 and 1 at once. Once a reminder was sent, no wider one
// follows it (the owner already knows about the nearer date). It returns
// false when nothing is due: the piece expired already, the expiry is
// beyond every threshold, or that or a nearer reminder was sent.
func ReminderDue(now, expiresAt time.Time, thresholds, sent []int) (int, bool) {
	if !expiresAt.After(now) {
		return 0, false
	}
	due, found := 0, false
	for _, d := range thresholds {
		if d <= 0 || expiresAt.After(now.AddDate(0, 0, d)) {
			continue
		}
		if !found || d < due {
			due, found = d, true
		}
	}
	if !found {
		return 0, false
	}
	if slices.ContainsFunc(sent, func(s int) bool { return s <= due }) {
		return 0, false
	}
	return due, true
}

// WithinDays says "within 1 day" or "within 7 days", for reminder texts.
func WithinDays(days int) string {
	if days == 1 {
		return "within 1 day"
	}
	return fmt.Sprintf("within %d days", days)
}
