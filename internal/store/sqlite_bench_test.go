package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// The SQLite benchmarks measure the embedded default through its driver:
// opening and migrating a file, single-row write transactions (each with
// its audit event and a full fsync), the rep library's first page and a
// search over seeded rows, and one expiry sweep. They compare SQLite
// drivers on the same machine; the PostgreSQL figures of docs/benchmarks.md
// come from bench_test.go.

// sqliteBenchAssets is the number of seeded assets: enough for the indexes
// to matter, few enough to seed in seconds on two cores.
const sqliteBenchAssets = 20_000

// sqliteBenchExpiring is the number of versions one sweep expires: each
// writes a sealed audit event, which on SQLite takes about a millisecond.
const sqliteBenchExpiring = 5_000

func openSQLiteBench(b *testing.B) *Store {
	b.Helper()
	s, err := Open(context.Background(), Options{SQLitePath: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}

// sqliteSeedStmts are seedPublished's statements for SQLite: a recursive
// CTE stands in for generate_series, printf for lpad and to_hex. Times are
// bound as parameters, so they are written in the driver's format.
func sqliteSeedStmts() []string {
	const g = `WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < @n) `
	return []string{
		g + `INSERT INTO assets (id, job_code, job_code_key, title, brand, audience, channel, tags, owner_id, search_text,
		        published_search_text, created_at, updated_at)
		 SELECT printf('%012d', g), 'JOB-' || g, 'JOB-' || g, 'Piece ' || g, CASE WHEN g % 11 = 0 THEN 'OTHER' ELSE 'ZELTRA' END,
		        'hcp', 'detail_aid', '[]', @owner, 'job-' || g || ' piece ' || g, 'job-' || g || ' piece ' || g, @now, @now
		 FROM s`,
		g + `INSERT INTO blobs (key, sha256, size, created_at) SELECT 'objects/seed/' || g, printf('%064x', g), 1000, @now FROM s`,
		g + `INSERT INTO versions (id, asset_id, number, state, blob_key, sha256, size, media_type, filename, text_status, uploaded_by,
		        created_at, approved_at, published_at, available_from, expires_at)
		 SELECT 'v' || printf('%011d', g), printf('%012d', g), 1, 'published', 'objects/seed/' || g, printf('%064x', g), 1000,
		        'application/pdf', 'piece.pdf', 'ok', @owner, @now, @now, @now, @now, @expires
		 FROM s`,
		g + `INSERT INTO compliance_reports (id, version_id, brand, label_version, rules_version, passed, checked_at)
		 SELECT 'r' || printf('%011d', g), 'v' || printf('%011d', g), 'ZELTRA', 1, 'seed', TRUE, @now FROM s`,
		`UPDATE versions SET compliance_report_id = 'r' || substr(id, 2) WHERE id LIKE 'v%'`,
		`UPDATE assets SET latest_version_id = 'v' || substr(id, 2), published_version_id = 'v' || substr(id, 2)`,
		`ANALYZE`,
	}
}

// BenchmarkSQLiteOpen opens and migrates a new database file.
func BenchmarkSQLiteOpen(b *testing.B) {
	dir := b.TempDir()
	for i := 0; i < b.N; i++ {
		s, err := Open(context.Background(), Options{SQLitePath: filepath.Join(dir, fmt.Sprintf("f%d.db", i))})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkSQLiteWrite creates one user per operation: a write transaction
// with its audit event, committed with a full fsync.
func BenchmarkSQLiteWrite(b *testing.B) {
	s := openSQLiteBench(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nu := domain.NewUser{Email: fmt.Sprintf("u%d@example.com", i), DisplayName: "User"}
		if _, err := s.CreateUser(ctx, testActor, nu, "h"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSQLiteListing reads the rep library's first page, and a search,
// over the seeded assets.
func BenchmarkSQLiteListing(b *testing.B) {
	s := openSQLiteBench(b)
	now := time.Now().UTC()
	seedPublished(b, s, sqliteBenchAssets, now.Add(-time.Hour), now.Add(30*24*time.Hour))
	ctx := context.Background()
	for _, q := range []string{"", "piece 1999"} {
		name := "first-page"
		if q != "" {
			name = "search"
		}
		b.Run(name, func(b *testing.B) {
			f := domain.LibraryFilter{Brands: []string{"ZELTRA"}, Limit: 50, Query: q}
			for i := 0; i < b.N; i++ {
				page, err := s.Library(ctx, f, time.Now())
				if err != nil || len(page.Items) == 0 {
					b.Fatalf("page: %d items, %v", len(page.Items), err)
				}
			}
		})
	}
}

// BenchmarkSQLiteExpireDue expires every seeded version in one sweep, each
// with its audit event.
func BenchmarkSQLiteExpireDue(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := openSQLiteBench(b)
		now := time.Now().UTC()
		seedPublished(b, s, sqliteBenchExpiring, now.Add(-48*time.Hour), now.Add(-time.Hour))
		b.StartTimer()
		got, err := s.ExpireDue(context.Background(), now)
		b.StopTimer()
		if err != nil || got != sqliteBenchExpiring {
			b.Fatalf("expired %d, %v", got, err)
		}
		s.Close()
		b.StartTimer()
	}
}
