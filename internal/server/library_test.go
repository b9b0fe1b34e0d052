package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRepAndMarketerInTheBrowser: the marketer publishes through the form,
// the rep lands on the library, opens the piece and sends feedback; the
// marketer withdraws it (with confirmation and a reason); the rep sees the
// notice, acknowledges it and can no longer open the piece.
func TestRepAndMarketerInTheBrowser(t *testing.T) {
	f := newApprovedFixtureOn(t, "sqlite")
	signIn := func(email string) (*webClient, string) {
		w := newWebClient(f.testServer)
		tok := w.csrf(t, "/login")
		rec := w.do(t, http.MethodPost, "/login", url.Values{"_csrf": {tok}, "email": {email}, "password": {testPassword}})
		landing := w.do(t, http.MethodGet, rec.Header().Get("Location"), nil)
		return w, landing.Header().Get("Location")
	}
	marketer, mLanding := signIn("marketer@example.com")
	if mLanding != "/assets" {
		t.Fatalf("marketer lands on %q", mLanding)
	}
	page := "/assets/" + f.asset.ID + "?version=" + f.version.ID
	tok := marketer.csrf(t, page)
	rec := marketer.do(t, http.MethodPost, "/versions/"+f.version.ID+"/publish", url.Values{"_csrf": {tok}, "expires_on": {"2030-01-01"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "at most") {
		t.Fatalf("publish beyond the brand's period = %d", rec.Code)
	}
	exp := f.clock.Now().AddDate(0, 1, 0).Format("2006-01-02")
	if rec := marketer.do(t, http.MethodPost, "/versions/"+f.version.ID+"/publish", url.Values{"_csrf": {tok},
		"expires_on": {exp}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("publish = %d %s", rec.Code, rec.Body)
	}

	rep, rLanding := signIn("rep@example.com")
	if rLanding != "/library" {
		t.Fatalf("rep lands on %q", rLanding)
	}
	body := rep.do(t, http.MethodGet, "/library", nil).Body.String()
	if !strings.Contains(body, "ZEL-REV-1") || !strings.Contains(body, "/library/"+f.asset.ID+"/content") {
		t.Fatalf("rep library lacks the piece: %s", body)
	}
	if rec := rep.do(t, http.MethodGet, "/library/"+f.asset.ID+"/content?disposition=inline", nil); rec.Code != http.StatusOK ||
		rec.Body.String() != compliantPiece {
		t.Fatalf("open = %d", rec.Code)
	}
	rtok := rep.csrf(t, "/library")
	if rec := rep.do(t, http.MethodPost, "/library/"+f.asset.ID+"/feedback", url.Values{"_csrf": {rtok}, "kind": {"question"},
		"text": {"Is it safe with aspirin?"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("feedback = %d", rec.Code)
	}

	// Withdrawal needs the confirmation box and a reason.
	rec = marketer.do(t, http.MethodPost, "/versions/"+f.version.ID+"/withdraw", url.Values{"_csrf": {tok}, "reason": {"Data update"}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("withdraw without confirmation = %d", rec.Code)
	}
	if rec := marketer.do(t, http.MethodPost, "/versions/"+f.version.ID+"/withdraw", url.Values{"_csrf": {tok},
		"reason": {"Data update"}, "confirm": {"on"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("withdraw = %d %s", rec.Code, rec.Body)
	}
	body = rep.do(t, http.MethodGet, "/library", nil).Body.String()
	if !strings.Contains(body, "Notices to acknowledge") || strings.Contains(body, "/library/"+f.asset.ID+"/content") {
		t.Fatalf("after withdrawal the rep must see a notice and no piece: %s", body)
	}
	if rec := rep.do(t, http.MethodGet, "/library/"+f.asset.ID+"/content", nil); rec.Code != http.StatusGone {
		t.Fatalf("withdrawn piece = %d", rec.Code)
	}
	rtok = rep.csrf(t, "/library")
	start := strings.Index(body, `action="/notices/`) + len(`action="/notices/`)
	noticeID := body[start : start+strings.Index(body[start:], "/")]
	if rec := rep.do(t, http.MethodPost, "/notices/"+noticeID+"/ack", url.Values{"_csrf": {rtok}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("ack = %d", rec.Code)
	}
	if strings.Contains(rep.do(t, http.MethodGet, "/library", nil).Body.String(), "Notices to acknowledge") {
		t.Fatal("acknowledged notice still shown")
	}
	if rec := marketer.do(t, http.MethodGet, "/expiring?days=90", nil); rec.Code != http.StatusOK {
		t.Fatalf("expiring page = %d", rec.Code)
	}
	if rec := marketer.do(t, http.MethodGet, "/notices/report?days=3", nil); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), "Every notice older") {
		t.Fatalf("notice report page = %d", rec.Code)
	}
}
