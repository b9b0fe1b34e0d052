package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

var testActor = domain.Actor{Name: "test"}

// testBrand is a valid brand with a complete label profile.
func testBrand(code string) domain.NewBrand {
	b := domain.NewBrand{Code: code, Name: code + " brand", Label: domain.Label{
		ProprietaryName: code, EstablishedName: "zeltaparin", Indication: "Treatment of adults with condition X.",
		ISIStatements: []string{"Serious bleeding can occur."}, PIReference: "Please see full Prescribing Information.",
	}}
	if err := b.Validate(); err != nil {
		panic(err)
	}
	return b
}

func mustUser(t *testing.T, s *Store, email string, roles ...domain.RoleAssignment) domain.User {
	t.Helper()
	u, err := s.CreateUser(
		context.Background(),
		testActor,
		domain.NewUser{Email: email, DisplayName: "Some One", Password: "irrelevant here", Roles: roles},
		"$argon2id$stub",
	)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUsersAndRoles(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		createZeltra(t, s)
		if _, err := s.CreateBrand(ctx, testActor, testBrand("ZELTRA")); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("duplicate brand: %v", err)
		}
		v0, err := s.GrantsVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		u := mustUser(t, s, "Mira@Example.com", domain.RoleAssignment{Role: domain.RoleMarketer, Brand: "ZELTRA"})
		_, err = s.CreateUser(ctx, testActor, domain.NewUser{Email: "mira@example.COM", DisplayName: "X"}, "h")
		if domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("e-mail differing in case: err = %v, want conflict", err)
		}
		_, err = s.CreateUser(ctx, testActor,
			domain.NewUser{Email: "z@example.com", DisplayName: "Z",
				Roles: []domain.RoleAssignment{{Role: domain.RoleRep, Brand: "NOPE"}}}, "h")
		if domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("unknown brand: err = %v", err)
		}
		c, err := s.CredentialsByEmail(ctx, "MIRA@example.com")
		if err != nil || c.User.ID != u.ID || c.PasswordHash != "$argon2id$stub" || len(c.User.Roles) != 1 {
			t.Fatalf("CredentialsByEmail = %+v, %v", c, err)
		}
		if _, err := s.CredentialsByEmail(ctx, "nobody@example.com"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown e-mail: %v", err)
		}

		roles := []domain.RoleAssignment{
			{Role: domain.RoleRep, Brand: "ZELTRA"},
			{Role: domain.RoleAuditor, Brand: "*"},
			{Role: domain.RoleRep, Brand: "ZELTRA"},
		}
		got, err := s.SetRoles(ctx, testActor, u.ID, roles)
		if err != nil || len(got.Roles) != 2 {
			t.Fatalf("SetRoles = %+v, %v", got.Roles, err)
		}
		v1, _ := s.GrantsVersion(ctx)
		if v1 <= v0 {
			t.Fatalf("grants version %d -> %d did not move", v0, v1)
		}
		grants, err := s.Grants(ctx)
		if err != nil || len(grants) != 2 {
			t.Fatalf("Grants = %+v, %v", grants, err)
		}
		if _, err := s.SetRoles(ctx, testActor, "no-such-user", nil); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("SetRoles unknown user: %v", err)
		}
		users, err := s.ListUsers(ctx)
		if err != nil || len(users) != 1 || len(users[0].Roles) != 2 {
			t.Fatalf("ListUsers = %+v, %v", users, err)
		}
		verifyIntact(t, s)
	})
}

func TestSessionsEndWhenUserDisabledOrPasswordChanged(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		u := mustUser(t, s, "a@example.com")
		login := func(hash string) {
			t.Helper()
			err := s.RecordLogin(ctx, domain.LoginOutcome{Email: u.Email, ClientIP: "192.0.2.9", User: &u, Succeeded: true,
				Session: &domain.Session{TokenHash: hash, UserID: u.ID, Kind: SessionAPI, ExpiresAt: now.Add(time.Hour)}})
			if err != nil {
				t.Fatal(err)
			}
		}
		login("h1")
		login("h2")
		if _, got, err := s.SessionUser(ctx, "h1", now); err != nil || got.ID != u.ID {
			t.Fatalf("SessionUser = %+v, %v", got, err)
		}
		if _, _, err := s.SessionUser(ctx, "h1", now.Add(2*time.Hour)); domain.ErrorCode(err) != domain.EUNAUTH {
			t.Fatalf("expired session: %v", err)
		}
		yes := true
		if _, err := s.UpdateUser(ctx, testActor, u.ID, domain.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"h1", "h2"} {
			if _, _, err := s.SessionUser(ctx, h, now); domain.ErrorCode(err) != domain.EUNAUTH {
				t.Fatalf("session %s survived disabling: %v", h, err)
			}
		}
		no := false
		if _, err := s.UpdateUser(ctx, testActor, u.ID, domain.UserUpdate{Disabled: &no}); err != nil {
			t.Fatal(err)
		}
		login("h3")
		hash := "$argon2id$new"
		if _, err := s.UpdateUser(ctx, testActor, u.ID, domain.UserUpdate{PasswordHash: &hash}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionUser(ctx, "h3", now); domain.ErrorCode(err) != domain.EUNAUTH {
			t.Fatalf("session survived a password change: %v", err)
		}
		if err := s.PurgeSessions(ctx, now.Add(48*time.Hour), time.Hour); err != nil {
			t.Fatal(err)
		}
		verifyIntact(t, s)
	})
}

func TestRecentFailures(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		since := time.Now().Add(-time.Hour)
		fail := func(email, ip string) {
			if err := s.RecordLogin(ctx, domain.LoginOutcome{Email: email, ClientIP: ip, Reason: "bad_credentials"}); err != nil {
				t.Fatal(err)
			}
		}
		fail("a@example.com", "192.0.2.1")
		fail("A@example.com", "192.0.2.2")
		fail("b@example.com", "192.0.2.1")
		acct, addr, err := s.RecentFailures(ctx, "a@EXAMPLE.com", "192.0.2.1", since)
		if err != nil || acct != 2 || addr != 2 {
			t.Fatalf("RecentFailures = %d, %d, %v; want 2, 2", acct, addr, err)
		}
		if err := s.RecordLogin(ctx, domain.LoginOutcome{Email: "a@example.com", ClientIP: "192.0.2.1", Succeeded: true}); err != nil {
			t.Fatal(err)
		}
		fail("a@example.com", "192.0.2.3")
		if acct, _, _ := s.RecentFailures(ctx, "a@example.com", "192.0.2.1", since); acct != 1 {
			t.Fatalf("failures after a success = %d, want 1", acct)
		}
	})
}

func TestErrorsAreTranslated(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		if _, err := s.User(context.Background(), "missing"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("missing user: %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.ListUsers(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled context: %v", err)
		}
	})
}
