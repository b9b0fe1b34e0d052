package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/password"
)

const testPassword = "a-sound-password-42"

// addUser stores a user directly, as "fairshelf user add" would.
func (ts *testServer) addUser(t *testing.T, email string, roles ...string) domain.User {
	t.Helper()
	return ts.addUserB(t, email, roles...)
}

func (ts *testServer) addUserB(t testing.TB, email string, roles ...string) domain.User {
	t.Helper()
	var ras []domain.RoleAssignment
	for _, r := range roles {
		a, err := domain.ParseRoleAssignment(r)
		if err != nil {
			t.Fatal(err)
		}
		ras = append(ras, a)
	}
	hash, err := password.Hash(testPassword, testPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Split(email, "@")[0] + " Person"
	u, err := ts.store.CreateUser(
		context.Background(),
		domain.Actor{Name: "test"},
		domain.NewUser{Email: email, DisplayName: name, Password: testPassword, Roles: ras},
		hash,
	)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (ts *testServer) addBrand(t *testing.T, code string) {
	t.Helper()
	b := domain.NewBrand{Code: code, Name: code + " brand", Label: domain.Label{
		ProprietaryName: code, EstablishedName: "zeltaparin", Indication: "Treatment of adults with condition X.",
		ISIStatements: []string{"Serious bleeding can occur."}, PIReference: "Please see full Prescribing Information.",
	}}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.CreateBrand(context.Background(), domain.Actor{Name: "test"}, b); err != nil {
		t.Fatal(err)
	}
}

// api sends a JSON API request with an optional bearer token.
func (ts *testServer) api(t *testing.T, method, path, token string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ts.do(t, req)
}

// apiLogin posts body (email and password) to the API's sign-in.
func (ts *testServer) apiLogin(t *testing.T, body map[string]string) *httptest.ResponseRecorder {
	return ts.api(t, http.MethodPost, "/api/v1/auth/login", "", body)
}

func (ts *testServer) login(t *testing.T, email string) string {
	t.Helper()
	rec := ts.apiLogin(t, map[string]string{"email": email, "password": testPassword})
	if rec.Code != http.StatusOK {
		t.Fatalf("login %s = %d %s", email, rec.Code, rec.Body)
	}
	var out loginResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || !strings.HasPrefix(out.Token, tokenPrefix) {
		t.Fatalf("login body %s: %v", rec.Body, err)
	}
	return out.Token
}

func (ts *testServer) auditActions(t *testing.T) []domain.AuditEvent {
	t.Helper()
	evs, err := ts.store.ListAudit(context.Background(), domain.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// auditCount counts the audit events of action about objectID.
func (ts *testServer) auditCount(t *testing.T, action, objectID string) int {
	n := 0
	for _, e := range ts.auditActions(t) {
		if e.Action == action && e.ObjectID == objectID {
			n++
		}
	}
	return n
}

func TestAPILoginMeLogout(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addBrand(t, "ZELTRA")
	u := ts.addUser(t, "Mira@Example.com", "marketer:ZELTRA")
	token := ts.login(t, "mira@EXAMPLE.com") // e-mail is case-insensitive
	rec := ts.api(t, http.MethodGet, "/api/v1/me", token, nil)
	var me domain.User
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &me) != nil || me.ID != u.ID || len(me.Roles) != 1 {
		t.Fatalf("me = %d %s", rec.Code, rec.Body)
	}
	if rec := ts.api(t, http.MethodPost, "/api/v1/auth/logout", token, nil); rec.Code != http.StatusNoContent {
		t.Fatalf("logout = %d %s", rec.Code, rec.Body)
	}
	decodeError(t, ts.api(t, http.MethodGet, "/api/v1/me", token, nil), http.StatusUnauthorized, "unauthorized")
	var actions []string
	for _, e := range ts.auditActions(t) {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "auth.login,auth.logout") {
		t.Fatalf("audit actions %s lack login and logout", got)
	}
}

func TestFailedLoginsAreUniformAndAudited(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "known@example.com")
	a := decodeError(
		t,
		ts.apiLogin(t, map[string]string{"email": "known@example.com", "password": "wrong password!"}),
		http.StatusUnauthorized,
		"unauthorized",
	)
	b := decodeError(
		t,
		ts.apiLogin(t, map[string]string{"email": "nobody@example.com", "password": "wrong password!"}),
		http.StatusUnauthorized,
		"unauthorized",
	)
	if a.Message != b.Message {
		t.Fatalf("messages differ and reveal which accounts exist: %q vs %q", a.Message, b.Message)
	}
	var reasons []string
	for _, e := range ts.auditActions(t) {
		if e.Action == "auth.login_failed" {
			var d map[string]any
			_ = json.Unmarshal([]byte(e.Details), &d)
			reasons = append(reasons, d["reason"].(string))
		}
	}
	if strings.Join(reasons, ",") != "bad_credentials,unknown_user" {
		t.Fatalf("failed logins audited as %v", reasons)
	}
	decodeError(t, ts.apiLogin(t, map[string]string{"email": "", "password": ""}), http.StatusUnprocessableEntity, "invalid")
}

func TestLoginThrottlingPerAccount(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "target@example.com")
	bad := map[string]string{"email": "target@example.com", "password": "not the password"}
	for i := 0; i < ts.cfg.LoginMaxPerAccount; i++ {
		decodeError(t, ts.apiLogin(t, bad), http.StatusUnauthorized, "unauthorized")
	}
	// Even the right password is refused while the account is throttled.
	good := map[string]string{"email": "target@example.com", "password": testPassword}
	decodeError(t, ts.apiLogin(t, good), http.StatusTooManyRequests, "too_many_requests")
	ts.clock.Advance(ts.cfg.LoginWindow + time.Second)
	ts.login(t, "target@example.com")
	// A success starts the count afresh.
	decodeError(t, ts.apiLogin(t, bad), http.StatusUnauthorized, "unauthorized")
	ts.login(t, "target@example.com")
}

func TestLoginThrottlingPerAddressIgnoresSpoofedHeaders(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.cfg.LoginMaxPerAddress = 3
	ts.addUser(t, "victim@example.com")
	for i := 0; i < 3; i++ {
		req := httptest.NewRequest(
			http.MethodPost,
			"/api/v1/auth/login",
			strings.NewReader(`{"email":"x`+string(rune('a'+i))+`@example.com","password":"guess guess guess"}`),
		)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", "203.0.113."+string(rune('1'+i))) // not trusted: ignored
		decodeError(t, ts.do(t, req), http.StatusUnauthorized, "unauthorized")
	}
	decodeError(
		t,
		ts.apiLogin(t, map[string]string{"email": "victim@example.com", "password": testPassword}),
		http.StatusTooManyRequests,
		"too_many_requests",
	)
	for _, e := range ts.auditActions(t) {
		if strings.HasPrefix(e.Action, "auth.") && e.ClientIP != "192.0.2.1" { // httptest's peer address
			t.Fatalf("audit recorded client address %q from a spoofable header", e.ClientIP)
		}
	}
}

func TestTrustedProxyAddress(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.echo.IPExtractor = ipExtractor([]netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")})
	req := httptest.NewRequest(
		http.MethodPost,
		"/api/v1/auth/login",
		strings.NewReader(`{"email":"a@example.com","password":"whatever whatever"}`),
	)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "198.51.100.7")
	ts.do(t, req)
	evs := ts.auditActions(t)
	if len(evs) == 0 || evs[len(evs)-1].ClientIP != "198.51.100.7" {
		t.Fatalf("client address behind a trusted proxy = %+v", evs)
	}
}

func TestDisablingOrPasswordChangeEndsSessions(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addBrand(t, "ZELTRA")
	ts.addUser(t, "admin@example.com", "admin")
	u := ts.addUser(t, "mira@example.com", "marketer:ZELTRA")
	admin := ts.login(t, "admin@example.com")

	tok1, tok2 := ts.login(t, "mira@example.com"), ts.login(t, "mira@example.com")
	if rec := ts.api(t, http.MethodPatch, "/api/v1/users/"+u.ID, admin, map[string]any{"disabled": true}); rec.Code != http.StatusOK {
		t.Fatalf("disable = %d %s", rec.Code, rec.Body)
	}
	for _, tok := range []string{tok1, tok2} {
		decodeError(t, ts.api(t, http.MethodGet, "/api/v1/me", tok, nil), http.StatusUnauthorized, "unauthorized")
	}
	decodeError(
		t,
		ts.apiLogin(t, map[string]string{"email": "mira@example.com", "password": testPassword}),
		http.StatusUnauthorized,
		"unauthorized",
	)
	if rec := ts.api(t, http.MethodPatch, "/api/v1/users/"+u.ID, admin, map[string]any{"disabled": false}); rec.Code != http.StatusOK {
		t.Fatalf("enable = %d %s", rec.Code, rec.Body)
	}

	tok := ts.login(t, "mira@example.com")
	rec := ts.api(
		t,
		http.MethodPut,
		"/api/v1/me/password",
		tok,
		map[string]string{"current_password": testPassword, "new_password": "another sound password"},
	)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("change password = %d %s", rec.Code, rec.Body)
	}
	decodeError(t, ts.api(t, http.MethodGet, "/api/v1/me", tok, nil), http.StatusUnauthorized, "unauthorized")
	rec = ts.apiLogin(t, map[string]string{"email": "mira@example.com", "password": "another sound password"})
	if rec.Code != http.StatusOK {
		t.Fatalf("login with new password = %d", rec.Code)
	}
	// The policy applies to changes too.
	d := decodeError(
		t,
		ts.api(
			t,
			http.MethodPut,
			"/api/v1/me/password",
			ts.login(t, "admin@example.com"),
			map[string]string{"current_password": testPassword, "new_password": "password1234"},
		),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	if d.Fields["new_password"] == "" {
		t.Fatalf("fields = %v", d.Fields)
	}
}

func TestRoleChangeTakesEffectOnNextRequest(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addBrand(t, "ZELTRA")
	ts.addUser(t, "admin@example.com", "admin")
	u := ts.addUser(t, "mira@example.com", "marketer:ZELTRA")
	admin, mira := ts.login(t, "admin@example.com"), ts.login(t, "mira@example.com")
	decodeError(t, ts.api(t, http.MethodGet, "/api/v1/users", mira, nil), http.StatusForbidden, "forbidden")
	// setRole has the administrator give mira one role in one brand.
	setRole := func(role, brand string) *httptest.ResponseRecorder {
		return ts.api(t, http.MethodPut, "/api/v1/users/"+u.ID+"/roles", admin,
			map[string]any{"roles": []map[string]string{{"role": role, "brand": brand}}})
	}

	// Another instance changes the roles straight in the database: this
	// server must notice on the next request.
	if _, err := ts.store.SetRoles(context.Background(), domain.Actor{Name: "other instance"}, u.ID,
		[]domain.RoleAssignment{{Role: domain.RoleAdmin, Brand: "*"}}); err != nil {
		t.Fatal(err)
	}
	if rec := ts.api(t, http.MethodGet, "/api/v1/users", mira, nil); rec.Code != http.StatusOK {
		t.Fatalf("after grant: %d %s", rec.Code, rec.Body)
	}
	if rec := setRole("rep", "ZELTRA"); rec.Code != http.StatusOK {
		t.Fatalf("set roles = %d %s", rec.Code, rec.Body)
	}
	decodeError(t, ts.api(t, http.MethodGet, "/api/v1/users", mira, nil), http.StatusForbidden, "forbidden")
	// Unknown brands and roles are refused with field messages.
	d := decodeError(t, setRole("rep", "NOSUCH"), http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(d.Fields["roles"], "NOSUCH") {
		t.Fatalf("fields = %v", d.Fields)
	}
	decodeError(t, setRole("overlord", "*"), http.StatusUnprocessableEntity, "invalid")
}

func TestTokensExpire(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "a@example.com")
	tok := ts.login(t, "a@example.com")
	ts.clock.Advance(ts.cfg.TokenTTL + time.Second)
	decodeError(t, ts.api(t, http.MethodGet, "/api/v1/me", tok, nil), http.StatusUnauthorized, "unauthorized")
	decodeError(t, ts.api(t, http.MethodGet, "/api/v1/me", "fs_forged", nil), http.StatusUnauthorized, "unauthorized")
	req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	req.Header.Set("Authorization", "Basic YTpi")
	decodeError(t, ts.do(t, req), http.StatusUnauthorized, "unauthorized")
}

func TestCreateUserValidation(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "admin@example.com", "admin")
	admin := ts.login(t, "admin@example.com")
	d := decodeError(
		t,
		ts.api(
			t,
			http.MethodPost,
			"/api/v1/users",
			admin,
			map[string]any{"email": "not-an-email", "display_name": "", "password": "short"},
		),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	for _, f := range []string{"email", "display_name", "password"} {
		if d.Fields[f] == "" {
			t.Errorf("no message for %s in %v", f, d.Fields)
		}
	}
	ok := map[string]any{
		"email":        "New@Example.com",
		"display_name": "New Person",
		"password":     "a brand new password",
		"roles":        []map[string]string{{"role": "auditor", "brand": "*"}},
	}
	if rec := ts.api(t, http.MethodPost, "/api/v1/users", admin, ok); rec.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	ok["email"] = "new@example.COM"
	decodeError(t, ts.api(t, http.MethodPost, "/api/v1/users", admin, ok), http.StatusConflict, "conflict")
	d = decodeError(
		t,
		ts.api(
			t,
			http.MethodPost,
			"/api/v1/users",
			admin,
			map[string]any{"email": "p@example.com", "display_name": "P", "password": "Password1234"},
		),
		http.StatusUnprocessableEntity,
		"invalid",
	)
	if !strings.Contains(d.Fields["password"], "common") {
		t.Fatalf("common password accepted: %v", d.Fields)
	}
}

func TestJSONInputErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	post := func(ct, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		return ts.do(t, req)
	}
	decodeError(t, post("application/json", `{"email":`), http.StatusBadRequest, "bad_request")
	decodeError(t, post("application/json", `{"email":"a@b.c","password":"x","admin":true}`), http.StatusBadRequest, "bad_request")
	decodeError(t, post("application/json", `{"email":42,"password":"x"}`), http.StatusUnprocessableEntity, "invalid")
	decodeError(t, post("application/json", `{"email":"a@b.c","password":"x"} {}`), http.StatusBadRequest, "bad_request")
	decodeError(t, post("text/plain", `{}`), http.StatusUnsupportedMediaType, "unsupported_media_type")
	decodeError(t, post("application/json", `[`+strings.Repeat("[", 5000)), http.StatusRequestEntityTooLarge, "too_large")
}

