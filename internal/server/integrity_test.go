package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"  // "sqlite" driver, to change rows behind the store's back
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver, likewise

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/object"
)

// integrityBackends runs fn on SQLite with local files and on PostgreSQL
// with MinIO.
func integrityBackends(t *testing.T, fn func(t *testing.T, f *contentFixture)) {
	forEachBackend(t, func(t *testing.T, backend string) { fn(t, newContentFixtureOn(t, backend)) })
}

// multiBlockPiece is a plain-text file of about ten verified blocks whose
// lines carry seed, so that different seeds give different objects.
func multiBlockPiece(seed string) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 10*testBlockSize+testBlockSize/2; i++ {
		fmt.Fprintf(&b, "%s line %05d: ZELTRA (zeltaparin) reduces the risk of stroke. Serious bleeding can occur.\n", seed, i)
	}
	return b.Bytes()
}

// uploadPiece uploads content as a new version of a new asset.
func (f *contentFixture) uploadPiece(t *testing.T, job string, content []byte) domain.Version {
	t.Helper()
	a := f.createAsset(t, f.marketer, job, "ZELTRA")
	v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "piece.txt", content), http.StatusCreated)
	stored, err := f.store.Version(context.Background(), v.ID)
	if err != nil || stored.ObjectKey == "" {
		t.Fatalf("stored version: %+v %v", stored, err)
	}
	return stored // with its object key, which the API does not show
}

// replaceObject overwrites a stored object behind Fairshelf's back, as a
// faulty disk, a bucket operator or an attacker might.
func (f *contentFixture) replaceObject(t *testing.T, key string, content []byte) {
	t.Helper()
	if _, err := f.objectStore.Put(context.Background(), key, bytes.NewReader(content), int64(len(content))); err != nil {
		t.Fatal(err)
	}
}

// flipByte returns a copy of b with the byte at i changed (same size).
func flipByte(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x20
	return out
}

// content requests a version's file through the handler, checked against
// the OpenAPI document.
func (f *contentFixture) content(t *testing.T, versionID, rangeHeader string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/versions/"+versionID+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+f.marketer)
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	return f.do(t, req)
}

