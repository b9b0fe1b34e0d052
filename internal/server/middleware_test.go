package server

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// webSignIn signs email in with the test password through the login form
// and returns the browser; it fails the test unless the sign-in succeeds.
func webSignIn(t *testing.T, ts *testServer, email string) *webClient {
	t.Helper()
	w := newWebClient(ts)
	tok := w.csrf(t, "/login")
	if rec := w.do(t, http.MethodPost, "/login", url.Values{"_csrf": {tok}, "email": {email},
		"password": {testPassword}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in of %s = %d", email, rec.Code)
	}
	return w
}

// signedInWeb signs email in through the login form and returns the
// browser with the CSRF token of page (the home page by default).
func signedInWeb(t *testing.T, ts *testServer, email string, page ...string) (*webClient, string) {
	t.Helper()
	w := webSignIn(t, ts, email)
	if len(page) == 0 {
		page = []string{"/"}
	}
	return w, w.csrf(t, page[0])
}

// postWith posts form to path with exactly the given cookies.
func postWith(t *testing.T, ts *testServer, path string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return ts.do(t, req)
}

// TestCSRFTokenOfAnotherSessionIsRefused plants, next to the victim's
// session cookie, the CSRF cookie and token of the attacker's own session
// (what a sibling subdomain or a plain-HTTP page can do): the token is bound
// to the session, so the victim's form is refused.
func TestCSRFTokenOfAnotherSessionIsRefused(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "mira@example.com")
	ts.addUser(t, "eve@example.com")
	mira, miraTok := signedInWeb(t, ts, "mira@example.com")
	eve, eveTok := signedInWeb(t, ts, "eve@example.com")
	cookies := []*http.Cookie{mira.cookies[sessionCookie]}
	for name, c := range eve.cookies {
		if name != sessionCookie {
			cookies = append(cookies, c)
		}
	}
	if rec := postWith(t, ts, "/logout", url.Values{"_csrf": {eveTok}}, cookies...); rec.Code != http.StatusForbidden {
		t.Fatalf("sign-out of mira with eve's planted CSRF cookie and token = %d, want 403", rec.Code)
	}
	// A signed-out browser's token is bound to its own CSRF cookie.
	anon := newWebClient(ts)
	anonTok := anon.csrf(t, "/login")
	if anonTok == eveTok || anonTok == miraTok {
		t.Fatal("tokens repeat across browsers")
	}
	other := newWebClient(ts)
	other.csrf(t, "/login")
	var otherCookies []*http.Cookie
	for _, c := range other.cookies {
		otherCookies = append(otherCookies, c)
	}
	if rec := postWith(t, ts, "/login", url.Values{"_csrf": {anonTok}, "email": {"mira@example.com"}, "password": {testPassword}},
		otherCookies...); rec.Code != http.StatusForbidden {
		t.Fatalf("login with another browser's token = %d, want 403", rec.Code)
	}
	// The session's own token works.
	if rec := mira.do(t, http.MethodPost, "/logout", url.Values{"_csrf": {miraTok}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-out with the session's token = %d", rec.Code)
	}
}

// TestCSRFTokenInTheQueryStringIsRefused: URLs end up in logs, history and
// Referer headers, so a token is read from the body or a header only.
func TestCSRFTokenInTheQueryStringIsRefused(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "mira@example.com")
	w, tok := signedInWeb(t, ts, "mira@example.com")
	if rec := w.do(t, http.MethodPost, "/logout?_csrf="+url.QueryEscape(tok), url.Values{}); rec.Code != http.StatusForbidden {
		t.Fatalf("sign-out with the token in the query = %d, want 403", rec.Code)
	}
	req := httptest.NewRequest(http.MethodPost, "/logout", nil)
	req.Header.Set("X-CSRF-Token", tok)
	for _, c := range w.cookies {
		req.AddCookie(c)
	}
	if rec := ts.do(t, req); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-out with the token in X-CSRF-Token = %d", rec.Code)
	}
}

