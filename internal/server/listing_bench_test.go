package server

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the baseline
)

// listingAssets is how many published assets of the reps' brand the library
// holds (another brand has a tenth as many, which the reps must not see).
const listingAssets = 100_000

// listingReps is how many rep accounts share the load; each client signs in
// as one of them, so sessions and authorization decisions are not all one.
const listingReps = 8

// listingPage is one page of the rep library as the benchmark requests it:
// the cursor the app takes, the last asset of the page before (what the
// cursor means, for the query issued straight to PostgreSQL) and the asset
// the page must start with.
type listingPage struct {
	cursor, after, first string
}

// listingBench is the whole application behind a real TCP listener on
// PostgreSQL (100k published assets) and MinIO, with signed-in reps.
type listingBench struct {
	url    string
	dbURL  string
	tokens []string
	pages  []listingPage // pages[0] is the first page
}

func newListingBench(b *testing.B) *listingBench {
	b.Helper()
	ctx := context.Background()
	app := newBenchApp(b, 1<<20)
	s, ts, dbURL := app.server, app.ts, app.dbURL
	app.addBrand(b, "ZELTRA")
	app.addBrand(b, "OTHER")
	owner := ts.addUserB(b, "marketer@example.com", "marketer:ZELTRA", "marketer:OTHER")
	seedLibrary(b, dbURL, owner.ID, listingAssets)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- s.Serve(sctx, l) }()
	b.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			b.Errorf("serve: %v", err)
		}
	})
	lb := &listingBench{url: "http://" + l.Addr().String(), dbURL: dbURL}
	for i := range listingReps {
		email := fmt.Sprintf("rep%d@example.com", i+1)
		ts.addUserB(b, email, "rep:ZELTRA")
		lb.tokens = append(lb.tokens, lb.login(b, email))
	}
	lb.walk(b, 40)
	return lb
}

// seedLibrary fills the database with n published, checked assets of brand
// ZELTRA and n/10 of brand OTHER with set-based SQL, so that 100k rows take
// seconds. Listing reads no objects, so the blob rows name objects that do
// not exist.
func seedLibrary(b *testing.B, dbURL, ownerID string, n int) {
	b.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	published, expires := now.Add(-time.Hour), now.Add(30*24*time.Hour)
	total := n + n/10
	stmts := []struct {
		q    string
		args []any
	}{
		{
			`INSERT INTO assets (id, job_code, job_code_key, title, brand, audience, channel, tags, owner_id,
		                     search_text, published_search_text, created_at, updated_at)
		  SELECT lpad(g::text, 12, '0'), 'JOB-' || g, 'JOB-' || g, 'Piece ' || g, CASE WHEN g % 11 = 0 THEN 'OTHER' ELSE 'ZELTRA' END,
		         'hcp', 'detail_aid', '[]', $2::text, 'job-' || g || ' piece ' || g, 'job-' || g || ' piece ' || g,
		         $3::timestamptz, $3::timestamptz
		  FROM generate_series(1, $1::int) g`,
			[]any{total, ownerID, published},
		},
		{`INSERT INTO blobs (key, sha256, size, created_at)
		  SELECT 'objects/seed/' || g, lpad(to_hex(g), 64, '0'), 1000, $2::timestamptz
		  FROM generate_series(1, $1::int) g`, []any{total, published}},
		{
			`INSERT INTO versions (id, asset_id, number, state, blob_key, sha256, size, media_type, filename, text_status,
		                       uploaded_by, created_at, approved_at, published_at, available_from, expires_at)
		  SELECT 'v' || lpad(g::text, 11, '0'), lpad(g::text, 12, '0'), 1, 'published', 'objects/seed/' || g,
		         lpad(to_hex(g), 64, '0'), 1000, 'application/pdf', 'piece.pdf', 'ok', $2::text,
		         $3::timestamptz, $3::timestamptz, $3::timestamptz, $3::timestamptz, $4::timestamptz
		  FROM generate_series(1, $1::int) g`,
			[]any{total, ownerID, published, expires},
		},
		{`INSERT INTO compliance_reports (id, version_id, brand, label_version, rules_version, passed, checked_at)
		  SELECT 'r' || lpad(g::text, 11, '0'), 'v' || lpad(g::text, 11, '0'),
		         CASE WHEN g % 11 = 0 THEN 'OTHER' ELSE 'ZELTRA' END, 1, 'seed', TRUE, $2::timestamptz
		  FROM generate_series(1, $1::int) g`, []any{total, published}},
		{`UPDATE versions SET compliance_report_id = 'r' || substr(id, 2) WHERE id LIKE 'v%'`, nil},
		{
			`UPDATE assets SET latest_version_id = 'v' || substr(id, 2), published_version_id = 'v' || substr(id, 2)
			 WHERE id ~ '^[0-9]{12}$'`,
			nil,
		},
		{`VACUUM ANALYZE`, nil},
	}
	for _, st := range stmts {
		if _, err := db.Exec(st.q, st.args...); err != nil {
			b.Fatalf("seed: %v\n%s", err, st.q)
		}
	}
}