// webClient is a browser: it keeps cookies and reads CSRF tokens from pages.
type webClient struct {
	ts      *testServer
	cookies map[string]*http.Cookie
}

func newWebClient(ts *testServer) *webClient {
	return &webClient{ts: ts, cookies: map[string]*http.Cookie{}}
}

func (w *webClient) do(t *testing.T, method, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range w.cookies {
		req.AddCookie(c)
	}
	rec := w.ts.do(t, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(w.cookies, c.Name)
		} else {
			w.cookies[c.Name] = c
		}
	}
	return rec
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (w *webClient) csrf(t *testing.T, page string) string {
	t.Helper()
	rec := w.do(t, http.MethodGet, page, nil)
	m := csrfField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no CSRF token on %s (%d): %s", page, rec.Code, rec.Body)
	}
	return m[1]
}

func TestWebLoginLogout(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "mira@example.com")
	w := newWebClient(ts)
	if rec := w.do(t, http.MethodGet, "/", nil); rec.Code != http.StatusSeeOther ||
		!strings.HasPrefix(rec.Header().Get("Location"), "/login?next=") {
		t.Fatalf("anonymous home = %d %s", rec.Code, rec.Header().Get("Location"))
	}
	// Without the CSRF token the form is refused.
	rec := w.do(t, http.MethodPost, "/login", url.Values{"email": {"mira@example.com"}, "password": {testPassword}})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("login without CSRF = %d", rec.Code)
	}
	tok := w.csrf(t, "/login")
	rec = w.do(
		t,
		http.MethodPost,
		"/login",
		url.Values{"_csrf": {tok}, "email": {"mira@example.com"}, "password": {"wrong password"}, "next": {"/"}},
	)
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `value="mira@example.com"`) ||
		strings.Contains(rec.Body.String(), "wrong password") {
		t.Fatalf("failed login must re-render with the e-mail kept and no password: %d", rec.Code)
	}
	rec = w.do(
		t,
		http.MethodPost,
		"/login",
		url.Values{"_csrf": {tok}, "email": {"mira@example.com"}, "password": {testPassword}, "next": {"https://evil.example/"}},
	)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("login = %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	sc := w.cookies[sessionCookie]
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v", sc)
	}
	if rec := w.do(t, http.MethodGet, "/", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "mira Person") {
		t.Fatalf("home = %d", rec.Code)
	}
	// The cookie is not a credential for the API.
	req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	req.AddCookie(sc)
	decodeError(t, ts.do(t, req), http.StatusUnauthorized, "unauthorized")

	rec = w.do(t, http.MethodPost, "/logout", url.Values{"_csrf": {w.csrf(t, "/")}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("logout = %d %s", rec.Code, rec.Body)
	}
	if rec := w.do(t, http.MethodGet, "/login", nil); !strings.Contains(rec.Body.String(), "You have signed out.") {
		t.Fatal("no sign-out flash")
	}
	// The old cookie is dead even if replayed.
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(sc)
	if rec := ts.do(t, req); rec.Code == http.StatusOK {
		t.Fatal("session cookie still valid after logout")
	}
}