// TestCookiesWithSecureCookies: behind TLS the CSRF cookie takes the
// __Host- prefix and every cookie, the flash message's too, is Secure.
func TestCookiesWithSecureCookies(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.cfg.SecureCookies = true // read per request
	ts.addUser(t, "mira@example.com")
	w := newWebClient(ts)
	tok := w.csrf(t, "/login")
	ck := w.cookies["__Host-fairshelf_csrf"]
	if ck == nil || !ck.Secure || ck.Path != "/" || ck.Domain != "" || !ck.HttpOnly {
		t.Errorf("CSRF cookie with secure cookies = %+v (all: %v)", ck, w.cookies)
	}
	if _, plain := w.cookies["fairshelf_csrf"]; plain {
		t.Error("the CSRF cookie without the __Host- prefix is still set")
	}
	if rec := w.do(t, http.MethodPost, "/login", url.Values{"_csrf": {tok}, "email": {"mira@example.com"},
		"password": {testPassword}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("login = %d", rec.Code)
	}
	rec := w.do(t, http.MethodPost, "/logout", url.Values{"_csrf": {w.csrf(t, "/")}})
	var flash *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == flashCookie {
			flash = c
		}
	}
	if flash == nil || !flash.Secure || !flash.HttpOnly {
		t.Fatalf("flash cookie with secure cookies = %+v", flash)
	}
	for _, c := range rec.Result().Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s is not Secure", c.Name)
		}
	}
}

