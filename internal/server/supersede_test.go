package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// TestSupersededVersionNoticeAndRepSearch publishes a version, has the rep
// fetch it, then publishes a newer one: the rep gets an "updated version
// available" notice in the API and on their library page, and the rep's
// search matches only the published version's words, never a draft's.
func TestSupersededVersionNoticeAndRepSearch(t *testing.T) {
	forEachBackend(t, supersededVersionNoticeAndRepSearch)
}

func supersededVersionNoticeAndRepSearch(t *testing.T, backend string) {
	f := newApprovedFixtureOn(t, backend)
	exp := map[string]any{"expires_at": f.clock.Now().Add(24 * time.Hour)}
	decode[domain.Version](t, f.publishRequest(t, exp), http.StatusOK)
	if rec := f.repContent(t, f.asset.ID); rec.Code != http.StatusOK {
		t.Fatalf("rep download = %d", rec.Code)
	}
	old := f.version.ID

	// A draft with a word of its own: the rep must not find the piece by it.
	f.version = decode[domain.Version](
		t,
		f.upload(t, f.marketer, f.asset.ID, "piece.txt", []byte(compliantPiece+"Periwinkle dosing chart.\n")),
		http.StatusCreated,
	)
	search := func(token, path, q string) int {
		t.Helper()
		if path == "/api/v1/library" {
			return len(
				decode[domain.LibraryPage](t, f.api(t, http.MethodGet, path+"?q="+url.QueryEscape(q), token, nil), http.StatusOK).Items,
			)
		}
		return len(decode[domain.AssetPage](t, f.api(t, http.MethodGet, path+"?q="+url.QueryEscape(q), token, nil), http.StatusOK).Assets)
	}
	if n := search(f.rep, "/api/v1/library", "periwinkle"); n != 0 {
		t.Fatalf("rep finds a draft-only word: %d", n)
	}
	if n := search(f.marketer, "/api/v1/assets", "periwinkle"); n != 1 {
		t.Fatalf("marketer's asset search misses the draft word: %d", n)
	}
	if n := search(f.rep, "/api/v1/library", "serious bleeding"); n != 1 {
		t.Fatalf("rep misses a published word: %d", n)
	}

	f.approveAll(t)
	decode[domain.Version](t, f.publishRequest(t, exp), http.StatusOK)
	if n := search(f.rep, "/api/v1/library", "periwinkle"); n != 1 {
		t.Fatalf("rep misses a word of the newly published version: %d", n)
	}

	notices := decode[struct{ Notices []domain.Notice }](t, f.api(t, http.MethodGet, "/api/v1/notices", f.rep, nil), http.StatusOK)
	if len(notices.Notices) != 1 || notices.Notices[0].Reason != string(domain.StateSuperseded) || notices.Notices[0].VersionID != old ||
		!strings.Contains(notices.Notices[0].Message, "Updated version available") {
		t.Fatalf("notices = %+v", notices.Notices)
	}
	w := newWebClient(f.testServer)
	tok := w.csrf(t, "/login")
	rec := w.do(t, http.MethodPost, "/login", url.Values{"_csrf": {tok}, "email": {"rep@example.com"}, "password": {testPassword}})
	w.do(t, http.MethodGet, rec.Header().Get("Location"), nil)
	body := w.do(t, http.MethodGet, "/library", nil).Body.String()
	if !strings.Contains(body, "Updated version available") || !strings.Contains(body, "I will use the updated version") {
		t.Fatalf("rep's page lacks the notice: %s", body)
	}
	if rec := f.api(t, http.MethodPost, "/api/v1/notices/"+notices.Notices[0].ID+"/ack", f.rep, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("ack = %d %s", rec.Code, rec.Body)
	}
}