// liveContent downloads a version's file over a real connection, where an
// aborted response shows as a read error. It returns the status, the body
// read and the error that ended reading (nil for a clean end).
func (f *contentFixture) liveContent(t *testing.T, versionID, rangeHeader string) (int, []byte, error) {
	t.Helper()
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/versions/"+versionID+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+f.marketer)
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// integrityFailures reads the integrity counter for foundBy from /metrics.
func (f *contentFixture) integrityFailures(t *testing.T, foundBy string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	f.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	m := regexp.MustCompile(`(?m)^fairshelf_integrity_failures_total\{found_by="` + foundBy + `"\} (\d+)$`).
		FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no fairshelf_integrity_failures_total{found_by=%q} on /metrics", foundBy)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// expectAlarm checks everything an integrity failure must leave behind: the
// object marked corrupt, one audit event naming what found it, a
// notification for the administrator, the metric, and every request for
// the versions sharing it refused with 503 integrity_failure.
func (f *contentFixture) expectAlarm(t *testing.T, key, foundBy string, versionIDs ...string) {
	t.Helper()
	b, err := f.store.Blob(context.Background(), key)
	if err != nil || b.CorruptAt == nil || b.CorruptReason == "" {
		t.Fatalf("object %s not marked corrupt: %+v %v", key, b, err)
	}
	events := 0
	for _, e := range f.auditActions(t) {
		if e.Action == domain.ActionObjectCorrupt && e.ObjectID == key {
			events++
			var d map[string]any
			if err := json.Unmarshal([]byte(e.Details), &d); err != nil || d["found_by"] != foundBy {
				t.Errorf("audit details %s, want found_by %s", e.Details, foundBy)
			}
		}
	}
	if events != 1 {
		t.Errorf("%d integrity audit events for %s, want 1", events, key)
	}
	ns := decode[struct{ Notifications []domain.Notification }](
		t,
		f.api(t, http.MethodGet, "/api/v1/me/notifications", f.admin, nil),
		http.StatusOK,
	)
	notified := false
	for _, n := range ns.Notifications {
		notified = notified || n.Kind == domain.NotificationObjectCorrupt && strings.Contains(n.Subject, key)
	}
	if !notified {
		t.Errorf("administrator notifications %+v lack the integrity alarm", ns.Notifications)
	}
	for _, n := range ns.Notifications {
		if n.Kind == domain.NotificationObjectCorrupt && n.Link != "/admin/integrity" {
			t.Errorf("integrity notification links to %q, want the integrity page", n.Link)
		}
	}
	// Where administrators land, the alarm shows; the integrity page names
	// the file and what a restore needs.
	w := newWebClient(f.testServer)
	w.do(
		t,
		http.MethodPost,
		"/login",
		url.Values{"_csrf": {w.csrf(t, "/login")}, "email": {"admin@example.com"}, "password": {testPassword}},
	)
	if page := w.do(t, http.MethodGet, "/admin/users", nil); !strings.Contains(page.Body.String(), `href="/admin/integrity"`) {
		t.Errorf("the users page does not point to the integrity alarm (%d)", page.Code)
	}
	if page := w.do(t, http.MethodGet, "/admin/integrity", nil); page.Code != http.StatusOK || !strings.Contains(page.Body.String(), key) ||
		!strings.Contains(page.Body.String(), "fairshelf objects restore") {
		t.Errorf("integrity page = %d, lacks %s or the restore command", page.Code, key)
	}
	if n := f.integrityFailures(t, foundBy); n != 1 {
		t.Errorf("fairshelf_integrity_failures_total{found_by=%q} = %d", foundBy, n)
	}
	for _, id := range versionIDs {
		for _, rng := range []string{"", "bytes=0-9"} {
			d := decodeError(t, f.content(t, id, rng), http.StatusServiceUnavailable, domain.EINTEGRITY)
			if !strings.Contains(d.Message, "no longer matches") {
				t.Errorf("message %q", d.Message)
			}
		}
	}
	if r, err := f.store.VerifyAudit(context.Background()); err != nil || !r.OK {
		t.Fatalf("audit chain: %+v %v", r, err)
	}
}

// TestAlteredObjectIsNeverServed: one byte of a stored object is changed
// (same size). A range inside an intact block still succeeds; a full
// download breaks off before the altered block instead of ending cleanly; a
// range touching the altered block gets a clean 503. The object is then
// refused for every version sharing it, with the alarm raised once.
func TestAlteredObjectIsNeverServed(t *testing.T) {
	integrityBackends(t, func(t *testing.T, f *contentFixture) {
		piece := multiBlockPiece("altered")
		v := f.uploadPiece(t, "ZEL-INT-1", piece)
		shared := f.uploadPiece(t, "ZEL-INT-2", piece) // same bytes, same object
		if shared.ObjectKey != v.ObjectKey {
			t.Fatalf("identical uploads did not share the object")
		}
		if rec := f.content(t, v.ID, ""); rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), piece) {
			t.Fatalf("intact download = %d", rec.Code)
		}
		if n := f.integrityFailures(t, "download"); n != 0 {
			t.Fatalf("integrity failures before any damage: %d", n)
		}
		altered := 5*testBlockSize + 100
		f.replaceObject(t, v.ObjectKey, flipByte(piece, altered))

		rec := f.content(t, v.ID, "bytes=100-199")
		if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), piece[100:200]) {
			t.Fatalf("range in an intact block = %d %q", rec.Code, rec.Body)
		}
		status, body, err := f.liveContent(t, v.ID, "")
		if err == nil {
			t.Fatalf("full download of an altered object ended cleanly: %d, %d bytes", status, len(body))
		}
		if len(body) > altered || !bytes.Equal(body, piece[:len(body)]) {
			t.Fatalf("the client got %d bytes, not all original or past the altered block", len(body))
		}
		if strings.Contains(f.logs.String(), "http: panic") {
			t.Errorf("the abort was logged as a panic:\n%s", f.logs)
		}
		f.expectAlarm(t, v.ObjectKey, "download", v.ID, shared.ID)

		// Restored from a backup copy, the object is served again to both.
		if err := f.objects.Restore(context.Background(), domain.Actor{Name: "admin"}, v.ObjectKey, bytes.NewReader(piece)); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{v.ID, shared.ID} {
			if rec := f.content(t, id, ""); rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), piece) {
				t.Fatalf("download after restore = %d", rec.Code)
			}
		}
	})
}

// TestRangeTouchingAlteredBlockIsRefused: a range request whose blocks
// include the altered one gets a clean 503 before any byte is sent, and is
// not recorded as a download.
func TestRangeTouchingAlteredBlockIsRefused(t *testing.T) {
	integrityBackends(t, func(t *testing.T, f *contentFixture) {
		piece := multiBlockPiece("ranged")
		v := f.uploadPiece(t, "ZEL-INT-3", piece)
		altered := 7*testBlockSize + 5
		f.replaceObject(t, v.ObjectKey, flipByte(piece, altered))
		// The range itself stays clear of the altered byte but shares its block.
		rng := fmt.Sprintf("bytes=%d-%d", 7*testBlockSize+50, 7*testBlockSize+60)
		decodeError(t, f.content(t, v.ID, rng), http.StatusServiceUnavailable, domain.EINTEGRITY)
		f.expectAlarm(t, v.ObjectKey, "download", v.ID)
		for _, e := range f.auditActions(t) {
			if e.Action == "version.download" && e.ObjectID == v.ID {
				t.Fatalf("a download refused before any byte left was audited as a download: %+v", e)
			}
		}
	})
}

