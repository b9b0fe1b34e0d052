package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/testenv"
)

// backends runs fn once against SQLite and once against PostgreSQL, each on
// a fresh, migrated database: the store's conformance suite.
func backends(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, openTest(t, Options{SQLitePath: filepath.Join(t.TempDir(), "fairshelf.db")}))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, openTest(t, Options{DatabaseURL: testenv.PostgresURL(t)}))
	})
}

func openTest(t *testing.T, opts Options) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMigrateIsIdempotent(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		v1, err := s.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		v2, err := s.Migrate(context.Background())
		if err != nil || v1 != v2 || v1 < 1 {
			t.Fatalf("second migrate: version %d -> %d, err %v", v1, v2, err)
		}
	})
}

func TestSQLitePragmas(t *testing.T) {
	s := openTest(t, Options{SQLitePath: filepath.Join(t.TempDir(), "fairshelf.db")})
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "synchronous": "2"} {
		var got string
		if err := s.sqlDB.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestOpenUnreachablePostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, Options{DatabaseURL: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"})
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
}
