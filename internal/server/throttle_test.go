package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// TestParallelWrongSignInsAreThrottled: 40 wrong sign-ins at once against
// a limit of 5 check the password 5 times; the rest get 429, on both
// databases.
func TestParallelWrongSignInsAreThrottled(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ts := newTestServerOn(t, backend, nil)
		ts.addUser(t, "target@example.com")
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			status = map[int]int{}
		)
		start := make(chan struct{})
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				rec := ts.apiLogin(t, map[string]string{"email": "target@example.com", "password": fmt.Sprintf("guess number %d", i)})
				mu.Lock()
				status[rec.Code]++
				mu.Unlock()
			}(i)
		}
		close(start)
		wg.Wait()
		if status[http.StatusUnauthorized] != ts.cfg.LoginMaxPerAccount ||
			status[http.StatusTooManyRequests] != 40-ts.cfg.LoginMaxPerAccount {
			t.Fatalf("answers = %v; want %d password checks and the rest 429", status, ts.cfg.LoginMaxPerAccount)
		}
		checks := 0
		for _, e := range ts.auditActions(t) {
			if e.Action == "auth.login_failed" {
				checks++
			}
		}
		if checks != ts.cfg.LoginMaxPerAccount {
			t.Fatalf("%d password checks audited", checks)
		}
	})
}

// auditBytes is the stored size of the audit trail's text.
func (ts *testServer) auditBytes(t *testing.T) int64 {
	t.Helper()
	var n int64
	for _, e := range ts.auditActions(t) {
		n += int64(
			len(e.Actor) + len(e.ActorID) + len(e.Action) + len(e.ObjectID) + len(e.Details) + len(e.RequestID) + len(e.ClientIP) + len(
				e.Hash,
			) + len(e.PrevHash),
		)
	}
	return n
}

// TestHostileSignInsBoundTheAuditTrail: 1,000 sign-ins from one address,
// with huge e-mails and many accounts, add less than 1 MB to the
// append-only audit trail: input is clipped and throttled attempts are
// counted, not written one by one.
func TestHostileSignInsBoundTheAuditTrail(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.cfg.MaxBodyBytes = 1 << 20
	ts.addUser(t, "victim@example.com")
	before := ts.auditBytes(t)
	huge := strings.Repeat("x", 900<<10) + "@example.com"
	status := map[int]int{}
	for i := 0; i < 1000; i++ {
		email := fmt.Sprintf("user%d@example.com", i)
		switch {
		case i%50 == 0:
			email = fmt.Sprintf("%d%s", i, huge)
		case i%3 == 0:
			email = "victim@example.com"
		}
		rec := ts.apiLogin(t, map[string]string{"email": email, "password": "a wrong password"})
		status[rec.Code]++
	}
	if status[http.StatusTooManyRequests] < 900 {
		t.Fatalf("answers = %v", status)
	}
	grown := ts.auditBytes(t) - before
	if grown >= 1<<20 {
		t.Fatalf("the audit trail grew by %d bytes", grown)
	}
	evs, err := ts.store.ListAudit(context.Background(), domain.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var throttled []string
	for _, e := range evs {
		if e.Action == domain.ActionLoginThrottled {
			throttled = append(throttled, e.Details)
		}
	}
	if len(throttled) == 0 || len(throttled) > 10 {
		t.Fatalf("%d throttle events: %v", len(throttled), throttled)
	}
}

// TestSignaturePasswordGuessesAreThrottled: someone holding a stolen token
// cannot use e-signatures or the password change to guess the password:
// wrong re-entries count with sign-in failures, signing locks past the
// limit, and the lock is audited as a signature failure.
func TestSignaturePasswordGuessesAreThrottled(t *testing.T) {
	f := newReviewFixture(t)
	f.submitClean(t)
	guess := func(i int) *http.Response {
		return f.postReview(t, f.medical, map[string]any{
			"function": "medical", "decision": "approve", "password": fmt.Sprintf("guess number %d", i), "meaning": "Approved"}).Result()
	}
	for i := 0; i < f.cfg.LoginMaxPerAccount-1; i++ {
		if r := guess(i); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d = %d", i, r.StatusCode)
		}
	}
	decodeError(
		t,
		f.api(
			t,
			http.MethodPut,
			"/api/v1/me/password",
			f.medical,
			map[string]string{"current_password": "one more guess", "new_password": "a brand new password"},
		),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	// The limit is reached: the right password no longer signs, nor signs in.
	d := decodeError(t, f.decide(f.medical, "medical", "approve"), http.StatusTooManyRequests, "too_many_requests")
	if !strings.Contains(d.Message, "signing is locked") {
		t.Fatalf("message = %q", d.Message)
	}
	decodeError(
		t,
		f.api(
			t,
			http.MethodPut,
			"/api/v1/me/password",
			f.medical,
			map[string]string{"current_password": testPassword, "new_password": "a brand new password"},
		),
		http.StatusTooManyRequests,
		"too_many_requests",
	)
	decodeError(
		t,
		f.apiLogin(t, map[string]string{"email": "medical@example.com", "password": testPassword}),
		http.StatusTooManyRequests,
		"too_many_requests",
	)
	var failed, locked int
	for _, e := range f.auditActions(t) {
		switch e.Action {
		case "signature.password_failed":
			if e.ActorID != "" {
				failed++
			}
		case domain.ActionSignatureThrottled:
			locked++
		}
	}
	if failed != f.cfg.LoginMaxPerAccount || locked != 1 {
		t.Fatalf("audit: %d signature failures, %d lock events", failed, locked)
	}
	f.clock.Advance(f.cfg.LoginWindow + time.Second)
	if res := decode[domain.DecisionResult](t, f.decide(f.medical, "medical", "approve"),
		http.StatusOK); res.Task.Status != domain.TaskApproved {
		t.Fatalf("after the window: %+v", res)
	}
}