// TestMultipleRangesAreVerified: a request for several ranges, which
// jumps between blocks (and drops a block read ahead), gets the right
// bytes from an intact object; once a block inside one of its ranges is
// altered, the multipart answer breaks off instead of ending cleanly.
func TestMultipleRangesAreVerified(t *testing.T) {
	integrityBackends(t, func(t *testing.T, f *contentFixture) {
		piece := multiBlockPiece("multi")
		v := f.uploadPiece(t, "ZEL-INT-14", piece)
		rng := fmt.Sprintf("bytes=0-%d,%d-%d", 3*testBlockSize+10, 8*testBlockSize+7, 8*testBlockSize+20)
		rec := f.content(t, v.ID, rng)
		if rec.Code != http.StatusPartialContent || !strings.HasPrefix(rec.Header().Get("Content-Type"), "multipart/byteranges") {
			t.Fatalf("multiple ranges = %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		body := rec.Body.Bytes()
		if !bytes.Contains(body, piece[:3*testBlockSize+11]) || !bytes.Contains(body, piece[8*testBlockSize+7:8*testBlockSize+21]) {
			t.Fatalf("multipart body lacks the ranges")
		}
		// A range over three blocks ends with the fourth being read ahead,
		// which closing the content must stop and collect.
		rec = f.content(t, v.ID, fmt.Sprintf("bytes=5-%d", 3*testBlockSize-5))
		if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), piece[5:3*testBlockSize-4]) {
			t.Fatalf("range over three blocks = %d", rec.Code)
		}
		f.replaceObject(t, v.ObjectKey, flipByte(piece, 8*testBlockSize+100))
		status, _, err := f.liveContent(t, v.ID, rng)
		if err == nil {
			t.Fatalf("multiple ranges over an altered block ended cleanly with %d", status)
		}
		f.expectAlarm(t, v.ObjectKey, "download", v.ID)
	})
}

// TestTruncatedAndExtendedObjectsAreNeverServed: an object cut short or
// grown is detected on download; the full download breaks off.
func TestTruncatedAndExtendedObjectsAreNeverServed(t *testing.T) {
	integrityBackends(t, func(t *testing.T, f *contentFixture) {
		piece := multiBlockPiece("truncated")
		short := f.uploadPiece(t, "ZEL-INT-4", piece)
		f.replaceObject(t, short.ObjectKey, piece[:3*testBlockSize+10])
		status, body, err := f.liveContent(t, short.ID, "")
		if err == nil {
			t.Fatalf("download of a truncated object ended cleanly: %d, %d bytes", status, len(body))
		}
		f.expectAlarm(t, short.ObjectKey, "download", short.ID)

		long := multiBlockPiece("extended")
		v := f.uploadPiece(t, "ZEL-INT-5", long)
		f.replaceObject(t, v.ObjectKey, append(bytes.Clone(long), "appended"...))
		status, body, err = f.liveContent(t, v.ID, "")
		if err == nil {
			t.Fatalf("download of an extended object ended cleanly: %d, %d bytes", status, len(body))
		}
		// A range past the original end of a truncated object is refused
		// cleanly too.
		tail := f.uploadPiece(t, "ZEL-INT-6", multiBlockPiece("tail"))
		f.replaceObject(t, tail.ObjectKey, multiBlockPiece("tail")[:testBlockSize])
		decodeError(t, f.content(t, tail.ID, "bytes=-10"), http.StatusServiceUnavailable, domain.EINTEGRITY)
	})
}

