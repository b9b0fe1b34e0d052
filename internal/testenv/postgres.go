package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// DefaultPostgresURL is the server the tests use when
// FAIRSHELF_TEST_DATABASE_URL is not set: the local PostgreSQL with trust auth.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresAdminURL returns the URL of the PostgreSQL database the tests
// connect to in order to create their own databases.
func PostgresAdminURL() string {
	if u := os.Getenv("FAIRSHELF_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// PostgresURL creates a new, empty PostgreSQL database for the caller and
// returns its URL; the database is dropped when the test ends. Each caller
// gets its own database, so tests and test packages never share state.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := PostgresAdminURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	db, err := sql.Open("pgx", admin)
	if err != nil {
		Unavailable(t, "PostgreSQL", err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		Unavailable(t, "PostgreSQL", err)
	}

	name := "fairshelf_test_" + randomSuffix()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", admin)
		if err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
	})

	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("testenv: parse %q: %v", admin, err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomSuffix() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("testenv: random: %v", err))
	}
	return strings.ToLower(hex.EncodeToString(b[:]))
}
