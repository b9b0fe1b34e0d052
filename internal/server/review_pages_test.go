package server

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// TestReviewInTheBrowser plays submit, review with signatures, comments and
// the approval record through the web forms.
func TestReviewInTheBrowser(t *testing.T) {
	f := newReviewFixture(t)
	f.t = t
	signIn := func(email string) *webClient {
		w := newWebClient(f.testServer)
		tok := w.csrf(t, "/login")
		if rec := w.do(t, http.MethodPost, "/login", url.Values{"_csrf": {tok}, "email": {email}, "password": {testPassword}}); rec.Code != http.StatusSeeOther {
			t.Fatalf("login %s = %d", email, rec.Code)
		}
		return w
	}
	page := "/assets/" + f.asset.ID + "?version=" + f.version.ID
	marketer := signIn("marketer@example.com")
	tok := marketer.csrf(t, page)
	if !strings.Contains(marketer.do(t, http.MethodGet, page, nil).Body.String(), "Submit for MLR review") {
		t.Fatal("no submit button for the author")
	}
	if rec := marketer.do(t, http.MethodPost, "/versions/"+f.version.ID+"/submit", url.Values{"_csrf": {tok}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("submit = %d %s", rec.Code, rec.Body)
	}
	if rec := marketer.do(t, http.MethodPost, "/versions/"+f.version.ID+"/comments", url.Values{"_csrf": {tok}, "body": {"Please check page 1."}, "page": {"1"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("comment = %d %s", rec.Code, rec.Body)
	}
	f.clearErrors(t, f.version.ID)

	for _, who := range []struct{ email, function string }{{"medical@example.com", "medical"}, {"legal@example.com", "legal"}, {"regulatory@example.com", "regulatory"}} {
		w := signIn(who.email)
		q := w.do(t, http.MethodGet, "/reviews", nil)
		if q.Code != http.StatusOK || !strings.Contains(q.Body.String(), "ZEL-REV-1") {
			t.Fatalf("%s queue = %d", who.function, q.Code)
		}
		body := w.do(t, http.MethodGet, page, nil).Body.String()
		if !strings.Contains(body, "Sign and record decision") || !strings.Contains(body, "Please check page 1.") {
			t.Fatalf("%s sees no decision form or comment", who.function)
		}
		tok := w.csrf(t, page)
		// A wrong password re-renders the page with the problem.
		rec := w.do(t, http.MethodPost, "/versions/"+f.version.ID+"/reviews", url.Values{"_csrf": {tok}, "function": {who.function}, "decision": {"approve"}, "meaning": {"Approved"}, "password": {"wrong"}})
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "password is incorrect") {
			t.Fatalf("wrong password = %d", rec.Code)
		}
		rec = w.do(t, http.MethodPost, "/versions/"+f.version.ID+"/reviews", url.Values{"_csrf": {tok}, "function": {who.function}, "decision": {"approve"}, "meaning": {domain.DefaultMeaning(who.function, "approve")}, "password": {testPassword}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%s decision = %d %s", who.function, rec.Code, rec.Body)
		}
	}
	body := marketer.do(t, http.MethodGet, page, nil).Body.String()
	if !strings.Contains(body, "badge-approved") || !strings.Contains(body, "Approved as medically accurate") || !strings.Contains(body, "Approval record") {
		t.Fatalf("author's view lacks the approval")
	}
	rec := marketer.do(t, http.MethodGet, "/versions/"+f.version.ID+"/approval-record", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), f.version.SHA256) || strings.Count(rec.Body.String(), "Approved as") != 3 {
		t.Fatalf("approval record = %d", rec.Code)
	}
	rec = marketer.do(t, http.MethodGet, "/versions/"+f.version.ID+"/approval-record.pdf", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
		t.Fatalf("approval PDF = %d %q", rec.Code, rec.Header())
	}
	// The comment API shows the thread.
	list := decode[struct {
		Comments []struct{ Body string }
	}](t, f.api(t, http.MethodGet, "/api/v1/versions/"+f.version.ID+"/comments", f.medical, nil), http.StatusOK)
	if len(list.Comments) != 1 {
		t.Fatalf("comments = %+v", list.Comments)
	}
	decodeError(t, f.api(t, http.MethodPost, "/api/v1/versions/"+f.version.ID+"/comments", f.medical, map[string]any{"body": "", "page": 99}), http.StatusUnprocessableEntity, "invalid")
}