// TestMissingObjectIsAnIntegrityFailure: a recorded object gone from the
// store raises the alarm and is refused, never served empty, until the
// approved file is uploaded again.
func TestMissingObjectIsAnIntegrityFailure(t *testing.T) {
	integrityBackends(t, func(t *testing.T, f *contentFixture) {
		piece := multiBlockPiece("missing")
		v := f.uploadPiece(t, "ZEL-INT-7", piece)
		if err := f.objectStore.Delete(context.Background(), v.ObjectKey); err != nil {
			t.Fatal(err)
		}
		decodeError(t, f.content(t, v.ID, ""), http.StatusServiceUnavailable, domain.EINTEGRITY)
		f.expectAlarm(t, v.ObjectKey, "download", v.ID)

		// Uploading the approved file again (same SHA-256) puts its bytes
		// back, and the old version is served again.
		again := f.uploadPiece(t, "ZEL-INT-7B", piece)
		for _, id := range []string{v.ID, again.ID} {
			if rec := f.content(t, id, ""); rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), piece) {
				t.Fatalf("download after the file was uploaded again = %d", rec.Code)
			}
		}
		if restored := f.auditCount(t, domain.ActionObjectRestored, v.ObjectKey); restored != 1 {
			t.Fatalf("%d restore audit events, want 1", restored)
		}
	})
}

// TestScrubFindsCorruptionNobodyDownloaded: the scrub reads objects whose
// last verification is older than its interval, finds the altered one and
// raises the same alarm; intact objects are marked verified and skipped
// until the interval has passed again.
func TestScrubFindsCorruptionNobodyDownloaded(t *testing.T) {
	integrityBackends(t, func(t *testing.T, f *contentFixture) {
		ctx := context.Background()
		good := f.uploadPiece(t, "ZEL-INT-8", multiBlockPiece("good"))
		piece := multiBlockPiece("scrubbed")
		bad := f.uploadPiece(t, "ZEL-INT-9", piece)
		f.replaceObject(t, bad.ObjectKey, flipByte(piece, 9*testBlockSize+1))
		opts := object.ScrubOptions{Every: 24 * time.Hour}

		// Everything was verified at upload: nothing is due yet.
		r, err := f.objects.Scrub(ctx, f.clock.Now().Add(time.Hour), opts)
		if err != nil || r.Checked+r.Corrupt != 0 {
			t.Fatalf("early scrub: %+v %v", r, err)
		}
		// A day later (the scrub takes its time as an argument; the server
		// clock stays, so that the test's sessions stay valid).
		later := f.clock.Now().Add(25 * time.Hour)
		r, err = f.objects.Scrub(ctx, later, opts)
		if err != nil || r.Checked != 1 || r.Corrupt != 1 {
			t.Fatalf("scrub: %+v %v", r, err)
		}
		f.expectAlarm(t, bad.ObjectKey, "scrub", bad.ID)
		if rec := f.content(t, good.ID, ""); rec.Code != http.StatusOK {
			t.Fatalf("intact object after scrub = %d", rec.Code)
		}
		r, err = f.objects.Scrub(ctx, later.Add(time.Hour), opts)
		if err != nil || r.Checked+r.Corrupt != 0 {
			t.Fatalf("second scrub within the interval: %+v %v", r, err)
		}
	})
}

// forgetBlockSums makes an object look as if it was stored before block
// sums were recorded.
func (f *contentFixture) forgetBlockSums(t *testing.T, key string) {
	t.Helper()
	db, err := sql.Open(f.driver, f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := "UPDATE blobs SET block_sums = NULL, block_size = 0, verified_at = NULL WHERE key = ?"
	if f.driver == "pgx" {
		q = strings.Replace(q, "?", "$1", 1)
	}
	if _, err := db.Exec(q, key); err != nil {
		t.Fatal(err)
	}
}

// TestBackfillGivesOldObjectsBlockSums: objects stored before block sums
// were recorded get them from the backfill, after their whole SHA-256 was
// checked; ranged downloads then verify per block. An old object whose
// bytes no longer match its SHA-256 raises the alarm instead.
func TestBackfillGivesOldObjectsBlockSums(t *testing.T) {
	integrityBackends(t, func(t *testing.T, f *contentFixture) {
		ctx := context.Background()
		piece := multiBlockPiece("old")
		old := f.uploadPiece(t, "ZEL-INT-10", piece)
		damagedPiece := multiBlockPiece("old-damaged")
		damaged := f.uploadPiece(t, "ZEL-INT-11", damagedPiece)
		f.forgetBlockSums(t, old.ObjectKey)
		f.forgetBlockSums(t, damaged.ObjectKey)
		f.replaceObject(t, damaged.ObjectKey, flipByte(damagedPiece, 2))

		r, err := f.objects.BackfillBlockSums(ctx, f.clock.Now(), object.ScrubOptions{})
		if err != nil || r.Checked != 1 || r.Corrupt != 1 {
			t.Fatalf("backfill: %+v %v", r, err)
		}
		b, err := f.store.Blob(ctx, old.ObjectKey)
		if err != nil || b.BlockSize != testBlockSize || len(b.BlockSums) != 11*32 || b.CorruptAt != nil {
			t.Fatalf("backfilled object: size %d, %d bytes of sums, corrupt %v, %v", b.BlockSize, len(b.BlockSums), b.CorruptAt, err)
		}
		f.expectAlarm(t, damaged.ObjectKey, "backfill", damaged.ID)

		// Ranged downloads now verify per block.
		rec := f.content(t, old.ID, "bytes=10-19")
		if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), piece[10:20]) {
			t.Fatalf("range after backfill = %d %q", rec.Code, rec.Body)
		}
		f.replaceObject(t, old.ObjectKey, flipByte(piece, 4*testBlockSize+3))
		if rec := f.content(t, old.ID, "bytes=10-19"); rec.Code != http.StatusPartialContent {
			t.Fatalf("range in an intact block = %d", rec.Code)
		}
		decodeError(
			t,
			f.content(t, old.ID, fmt.Sprintf("bytes=%d-%d", 4*testBlockSize, 4*testBlockSize+10)),
			http.StatusServiceUnavailable,
			domain.EINTEGRITY,
		)
	})
}