// TestSignedInAnswersAreNotStored: API answers and pages for a signed-in
// caller carry personal data and must not stay in any cache.
func TestSignedInAnswersAreNotStored(t *testing.T) {
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-CACHE-1", "ZELTRA")
	for _, r := range []struct{ path, token string }{{"/api/v1/me", f.rep}, {"/api/v1/users", f.admin}, {"/api/v1/assets",
		f.marketer}, {"/api/v1/assets/" + a.ID, f.marketer}, {"/api/v1/brands", f.marketer}, {"/api/v1/library", f.rep}} {
		path, rec := r.path, f.api(t, http.MethodGet, r.path, r.token, nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s = %d, Cache-Control %q, want no-store", path, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	if rec := f.apiLogin(t, map[string]string{"email": "rep@example.com",
		"password": testPassword}); rec.Header().
		Get("Cache-Control") !=
		"no-store" {
		t.Errorf("login answer (a bearer token) Cache-Control %q, want no-store", rec.Header().Get("Cache-Control"))
	}
	w, _ := signedInWeb(t, f.testServer, "marketer@example.com", "/assets")
	for _, path := range []string{"/assets", "/assets/" + a.ID} {
		if rec := w.do(t, http.MethodGet, path, nil); rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("page %s = %d, Cache-Control %q", path, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
}

// scriptedPiece is a compliant piece as a PDF that runs JavaScript when a
// viewer opens it.
func scriptedPiece() []byte {
	return testenv.ScriptedPDF(strings.Split(strings.TrimSpace(compliantPiece), "\n"),
		`app.alert("pwned by the piece"); console.error("script of the piece ran");`)
}

func pngImage(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestStoredFilesAreServedSandboxed fetches stored files on every route
// that serves them, asking for them inline: each answer forbids sniffing and
// carries the sandbox policy, and only images and video may be inline.
func TestStoredFilesAreServedSandboxed(t *testing.T) {
	f := newReviewFixture(t)
	pdf := decode[domain.Version](t, f.upload(t, f.marketer, f.asset.ID, "scripted.pdf", scriptedPiece()), http.StatusCreated)
	if pdf.MediaType != "application/pdf" || pdf.TextStatus != "ok" {
		t.Fatalf("the scripted PDF was stored as %s with text %s", pdf.MediaType, pdf.TextStatus)
	}
	img := f.createAsset(t, f.marketer, "ZEL-IMG-1", "ZELTRA")
	pic := decode[domain.Version](t, f.upload(t, f.marketer, img.ID, "banner.png", pngImage(t)), http.StatusCreated)
	f.version = pdf
	f.approveAll(t)
	decode[domain.Version](
		t,
		f.api(
			t,
			http.MethodPost,
			"/api/v1/versions/"+pdf.ID+"/publish",
			f.marketer,
			map[string]any{"expires_at": f.clock.Now().Add(24 * time.Hour)},
		),
		http.StatusOK,
	)

	web, _ := signedInWeb(t, f.testServer, "medical@example.com", "/reviews")
	repWeb, _ := signedInWeb(t, f.testServer, "rep@example.com", "/library")
	check := func(name string, rec *httptest.ResponseRecorder, wantInline bool) {
		t.Helper()
		h := rec.Header()
		if rec.Code != http.StatusOK {
			t.Fatalf("%s = %d %s", name, rec.Code, rec.Body)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", name)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "allow-scripts") {
			t.Errorf("%s: Content-Security-Policy %q, want a sandbox without scripts", name, csp)
		}
		kind := "attachment"
		if wantInline {
			kind = "inline"
		}
		if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, kind+";") {
			t.Errorf("%s: Content-Disposition %q, want %s", name, cd, kind)
		}
	}
	check("approval record PDF", web.do(t, http.MethodGet, "/versions/"+pdf.ID+"/approval-record.pdf", nil), false)
	check("Form 2253 PDF", f.api(t, http.MethodGet, "/api/v1/versions/"+pdf.ID+"/form2253?format=pdf", f.marketer, nil), false)
	for _, q := range []string{"", "?disposition=inline"} {
		check("API version PDF"+q, f.api(t, http.MethodGet, "/api/v1/versions/"+pdf.ID+"/content"+q, f.medical, nil), false)
		check("web version PDF"+q, web.do(t, http.MethodGet, "/versions/"+pdf.ID+"/content"+q, nil), false)
		check("API library PDF"+q, f.api(t, http.MethodGet, "/api/v1/library/"+f.asset.ID+"/content"+q, f.rep, nil), false)
		check("web library PDF"+q, repWeb.do(t, http.MethodGet, "/library/"+f.asset.ID+"/content"+q, nil), false)
		check("API version PNG"+q, f.api(t, http.MethodGet, "/api/v1/versions/"+pic.ID+"/content"+q, f.medical, nil), q != "")
		check("web version PNG"+q, web.do(t, http.MethodGet, "/versions/"+pic.ID+"/content"+q, nil), q != "")
	}
}

var embedding = regexp.MustCompile(`(?i)<(iframe|embed|object|frame)\b`)

// TestAssetPageNeverEmbedsAFile opens the asset page of a PDF that runs
// JavaScript: the page embeds nothing, shows the extracted text, the file's
// facts and a download link, and its own policy forbids objects and frames.
func TestAssetPageNeverEmbedsAFile(t *testing.T) {
	f := newContentFixture(t)
	a := f.createAsset(t, f.marketer, "ZEL-PDF-1", "ZELTRA")
	v := decode[domain.Version](t, f.upload(t, f.marketer, a.ID, "scripted.pdf", scriptedPiece()), http.StatusCreated)
	w, _ := signedInWeb(t, f.testServer, "medical@example.com", "/reviews")
	rec := w.do(t, http.MethodGet, "/assets/"+a.ID, nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("asset page = %d", rec.Code)
	}
	if m := embedding.FindString(body); m != "" {
		t.Errorf("the asset page embeds the file: %s", m)
	}
	if strings.Contains(body, "disposition=inline") {
		t.Error("the asset page asks for the PDF inline")
	}
	for _, want := range []string{`href="/versions/` + v.ID + `/content"`, "Download the file", v.SHA256, "application/pdf",
		"scripted.pdf", "Serious bleeding can occur."} {
		if !strings.Contains(body, want) {
			t.Errorf("the asset page lacks %q", want)
		}
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"object-src 'none'", "frame-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("page Content-Security-Policy %q lacks %s", csp, want)
		}
	}
	if xfo := rec.Header().Get("X-Frame-Options"); xfo != "DENY" {
		t.Errorf("X-Frame-Options = %q", xfo)
	}
}

// TestMetricsOnThePublicPort: the public port answers /metrics only to the
// holder of the metrics token, and 404 when none is configured; the
// metrics listener's handler serves /metrics and nothing else.
func TestMetricsOnThePublicPort(t *testing.T) {
	ts := newTestServer(t, nil)
	get := func(bearer string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		return ts.do(t, req)
	}
	decodeError(t, get(""), http.StatusNotFound, "not_found")
	decodeError(t, get("anything-at-all-0123456789"), http.StatusNotFound, "not_found")

	ts.cfg.MetricsToken = "scrape-token-0123456789" // read per request
	decodeError(t, get(""), http.StatusUnauthorized, "unauthorized")
	decodeError(t, get("scrape-token-012345678"), http.StatusUnauthorized, "unauthorized")
	if rec := get("scrape-token-0123456789"); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), "fairshelf_http_requests_total") {
		t.Fatalf("metrics with the token = %d", rec.Code)
	}

	for path, want := range map[string]int{"/metrics": http.StatusOK, "/healthz": http.StatusNotFound, "/": http.StatusNotFound} {
		rec := httptest.NewRecorder()
		ts.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("metrics listener %s = %d, want %d", path, rec.Code, want)
		}
	}
}