func TestWebSessionIdleTimeout(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addUser(t, "mira@example.com")
	w := webSignIn(t, ts, "mira@example.com")
	for i := 0; i < 3; i++ { // activity keeps the session alive past one idle period
		ts.clock.Advance(ts.cfg.SessionIdleTimeout - time.Minute)
		if rec := w.do(t, http.MethodGet, "/", nil); rec.Code != http.StatusOK {
			t.Fatalf("active session ended after %d periods: %d", i, rec.Code)
		}
	}
	ts.clock.Advance(ts.cfg.SessionIdleTimeout + time.Second)
	if rec := w.do(t, http.MethodGet, "/", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("idle session still valid: %d", rec.Code)
	}
}

func TestAdminWebForms(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.addBrand(t, "ZELTRA")
	ts.addUser(t, "admin@example.com", "admin")
	w := webSignIn(t, ts, "admin@example.com")
	tok := w.csrf(t, "/admin/users/new")
	// createUser posts the new-user form for Ray Rep.
	createUser := func(password, roles string) *httptest.ResponseRecorder {
		return w.do(t, http.MethodPost, "/admin/users", url.Values{
			"_csrf":        {tok},
			"email":        {"rep@example.com"},
			"display_name": {"Ray Rep"},
			"password":     {password},
			"roles":        {roles},
		})
	}
	rec := createUser("short", "rep:ZELTRA")
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `value="rep@example.com"`) ||
		!strings.Contains(body, "rep:ZELTRA") ||
		!strings.Contains(body, "at least 12") {
		t.Fatalf("invalid form must re-render with input and messages: %d %s", rec.Code, body)
	}
	rec = createUser("a sound password 1", "rep:ZELTRA\nrep:NOPE")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "NOPE") {
		t.Fatalf("unknown brand: %d", rec.Code)
	}
	rec = createUser("a sound password 1", "rep:ZELTRA")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	page := w.do(t, http.MethodGet, rec.Header().Get("Location"), nil)
	if !strings.Contains(page.Body.String(), "The user was created.") || !strings.Contains(page.Body.String(), "rep:ZELTRA") {
		t.Fatalf("user page: %s", page.Body)
	}
	if rec := w.do(t, http.MethodGet, "/admin/users", nil); !strings.Contains(rec.Body.String(), "Ray Rep") {
		t.Fatal("user list lacks the new user")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/assets?x=1": "/assets?x=1", "//evil.example": "/",
		"https://evil.example": "/", "/\\evil.example": "/", "javascript:alert(1)": "/", "/a\r\nSet-Cookie: x": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
