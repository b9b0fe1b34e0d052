package testenv

import (
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// PostgresRoles runs scripts/postgres-roles.sql as the superuser in the
// database at dbURL (from PostgresURL), with role names made unique to the
// caller, and returns the URLs of the owner's and the application's roles.
// The roles are dropped when the test ends, before the database is: so call
// it right after PostgresURL, before opening anything as the roles. The
// script runs through psql when it is installed (so its psql variables and
// meta-commands are exercised as an operator would run them) and otherwise
// with those filled in here.
func PostgresRoles(t testing.TB, dbURL string) (ownerURL, appURL string) {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	script, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "scripts", "postgres-roles.sql"))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	suffix := randomSuffix()
	owner, app := "fs_owner_"+suffix, "fs_app_"+suffix
	text := strings.NewReplacer("fairshelf_owner", owner, "fairshelf_app", app).Replace(string(script))

	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		// Roles outlive databases: drop what they own here, then them.
		defer admin.Close()
		for _, r := range []string{app, owner} {
			if _, err := admin.Exec("DROP OWNED BY " + r + " CASCADE"); err != nil {
				t.Errorf("testenv: drop owned by %s: %v", r, err)
			}
		}
		for _, r := range []string{app, owner} {
			if _, err := admin.Exec("DROP ROLE IF EXISTS " + r); err != nil {
				t.Errorf("testenv: drop role %s: %v", r, err)
			}
		}
	})
	if psql, err := exec.LookPath("psql"); err == nil {
		cmd := exec.Command(
			psql,
			dbURL,
			"-X",
			"-q",
			"-v",
			"ON_ERROR_STOP=1",
			"-v",
			"owner_password=owner-secret",
			"-v",
			"app_password=app-secret",
			"-f",
			"-",
		)
		cmd.Stdin = strings.NewReader(text)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("testenv: psql: %v\n%s", err, out)
		}
	} else {
		text = strings.NewReplacer(":'owner_password'", "'owner-secret'", ":'app_password'", "'app-secret'",
			`SELECT format('GRANT CREATE ON DATABASE %I TO `+owner+`', current_database()) \gexec`,
			`DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO `+owner+`', current_database()); END $$;`).Replace(text)
		if _, err := admin.Exec(text); err != nil {
			t.Fatalf("testenv: roles script: %v", err)
		}
	}
	as := func(role, password string) string {
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatalf("testenv: %v", err)
		}
		u.User = url.UserPassword(role, password)
		return u.String()
	}
	return as(owner, "owner-secret"), as(app, "app-secret")
}