// login signs a rep in through the API and returns the bearer token.
func (lb *listingBench) login(b *testing.B, email string) string {
	b.Helper()
	resp, err := http.Post(
		lb.url+"/api/v1/auth/login",
		"application/json",
		strings.NewReader(`{"email":"`+email+`","password":"`+testPassword+`"}`),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var lr struct{ Token string }
	if err := jsonDecode(resp.Body, &lr); err != nil || resp.StatusCode != http.StatusOK || lr.Token == "" {
		b.Fatalf("login %s: %d %v", email, resp.StatusCode, err)
	}
	return lr.Token
}

// walk follows the library's cursor from the first page for n pages and
// remembers each page's cursor and first asset.
func (lb *listingBench) walk(b *testing.B, n int) {
	b.Helper()
	cursor, after := "", ""
	for range n {
		lp := listingPage{cursor: cursor, after: after}
		page, err := lb.get(http.DefaultClient, lb.tokens[0], lp)
		if err != nil {
			b.Fatal(err)
		}
		lp.first = page.Items[0].AssetID
		lb.pages = append(lb.pages, lp)
		cursor, after = page.NextCursor, page.Items[len(page.Items)-1].AssetID
	}
}

// listingResponse is the part of a library page the benchmark checks.
type listingResponse struct {
	Items []struct {
		AssetID string `json:"asset_id"`
		Brand   string `json:"brand"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// get requests one library page as a rep and checks that it is a full page
// of the rep's brand that starts where it must (when p.first is known).
func (lb *listingBench) get(client *http.Client, token string, p listingPage) (listingResponse, error) {
	u := lb.url + "/api/v1/library"
	if p.cursor != "" {
		u += "?cursor=" + url.QueryEscape(p.cursor)
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return listingResponse{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return listingResponse{}, err
	}
	defer resp.Body.Close()
	var page listingResponse
	if err := jsonDecode(resp.Body, &page); err != nil || resp.StatusCode != http.StatusOK {
		return page, fmt.Errorf("library %q: status %d, %v", p.cursor, resp.StatusCode, err)
	}
	if len(page.Items) != 50 || page.NextCursor == "" {
		return page, fmt.Errorf("library %q: %d items, next cursor %q; want 50 and a cursor", p.cursor, len(page.Items), page.NextCursor)
	}
	if p.first != "" && page.Items[0].AssetID != p.first {
		return page, fmt.Errorf("library %q starts at %s, want %s", p.cursor, page.Items[0].AssetID, p.first)
	}
	for _, it := range page.Items {
		if it.Brand != "ZELTRA" {
			return page, fmt.Errorf("library %q shows asset %s of brand %s to a ZELTRA rep", p.cursor, it.AssetID, it.Brand)
		}
	}
	return page, nil
}

// page returns which page request i asks for: three in four ask for the
// first page, as reps opening the library do; the rest scroll further.
func (lb *listingBench) page(i int) listingPage {
	if i%4 != 0 {
		return lb.pages[0]
	}
	return lb.pages[1+(i/4)%(len(lb.pages)-1)]
}

// rawLibrary is the query the store issues for a rep's library page (the
// same columns, joins, filters and index order), written out by hand.
const rawLibrary = `SELECT assets.id, assets.job_code, assets.title, assets.brand, assets.audience, assets.channel, assets.tags,
	versions.id, versions.number, versions.media_type, versions.filename, versions.size, versions.sha256, versions.expires_at
	FROM assets JOIN versions ON versions.id = assets.published_version_id
	JOIN compliance_reports cr ON cr.id = versions.compliance_report_id
	WHERE versions.state = 'published' AND versions.available_from <= $1 AND versions.expires_at > $1 AND cr.passed
	AND assets.brand IN ('', 'ZELTRA')`

// rawPage runs the library query for p straight on PostgreSQL and checks
// that it returns a full page (and the one more row that tells the app
// there is a next page) starting where it must.
func rawPage(ctx context.Context, db *sql.DB, p listingPage) error {
	q, args := rawLibrary, []any{time.Now().UTC()}
	if p.after != "" {
		q += " AND assets.id < $2"
		args = append(args, p.after)
	}
	rows, err := db.QueryContext(ctx, q+" ORDER BY assets.id DESC LIMIT 51", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols := make([]sql.RawBytes, 14)
	dest := make([]any, len(cols))
	for i := range cols {
		dest[i] = &cols[i]
	}
	n, first := 0, ""
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if n == 0 {
			first = string(cols[0])
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != 51 || first != p.first {
		return fmt.Errorf("raw page after %q: %d rows from %s, want 51 from %s", p.after, n, first, p.first)
	}
	return nil
}

// drive issues total requests from clients concurrent clients and returns
// each request's latency and the wall time of the whole run. The first
// failure stops the run and is returned.
func drive(clients, total int, do func(client, i int) error) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, total)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for failed.Load() == nil {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				t0 := time.Now()
				if err := do(c, i); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := failed.Load(); err != nil {
		return nil, 0, *err
	}
	return lat, elapsed, nil
}

// reportLatency reports the median and 99th-percentile latency in
// milliseconds and the throughput in requests per second.
func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)*50/100]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
}

// BenchmarkLibraryListingHTTP measures the rep library API over 100k
// published assets under concurrent load: the whole application behind a
// real TCP listener on PostgreSQL, each client a signed-in rep asking for
// pages of 50 (mostly the first, some further on by cursor). Beside it, at
// the same concurrency, the same indexed query issued straight to
// PostgreSQL with database/sql. Each operation is one request; the metrics
// are the median and 99th-percentile latency and the throughput (quality
// bar: p99 under 20 ms on 2 cores).
func BenchmarkLibraryListingHTTP(b *testing.B) {
	lb := newListingBench(b)
	for _, clients := range []int{1, 4, 8, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			b.Run("app", func(b *testing.B) {
				tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}
				defer tr.CloseIdleConnections()
				client := &http.Client{Transport: tr}
				b.ResetTimer()
				lat, elapsed, err := drive(clients, b.N, func(c, i int) error {
					_, err := lb.get(client, lb.tokens[c%len(lb.tokens)], lb.page(i))
					return err
				})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				reportLatency(b, lat, elapsed)
			})
			b.Run("raw-pg", func(b *testing.B) {
				db, err := sql.Open("pgx", lb.dbURL)
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				db.SetMaxOpenConns(clients)
				db.SetMaxIdleConns(clients)
				ctx := context.Background()
				b.ResetTimer()
				lat, elapsed, err := drive(clients, b.N, func(_, i int) error {
					return rawPage(ctx, db, lb.page(i))
				})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				reportLatency(b, lat, elapsed)
			})
		})
	}
}
