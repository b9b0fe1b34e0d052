package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fairshelf/fairshelf/internal/testenv"
)

// TestRestrictedAppRole sets up the two roles with scripts/postgres-roles.sql,
// migrates as the owner and runs the application as the restricted role: it
// works (audit events, other tables, leases) but cannot change or remove the
// audit trail or signatures, nor switch off their triggers.
func TestRestrictedAppRole(t *testing.T) {
	ctx := context.Background()
	ownerURL, appURL := testenv.PostgresRoles(t, testenv.PostgresURL(t))
	openTest(t, Options{DatabaseURL: ownerURL}) // migrates as the owner
	c := &clock{t: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
	s := openTest(t, Options{DatabaseURL: appURL, Now: c.Now, AuditSealKey: []byte("seal key of this test")})

	// The application works as its role.
	createZeltra(t, s)
	approved(t, s, "ZEL-R1")
	appendN(t, s, 5)
	if ok, err := s.AcquireLease(ctx, "test.job", "me", c.Now(), time.Minute); err != nil || !ok {
		t.Fatalf("lease as the application: %v, %v", ok, err)
	}
	if r, err := s.VerifyAudit(ctx); err != nil || !r.OK || r.Signatures != 3 {
		t.Fatalf("verify as the application: %+v, %v", r, err)
	}

	// But it cannot touch the trail, whatever it tries.
	for _, q := range []string{
		"UPDATE audit_events SET actor = 'Somebody Else' WHERE seq = 2",
		"DELETE FROM audit_events WHERE seq > 3",
		"TRUNCATE audit_events",
		"ALTER TABLE audit_events DISABLE TRIGGER USER",
		"ALTER TABLE audit_events DISABLE TRIGGER ALL",
		"DROP TRIGGER audit_events_no_change ON audit_events",
		"DROP TABLE audit_events",
		"UPDATE signatures SET printed_name = 'Dr. Somebody Else'",
		"DELETE FROM signatures",
		"TRUNCATE signatures",
		"ALTER TABLE signatures DISABLE TRIGGER USER",
		"SET session_replication_role = replica",
	} {
		err := s.db.Exec(q).Error
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "42501" || strings.Contains(pgErr.Message, "append-only") ||
			strings.Contains(pgErr.Message, "permanent records") {
			t.Errorf("%s as the application: %v, want a privilege error (not the trigger's)", q, err)
		}
	}
	if r, err := s.VerifyAudit(ctx); err != nil || !r.OK {
		t.Fatalf("verify after the attempts: %+v, %v", r, err)
	}
}