// TestOldObjectIsCheckedWholeOnFirstDownload: before the backfill reaches
// it, an old object is read whole and checked against its SHA-256 on its
// first download, which then records its block sums; a damaged one is
// refused before any byte is sent.
func TestOldObjectIsCheckedWholeOnFirstDownload(t *testing.T) {
	integrityBackends(t, func(t *testing.T, f *contentFixture) {
		ctx := context.Background()
		piece := multiBlockPiece("first")
		v := f.uploadPiece(t, "ZEL-INT-12", piece)
		f.forgetBlockSums(t, v.ObjectKey)
		rec := f.content(t, v.ID, "bytes=5000-5099")
		if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), piece[5000:5100]) {
			t.Fatalf("first ranged download of an old object = %d", rec.Code)
		}
		if b, err := f.store.Blob(ctx, v.ObjectKey); err != nil || len(b.BlockSums) != 11*32 {
			t.Fatalf("block sums after first download: %d bytes, %v", len(b.BlockSums), err)
		}

		damagedPiece := multiBlockPiece("first-damaged")
		d := f.uploadPiece(t, "ZEL-INT-13", damagedPiece)
		f.forgetBlockSums(t, d.ObjectKey)
		f.replaceObject(t, d.ObjectKey, flipByte(damagedPiece, 9*testBlockSize))
		// The range is far from the damage: only the whole-object check
		// can catch it, and it must, before anything is sent.
		decodeError(t, f.content(t, d.ID, "bytes=0-9"), http.StatusServiceUnavailable, domain.EINTEGRITY)
		f.expectAlarm(t, d.ObjectKey, "download", d.ID)
	})
}

// TestRepLibraryDownloadIsVerified: a rep's download of the current piece
// (API and web route, inline preview included) is verified like any other:
// once its stored file is altered, the rep gets 503 integrity_failure (a
// page for a browser), and the alarm is raised once.
func TestRepLibraryDownloadIsVerified(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		f := newApprovedFixtureOn(t, backend)
		f.publishFor(t, 24*time.Hour)
		if rec := f.repContent(t, f.asset.ID); rec.Code != http.StatusOK || rec.Body.String() != compliantPiece {
			t.Fatalf("rep download = %d", rec.Code)
		}
		v, err := f.store.Version(context.Background(), f.version.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.replaceObject(t, v.ObjectKey, flipByte([]byte(compliantPiece), 3))
		decodeError(t, f.repContent(t, f.asset.ID), http.StatusServiceUnavailable, domain.EINTEGRITY)
		decodeError(
			t,
			f.api(t, http.MethodGet, "/api/v1/library/"+f.asset.ID+"/content?disposition=inline", f.rep, nil),
			http.StatusServiceUnavailable,
			domain.EINTEGRITY,
		)

		rep := newWebClient(f.testServer)
		rep.do(
			t,
			http.MethodPost,
			"/login",
			url.Values{"_csrf": {rep.csrf(t, "/login")}, "email": {"rep@example.com"}, "password": {testPassword}},
		)
		rec := rep.do(t, http.MethodGet, "/library/"+f.asset.ID+"/content?disposition=inline", nil)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "no longer matches what was approved") {
			t.Fatalf("web preview of a corrupt piece = %d %.200s", rec.Code, rec.Body)
		}
		if b, err := f.store.Blob(context.Background(), v.ObjectKey); err != nil || b.CorruptAt == nil {
			t.Fatalf("blob = %+v %v", b, err)
		}
		if alarms := f.auditCount(t, domain.ActionObjectCorrupt, v.ObjectKey); alarms != 1 {
			t.Fatalf("%d integrity audit events, want 1", alarms)
		}
	})
}
