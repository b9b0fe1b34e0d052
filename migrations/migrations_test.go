package migrations

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// TestDialectsHaveMatchingVersions keeps the two schema histories in step:
// a migration added for one dialect must be added for the other under the
// same version number and name.
func TestDialectsHaveMatchingVersions(t *testing.T) {
	names := func(f fs.FS) []string {
		m, err := fs.Glob(f, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(m)
		return m
	}
	pg, lite := names(Postgres()), names(SQLite())
	if len(pg) == 0 {
		t.Fatal("no migrations embedded")
	}
	if !slices.Equal(pg, lite) {
		t.Fatalf("postgres migrations %v differ from sqlite migrations %v", pg, lite)
	}
	for _, n := range pg {
		b, err := fs.ReadFile(Postgres(), n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "-- +goose Up") {
			t.Errorf("%s has no -- +goose Up section", n)
		}
		if strings.Contains(string(b), "NO TRANSACTION") {
			t.Errorf("%s opts out of the migration transaction", n)
		}
	}
}
