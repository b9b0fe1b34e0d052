package store

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// seedPublished fills a fresh database with n assets of brand
// ZELTRA (and n/10 of brand OTHER), each with one published version that
// expires at expires, using set-based SQL so that 100k rows take seconds.
func seedPublished(b *testing.B, s *Store, n int, now, expires time.Time) {
	b.Helper()
	ctx := context.Background()
	for _, code := range []string{"ZELTRA", "OTHER"} {
		if _, err := s.CreateBrand(ctx, testActor, testBrand(code)); err != nil {
			b.Fatal(err)
		}
	}
	u, err := s.CreateUser(ctx, testActor, domain.NewUser{Email: "seed@example.com", DisplayName: "Seed"}, "h")
	if err != nil {
		b.Fatal(err)
	}
	stmts := []string{
		`INSERT INTO assets (id, job_code, job_code_key, title, brand, audience, channel, tags, owner_id, search_text,
		                     published_search_text, created_at, updated_at)
		 SELECT lpad(g::text, 12, '0'), 'JOB-' || g, 'JOB-' || g, 'Piece ' || g, CASE WHEN g % 11 = 0 THEN 'OTHER' ELSE 'ZELTRA' END,
		        'hcp', 'detail_aid', '[]', @owner, 'job-' || g || ' piece ' || g, 'job-' || g || ' piece ' || g, @now, @now
		 FROM generate_series(1, @n) g`,
		`INSERT INTO blobs (key, sha256, size, created_at)
		 SELECT 'objects/seed/' || g, lpad(to_hex(g), 64, '0'), 1000, @now FROM generate_series(1, @n) g`,
		`INSERT INTO versions (id, asset_id, number, state, blob_key, sha256, size, media_type, filename, text_status, uploaded_by,
		                       created_at, approved_at, published_at, available_from, expires_at)
		 SELECT 'v' || lpad(g::text, 11, '0'), lpad(g::text, 12, '0'), 1, 'published', 'objects/seed/' || g, lpad(to_hex(g), 64, '0'), 1000,
		        'application/pdf', 'piece.pdf', 'ok', @owner, @now, @now, @now, @now, @expires
		 FROM generate_series(1, @n) g`,
		`INSERT INTO compliance_reports (id, version_id, brand, label_version, rules_version, passed, checked_at)
		 SELECT 'r' || lpad(g::text, 11, '0'), 'v' || lpad(g::text, 11, '0'), 'ZELTRA', 1, 'seed', TRUE, @now
		 FROM generate_series(1, @n) g`,
		`UPDATE versions SET compliance_report_id = 'r' || substr(id, 2) WHERE id LIKE 'v%'`,
		`UPDATE assets SET latest_version_id = 'v' || substr(id, 2), published_version_id = 'v' || substr(id, 2)`,
		`ANALYZE`,
	}
	if s.dialect == SQLite {
		stmts = sqliteSeedStmts()
	}
	for _, q := range stmts {
		var args []any
		if strings.Contains(q, "@") {
			args = append(args, map[string]any{"n": n, "owner": u.ID, "now": now, "expires": expires})
		}
		if err := s.db.Exec(q, args...).Error; err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(d)
	return d[len(d)*50/100], d[len(d)*99/100]
}

// BenchmarkLibraryListing measures the rep library's first page (50 items,
// newest first) over 100k published assets in PostgreSQL, next to the same
// indexed query issued straight to the database.
func BenchmarkLibraryListing(b *testing.B) {
	const n = 100_000
	now := time.Now().UTC()
	s, err := Open(context.Background(), Options{DatabaseURL: testenv.PostgresURL(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	seedPublished(b, s, n, now.Add(-time.Hour), now.Add(30*24*time.Hour))
	ctx := context.Background()
	f := domain.LibraryFilter{Brands: []string{"ZELTRA"}, Limit: 50}
	b.Run("app", func(b *testing.B) {
		reportLatencies(b, func() (int, error) {
			page, err := s.Library(ctx, f, time.Now())
			return len(page.Items), err
		}, func(n int) bool { return n == 50 })
	})
	// A rep's search matches the published text through its trigram
	// index: "piece 9999" finds pieces 9999 and 99990 to 99999.
	b.Run("app-search", func(b *testing.B) {
		sf := f
		sf.Query = "piece 9999"
		reportLatencies(b, func() (int, error) {
			page, err := s.Library(ctx, sf, time.Now())
			return len(page.Items), err
		}, func(n int) bool { return n > 0 })
	})
	b.Run("raw-sql", func(b *testing.B) {
		reportLatencies(b, func() (int, error) {
			rows, err := s.sqlDB.QueryContext(ctx, `SELECT assets.id, assets.job_code, assets.title, versions.id, versions.expires_at
				FROM assets JOIN versions ON versions.id = assets.published_version_id
				JOIN compliance_reports cr ON cr.id = versions.compliance_report_id
				WHERE assets.brand IN ('ZELTRA') AND versions.state = 'published'
				  AND versions.available_from <= $1 AND versions.expires_at > $1 AND cr.passed
				ORDER BY assets.id DESC LIMIT 51`, time.Now())
			if err != nil {
				return 0, err
			}
			count := 0
			for rows.Next() {
				count++
			}
			rows.Close()
			return count, nil
		}, func(n int) bool { return n == 51 })
	})
}

// reportLatencies times query b.N times, fails when it errs or ok rejects
// its result count, and reports the median and 99th percentile in ms.
func reportLatencies(b *testing.B, query func() (int, error), ok func(n int) bool) {
	var lat []time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		n, err := query()
		lat = append(lat, time.Since(t0))
		if err != nil || !ok(n) {
			b.Fatalf("%d results, %v", n, err)
		}
	}
	p50, p99 := percentiles(lat)
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
}

// BenchmarkExpireDue100k expires 100k due versions in one sweep, each with
// its audit event.
func BenchmarkExpireDue100k(b *testing.B) {
	const n = 100_000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		now := time.Now().UTC()
		s, err := Open(context.Background(), Options{DatabaseURL: testenv.PostgresURL(b)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		seedPublished(b, s, n, now.Add(-48*time.Hour), now.Add(-time.Hour))
		if os.Getenv("FAIRSHELF_BENCH_SQL_LOG") != "" {
			s.db.Logger = gormLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))).LogMode(4)
		}
		b.StartTimer()
		t0 := time.Now()
		got, err := s.ExpireDue(context.Background(), now)
		elapsed := time.Since(t0)
		b.StopTimer()
		if err != nil || got != n {
			b.Fatalf("expired %d, %v", got, err)
		}
		r, err := s.VerifyAudit(context.Background())
		if err != nil || !r.OK || r.Checked < n {
			b.Fatalf("audit after sweep: %+v %v", r, err)
		}
		b.ReportMetric(elapsed.Seconds(), "sweep-s")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "versions/s")
		s.Close()
	}
}
