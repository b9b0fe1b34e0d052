package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"os/exec"
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
	dbURL := testenv.PostgresURL(t)
	var b [5]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	owner, app := "fs_owner_"+suffix, "fs_app_"+suffix

	script, err := os.ReadFile("../../scripts/postgres-roles.sql")
	if err != nil {
		t.Fatal(err)
	}
	sqlText := strings.NewReplacer("fairshelf_owner", owner, "fairshelf_app", app).Replace(string(script))
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Roles outlive databases: drop what they own here, then them.
		defer admin.Close()
		for _, r := range []string{app, owner} {
			if _, err := admin.Exec("DROP OWNED BY " + r + " CASCADE"); err != nil {
				t.Errorf("drop owned by %s: %v", r, err)
			}
		}
		for _, r := range []string{app, owner} {
			if _, err := admin.Exec("DROP ROLE IF EXISTS " + r); err != nil {
				t.Errorf("drop role %s: %v", r, err)
			}
		}
	})
	if psql, err := exec.LookPath("psql"); err == nil {
		cmd := exec.Command(psql, dbURL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "owner_password=owner-secret", "-v", "app_password=app-secret", "-f", "-")
		cmd.Stdin = strings.NewReader(sqlText)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
	} else { // the same statements, with psql's variables filled in here
		sqlText = strings.NewReplacer(":'owner_password'", "'owner-secret'", ":'app_password'", "'app-secret'",
			`SELECT format('GRANT CREATE ON DATABASE %I TO `+owner+`', current_database()) \gexec`,
			`DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO `+owner+`', current_database()); END $$;`).Replace(sqlText)
		if _, err := admin.Exec(sqlText); err != nil {
			t.Fatal(err)
		}
	}
	as := func(role string) string {
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(role, role[:3]+"-secret")
		return u.String()
	}

	openTest(t, Options{DatabaseURL: as(owner)}) // migrates as the owner
	c := &clock{t: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)}
	s := openTest(t, Options{DatabaseURL: as(app), Now: c.Now, AuditSealKey: []byte("seal key of this test")})

	// The application works as its role.
	if _, err := s.CreateBrand(ctx, testActor, testBrand("ZELTRA")); err != nil {
		t.Fatal(err)
	}
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
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "42501" || strings.Contains(pgErr.Message, "append-only") || strings.Contains(pgErr.Message, "permanent records") {
			t.Errorf("%s as the application: %v, want a privilege error (not the trigger's)", q, err)
		}
	}
	if r, err := s.VerifyAudit(ctx); err != nil || !r.OK {
		t.Fatalf("verify after the attempts: %+v, %v", r, err)
	}
}
