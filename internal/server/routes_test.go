package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRouteScenarios checks every protected API route three ways: without
// credentials (401), as a role without the permission (403) and as a role
// with it (success).
func TestRouteScenarios(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addBrand(t, "ZELTRA")
	ts.addUser(t, "admin@example.com", "admin")
	ts.addUser(t, "auditor@example.com", "auditor")
	ts.addUser(t, "rep@example.com", "rep:ZELTRA")
	target := ts.addUser(t, "target@example.com", "marketer:ZELTRA")
	tokens := map[string]string{}
	for _, who := range []string{"admin", "auditor", "rep", "target"} {
		tokens[who] = ts.login(t, who+"@example.com")
	}
	for _, sc := range []struct {
		method, path string
		body         any
		allowed      string // who may
		denied       string // who may not ("" when every signed-in user may)
		want         int
	}{
		{http.MethodGet, "/api/v1/me", nil, "rep", "", http.StatusOK},
		{http.MethodGet, "/api/v1/users", nil, "admin", "auditor", http.StatusOK},
		{http.MethodGet, "/api/v1/users/" + target.ID, nil, "admin", "rep", http.StatusOK},
		{http.MethodPost, "/api/v1/users", map[string]any{"email": "n@example.com", "display_name": "N N",
			"password": "a sound password 9"}, "admin", "auditor", http.StatusCreated},
		{http.MethodPatch, "/api/v1/users/" + target.ID, map[string]any{"display_name": "Target Renamed"}, "admin", "rep", http.StatusOK},
		{http.MethodPut, "/api/v1/users/" + target.ID + "/roles", map[string]any{"roles": []map[string]string{{"role": "marketer",
			"brand": "ZELTRA"}}}, "admin", "target", http.StatusOK},
		{http.MethodGet, "/api/v1/audit/verify", nil, "auditor", "admin", http.StatusOK},
		{http.MethodGet, "/api/v1/audit?action=auth.login&limit=5", nil, "auditor", "target", http.StatusOK},
		{http.MethodGet, "/api/v1/audit?format=csv", nil, "auditor", "rep", http.StatusOK},
		{http.MethodPost, "/api/v1/auth/logout", nil, "target", "", http.StatusNoContent},
	} {
		name := sc.method + " " + sc.path
		decodeError(t, ts.api(t, sc.method, sc.path, "", sc.body), http.StatusUnauthorized, "unauthorized")
		if sc.denied != "" {
			rec := ts.api(t, sc.method, sc.path, tokens[sc.denied], sc.body)
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s as %s = %d, want 403", name, sc.denied, rec.Code)
			}
		}
		if rec := ts.api(t, sc.method, sc.path, tokens[sc.allowed], sc.body); rec.Code != sc.want {
			t.Errorf("%s as %s = %d %s, want %d", name, sc.allowed, rec.Code, rec.Body, sc.want)
		}
	}
}

// TestWebRouteScenarios does the same for the web pages.
func TestWebRouteScenarios(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "admin@example.com", "admin")
	ts.addUser(t, "auditor@example.com", "auditor")
	admin, auditor, anon := webSignIn(t, ts, "admin@example.com"), webSignIn(t, ts, "auditor@example.com"), newWebClient(ts)
	if rec := auditor.do(t, http.MethodGet, "/audit", nil); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), "hash chain is intact") {
		t.Errorf("auditor page = %d", rec.Code)
	}
	if rec := admin.do(t, http.MethodGet, "/audit", nil); rec.Code != http.StatusForbidden {
		t.Errorf("admin on the audit page = %d", rec.Code)
	}
	for _, path := range []string{"/admin/users", "/admin/users/new"} {
		if rec := anon.do(t, http.MethodGet, path, nil); rec.Code != http.StatusSeeOther ||
			!strings.HasPrefix(rec.Header().Get("Location"), "/login") {
			t.Errorf("anonymous %s = %d", path, rec.Code)
		}
		if rec := auditor.do(t, http.MethodGet, path, nil); rec.Code != http.StatusForbidden ||
			!strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("auditor %s = %d", path, rec.Code)
		}
		if rec := admin.do(t, http.MethodGet, path, nil); rec.Code != http.StatusOK {
			t.Errorf("admin %s = %d", path, rec.Code)
		}
	}
	tok := auditor.csrf(t, "/audit")
	if rec := auditor.do(t, http.MethodPost, "/admin/users", url.Values{"_csrf": {tok},
		"email": {"x@example.com"}}); rec.Code != http.StatusForbidden {
		t.Errorf("auditor POST /admin/users = %d", rec.Code)
	}
	if rec := admin.do(t, http.MethodGet, "/admin/users/no-such-id", nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown user page = %d", rec.Code)
	}
}
