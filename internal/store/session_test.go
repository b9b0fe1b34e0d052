package store

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// TestParallelPasswordChecksRespectTheLimit: 40 wrong guesses at once
// against a limit of 5 reserve exactly 5 password checks; the other 35 are
// refused before any check, on both databases.
func TestParallelPasswordChecksRespectTheLimit(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pc := domain.PasswordCheck{
			Email:    "target@example.com",
			ClientIP: "192.0.2.7",
			Window:   15 * time.Minute,
			Limits:   domain.ThrottleLimits{PerAccount: 5, PerAddress: 50},
		}
		var (
			wg                  sync.WaitGroup
			mu                  sync.Mutex
			reserved, throttled int
		)
		start := make(chan struct{})
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.BeginPasswordCheck(ctx, pc)
				mu.Lock()
				defer mu.Unlock()
				switch domain.ErrorCode(err) {
				case "":
					reserved++
				case domain.ETOOMANY:
					throttled++
				default:
					t.Errorf("BeginPasswordCheck: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if reserved != 5 || throttled != 35 {
			t.Fatalf("%d checks reserved, %d throttled; want 5 and 35", reserved, throttled)
		}
		// 35 refusals are audited as counts at 1 and 10, not 35 events.
		counts := auditDetailsOf(t, s, domain.ActionLoginThrottled)
		if len(counts) != 2 || !strings.Contains(counts[1], `"attempts":10`) {
			t.Fatalf("throttle events = %v", counts)
		}
		// When the counts are purged, their exact totals are audited once.
		for i := 0; i < 2; i++ {
			if err := s.PurgeSessions(ctx, time.Now().Add(48*time.Hour), 24*time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		summaries := auditDetailsOf(t, s, domain.ActionThrottleSummary)
		if len(summaries) != 1 || !strings.Contains(summaries[0], `"attempts":35`) {
			t.Fatalf("summaries = %v", summaries)
		}
	})
}

// TestPasswordCheckSuccessStartsAfresh: a reserved check that succeeds
// stops counting as a failure of the account.
func TestPasswordCheckSuccessStartsAfresh(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pc := domain.PasswordCheck{
			Email:    "a@example.com",
			ClientIP: "192.0.2.8",
			Window:   time.Hour,
			Limits:   domain.ThrottleLimits{PerAccount: 2, PerAddress: 50},
		}
		for i := 0; i < 2; i++ {
			if _, err := s.BeginPasswordCheck(ctx, pc); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.BeginPasswordCheck(ctx, pc); domain.ErrorCode(err) != domain.ETOOMANY {
			t.Fatalf("third check: %v", err)
		}
		pc.Limits.PerAccount = 3
		id, err := s.BeginPasswordCheck(ctx, pc)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RecordLogin(ctx,
			domain.LoginOutcome{Email: pc.Email, ClientIP: pc.ClientIP, Succeeded: true, AttemptID: id}); err != nil {
			t.Fatal(err)
		}
		if acct, _, err := s.RecentFailures(ctx, pc.Email, pc.ClientIP, time.Now().Add(-2*time.Hour)); err != nil || acct != 0 {
			t.Fatalf("failures after success = %d, %v", acct, err)
		}
	})
}

// TestPasswordSetByAnotherBlocksSigning: after an administrator's reset the
// user owes a password change, seen on their session, and their signature
// is refused until they set their own, on both databases.
func TestPasswordSetByAnotherBlocksSigning(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		versionID, _ := submitted(t, s)
		rev := reviewer(t, s, 1)
		admin := reviewer(t, s, 2)
		hash := "$argon2id$reset"
		if _, err := s.UpdateUser(ctx, admin, rev.UserID, domain.UserUpdate{PasswordHash: &hash}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		if err := s.RecordLogin(ctx,
			domain.LoginOutcome{Email: "reviewer1@example.com", Succeeded: true, User: &domain.User{ID: rev.UserID},
				Session: &domain.Session{TokenHash: "h", UserID: rev.UserID, Kind: SessionAPI, ExpiresAt: now.Add(time.Hour)}},
		); err != nil {
			t.Fatal(err)
		}
		if _, u, err := s.SessionUser(ctx, "h", now); err != nil || !u.PasswordChangeRequired {
			t.Fatalf("SessionUser after reset = %+v, %v", u, err)
		}
		d := domain.Decision{VersionID: versionID, Function: domain.FunctionMedical, Decision: domain.DecisionApprove, Signature: sig(rev)}
		if _, err := s.Decide(ctx, rev, d); domain.ErrorCode(err) != domain.EPWCHANGE {
			t.Fatalf("signature after reset: %v", err)
		}
		own := "$argon2id$own"
		if u, err := s.UpdateUser(ctx, rev, rev.UserID, domain.UserUpdate{PasswordHash: &own}); err != nil || u.PasswordChangeRequired {
			t.Fatalf("own change = %+v, %v", u, err)
		}
		if _, err := s.Decide(ctx, rev, d); err != nil {
			t.Fatalf("signature after own change: %v", err)
		}
	})
}

// auditDetailsOf returns the details of the first 100 audit events with
// action, in sequence order.
func auditDetailsOf(t *testing.T, s *Store, action string) []string {
	t.Helper()
	evs, err := s.ListAudit(context.Background(), domain.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Action == action {
			out = append(out, e.Details)
		}
	}
	return out
}
