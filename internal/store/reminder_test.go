package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// reminderSubjects lists the expiry reminders sent so far, oldest first.
func reminderSubjects(t *testing.T, s *Store) []string {
	t.Helper()
	var subjects []string
	if err := s.db.Model(&notificationRow{}).Where("kind = ?", "expiry_reminder").Order("created_at, id").
		Pluck("subject", &subjects).Error; err != nil {
		t.Fatal(err)
	}
	return subjects
}

// TestExpiryRemindersSendOnlyTheNearest publishes pieces close to their
// expiry: each gets only the nearest due reminder, worded in the singular
// for one day, and never a wider one afterwards.
func TestExpiryRemindersSendOnlyTheNearest(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		thresholds := []int{30, 7, 1}
		now := c.Now()
		short, _ := approved(t, s, "ZEL-SHORT")
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: short, ExpiresAt: now.Add(12 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.SendExpiryReminders(ctx, now, thresholds); err != nil || n != 1 {
			t.Fatalf("reminders for a piece expiring within a day = %d, %v; want 1", n, err)
		}
		got := reminderSubjects(t, s)
		if len(got) != 1 || !strings.Contains(got[0], "ZEL-SHORT") || !strings.Contains(got[0], "(within 1 day)") {
			t.Fatalf("reminders = %q", got)
		}
		c.Set(now.Add(time.Hour))
		if n, err := s.SendExpiryReminders(ctx, c.Now(), thresholds); err != nil || n != 0 {
			t.Fatalf("second run = %d, %v; want 0", n, err)
		}

		// Six days left: the 7-day reminder, and later the 1-day one.
		week, _ := approved(t, s, "ZEL-WEEK")
		if _, err := s.Publish(ctx, testActor,
			domain.PublishRequest{VersionID: week, ExpiresAt: c.Now().Add(6 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.SendExpiryReminders(ctx, c.Now(), thresholds); err != nil || n != 1 {
			t.Fatalf("reminders at six days = %d, %v; want 1", n, err)
		}
		if got := reminderSubjects(t, s); len(got) != 2 || !strings.Contains(got[1], "ZEL-WEEK") ||
			!strings.Contains(got[1], "(within 7 days)") {
			t.Fatalf("reminders = %q", got)
		}
		c.Set(c.Now().Add(5*24*time.Hour + 12*time.Hour))
		if n, err := s.SendExpiryReminders(ctx, c.Now(), thresholds); err != nil || n != 1 {
			t.Fatalf("reminders at half a day = %d, %v; want 1", n, err)
		}
		if got := reminderSubjects(t, s); len(got) != 3 || !strings.Contains(got[2], "ZEL-WEEK") ||
			!strings.Contains(got[2], "(within 1 day)") {
			t.Fatalf("reminders = %q", got)
		}
	})
}

// A piece whose expiry a re-certification extended gets its reminders
// again before the new expiry.
func TestRemindersStartAgainAfterAnExtension(t *testing.T) {
	backendsWithClock(t, func(t *testing.T, s *Store, c *clock) {
		ctx := context.Background()
		createZeltra(t, s)
		thresholds := []int{30, 7, 1}
		v, _ := approved(t, s, "ZEL-EXT")
		if _, err := s.Publish(ctx, testActor,
			domain.PublishRequest{VersionID: v, ExpiresAt: c.Now().Add(20 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.SendExpiryReminders(ctx, c.Now(), thresholds); err != nil || n != 1 {
			t.Fatalf("first reminder = %d, %v", n, err)
		}
		c.Set(c.Now().Add(24 * time.Hour))
		recertified(t, s, v, "ext", c.Now())
		newExp := c.Now().Add(180 * 24 * time.Hour)
		if _, err := s.Publish(ctx, testActor, domain.PublishRequest{VersionID: v, ExpiresAt: newExp}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.SendExpiryReminders(ctx, c.Now(), thresholds); err != nil || n != 0 {
			t.Fatalf("reminders right after the extension = %d, %v; want 0", n, err)
		}
		c.Set(newExp.Add(-29 * 24 * time.Hour))
		if n, err := s.SendExpiryReminders(ctx, c.Now(), thresholds); err != nil || n != 1 {
			t.Fatalf("reminders 29 days before the new expiry = %d, %v; want 1", n, err)
		}
		got := reminderSubjects(t, s)
		if len(got) != 2 || !strings.Contains(got[1], newExp.Format("2006-01-02")) {
			t.Fatalf("reminders = %q", got)
		}
	})
}
