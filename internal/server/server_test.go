package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fairshelf/fairshelf/internal/authz"
	"github.com/fairshelf/fairshelf/internal/config"
	"github.com/fairshelf/fairshelf/internal/object"
	"github.com/fairshelf/fairshelf/internal/objectstore"
	"github.com/fairshelf/fairshelf/internal/openapi/openapitest"
	"github.com/fairshelf/fairshelf/internal/password"
	"github.com/fairshelf/fairshelf/internal/store"
	"github.com/fairshelf/fairshelf/internal/store/storetest"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

type testServer struct {
	*Server
	store *store.Store
	logs  *testenv.SyncBuffer
	clock *testClock
	// driver and dsn open a second connection to the test database, to
	// change rows behind the store's back.
	driver, dsn string
}

func newTestServer(t *testing.T, blobs objectstore.Store) *testServer {
	return newTestServerOn(t, "sqlite", blobs)
}

// newTestServerOn builds the server on "sqlite" (with local files unless
// blobs is given) or on "postgres" (with a fresh bucket on the test MinIO).
func newTestServerOn(t *testing.T, backend string, blobs objectstore.Store) *testServer {
	t.Helper()
	dir := t.TempDir()
	clock := &testClock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	opts := store.Options{SQLitePath: filepath.Join(dir, "fairshelf.db"), Now: clock.Now}
	driver, dsn := "sqlite", "file:"+opts.SQLitePath+"?_pragma=busy_timeout(10000)"
	if backend == "postgres" {
		opts.DatabaseURL = testenv.PostgresURL(t)
		driver, dsn = "pgx", opts.DatabaseURL
		srv := testenv.MinIO(t)
		s3, err := objectstore.NewS3(
			objectstore.S3Config{Endpoint: srv.Endpoint, Bucket: srv.NewBucket(t), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey},
		)
		if err != nil {
			t.Fatal(err)
		}
		blobs = s3
	}
	st := storetest.Open(t, opts)
	if blobs == nil {
		local, err := objectstore.NewLocal(filepath.Join(dir, "objects"))
		if err != nil {
			t.Fatal(err)
		}
		blobs = local
	}
	logs := &testenv.SyncBuffer{}
	cfg := config.Default()
	cfg.MaxBodyBytes = 1024
	s := wireTestServer(t, cfg, st, blobs, slog.New(slog.NewTextHandler(logs, nil)), clock, filepath.Join(dir, "tmp"))
	return &testServer{Server: s, store: st, logs: logs, clock: clock, driver: driver, dsn: dsn}
}

// wireTestServer wires the server over st and blobs as cmd does, with the
// test's upload limits, password cost and clock; uploads spool in tempDir.
func wireTestServer(
	t *testing.T, cfg config.Config, st *store.Store, blobs objectstore.Store, log *slog.Logger, clock *testClock, tempDir string,
) *Server {
	t.Helper()
	az, err := authz.New(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := object.New(st, blobs, log, object.Options{TempDir: tempDir, MaxUpload: testMaxUpload,
		BlockSize: testBlockSize, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(
		Deps{
			Config:         cfg,
			Store:          st,
			ObjectStore:    blobs,
			Authz:          az,
			Objects:        lib,
			Logger:         log,
			Version:        "test",
			Now:            clock.Now,
			PasswordParams: testPasswordParams,
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testMaxUpload is the upload limit of the server under test.
const testMaxUpload = 256 << 10

// testBlockSize is the verified block length of the server under test:
// small, so that test files span many blocks.
const testBlockSize = 4 << 10

// testPasswordParams keep hashing cheap in tests; production uses
// password.Default.
var testPasswordParams = password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// testClock is the fake clock of the server under test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// do serves one request. Every API exchange is checked against the
// OpenAPI document, so the document cannot drift from what the server does.
func (ts *testServer) do(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			t.Fatal(err)
		}
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	if !strings.HasPrefix(req.URL.Path, "/api/test-") {
		check := req.Clone(req.Context())
		if err := apiValidator(t).Check(check, reqBody, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Errorf("OpenAPI: %s %s -> %d: %v", req.Method, req.URL, rec.Code, err)
		}
	}
	return rec
}

var (
	validatorOnce sync.Once
	validator     *openapitest.Validator
	validatorErr  error
)

func apiValidator(t *testing.T) *openapitest.Validator {
	validatorOnce.Do(func() { validator, validatorErr = openapitest.NewValidator() })
	if validatorErr != nil {
		t.Fatal(validatorErr)
	}
	return validator
}

// decodeError checks that a response carries the API's JSON error envelope
// with the given code and returns it.
func decodeError(t *testing.T, rec *httptest.ResponseRecorder, wantStatus int, wantCode string) errorDetail {
	t.Helper()
	if rec.Code != wantStatus {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, wantStatus, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want JSON", ct)
	}
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if body.Error.Code != wantCode || body.Error.Message == "" || body.Error.RequestID == "" {
		t.Fatalf("error = %+v, want code %q with message and request id", body.Error, wantCode)
	}
	return body.Error
}

func TestHealthAndReadiness(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		rec := ts.do(t, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("%s = %d %s", path, rec.Code, rec.Body)
		}
	}
}

func TestReadyzReportsUnreachableObjectStore(t *testing.T) {
	s3, err := objectstore.NewS3(
		objectstore.S3Config{Endpoint: "127.0.0.1:1", Bucket: "fairshelf", AccessKey: "a", SecretKey: "b", MaxRetries: 1},
	)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, s3)
	rec := ts.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"objects":"unreachable"`) {
		t.Fatalf("readyz = %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "127.0.0.1") {
		t.Errorf("readyz leaks the error text: %s", rec.Body)
	}
}

func TestReadyzReportsUnreachableDatabase(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.store.Close()
	rec := ts.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"database":"unreachable"`) {
		t.Fatalf("readyz = %d %s", rec.Code, rec.Body)
	}
}

func TestErrorsAreJSONForAPIAndHTMLForBrowsers(t *testing.T) {
	ts := newTestServer(t, nil)
	decodeError(t, ts.do(t, httptest.NewRequest(http.MethodGet, "/api/v1/nothing-here", nil)), http.StatusNotFound, "not_found")
	decodeError(t, ts.do(t, httptest.NewRequest(http.MethodDelete, "/healthz", nil)), http.StatusMethodNotAllowed, "method_not_allowed")

	req := httptest.NewRequest(http.MethodGet, "/no-such-page", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	rec := ts.do(t, req)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(rec.Body.String(), rec.Header().Get("X-Request-Id")) {
		t.Fatalf("HTML 404 = %d %q", rec.Code, rec.Body)
	}
	// API paths answer JSON even to browsers.
	req = httptest.NewRequest(http.MethodGet, "/api/v1/nothing-here", nil)
	req.Header.Set("Accept", "text/html")
	decodeError(t, ts.do(t, req), http.StatusNotFound, "not_found")
}

func TestProtectedRoutesDenyAnonymousCallers(t *testing.T) {
	ts := newTestServer(t, nil)
	decodeError(t, ts.do(t, httptest.NewRequest(http.MethodGet, "/api/v1/audit/verify", nil)), http.StatusUnauthorized, "unauthorized")
}

func TestPanicsBecomeOpaque500s(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.echo.GET("/test-panic", func(echo.Context) error { panic("secret internal detail") })
	rec := ts.do(t, httptest.NewRequest(http.MethodGet, "/test-panic", nil))
	d := decodeError(t, rec, http.StatusInternalServerError, "internal")
	if strings.Contains(rec.Body.String(), "secret") {
		t.Fatalf("500 leaks the panic: %s", rec.Body)
	}
	if !strings.Contains(ts.logs.String(), "secret internal detail") || !strings.Contains(ts.logs.String(), d.RequestID) {
		t.Fatalf("panic not logged with its request id: %s", ts.logs)
	}
}

func TestInternalErrorsAreLoggedNotShown(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.echo.GET("/test-fail", func(echo.Context) error { return io.ErrUnexpectedEOF })
	rec := ts.do(t, httptest.NewRequest(http.MethodGet, "/test-fail", nil))
	decodeError(t, rec, http.StatusInternalServerError, "internal")
	if strings.Contains(rec.Body.String(), "unexpected EOF") || !strings.Contains(ts.logs.String(), "unexpected EOF") {
		t.Fatalf("body %s; logs %s", rec.Body, ts.logs)
	}
}

func TestBodyLimit(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.echo.POST("/api/test-echo", func(c echo.Context) error {
		_, err := io.ReadAll(c.Request().Body)
		return err
	})
	big := strings.Repeat("x", 4096)
	decodeError(
		t,
		ts.do(t, httptest.NewRequest(http.MethodPost, "/api/test-echo", strings.NewReader(big))),
		http.StatusRequestEntityTooLarge,
		"too_large",
	)
	// Without a Content-Length the limit still applies while reading.
	req := httptest.NewRequest(http.MethodPost, "/api/test-echo", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	decodeError(t, ts.do(t, req), http.StatusRequestEntityTooLarge, "too_large")
}

func TestRequestIDIsGeneratedByTheServer(t *testing.T) {
	ts := newTestServer(t, nil)
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set("X-Request-ID", "client-chosen")
	rec := ts.do(t, req)
	id := rec.Header().Get("X-Request-Id")
	if id == "" || id == "client-chosen" {
		t.Fatalf("request id = %q", id)
	}
	rec2 := ts.do(t, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec2.Header().Get("X-Request-Id") == id {
		t.Fatal("request ids repeat")
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t, nil)
	rec := ts.do(t, httptest.NewRequest(http.MethodGet, "/login", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("login = %d", rec.Code)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'self'",
		"Referrer-Policy":         "same-origin",
	} {
		if !strings.Contains(rec.Header().Get(h), want) {
			t.Errorf("%s = %q, want %q", h, rec.Header().Get(h), want)
		}
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.do(t, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	rec := httptest.NewRecorder()
	ts.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `fairshelf_http_requests_total{code="200",method="GET",route="/healthz"} 1`) {
		t.Fatalf("metrics lack the healthz request:\n%s", rec.Body)
	}
}

func TestStaticFilesAreServed(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, p := range []string{"/static/htmx.min.js", "/static/app.css"} {
		rec := ts.do(t, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusOK || rec.Body.Len() < 100 {
			t.Errorf("%s = %d (%d bytes)", p, rec.Code, rec.Body.Len())
		}
	}
	decodeError(t, ts.do(t, httptest.NewRequest(http.MethodGet, "/static/../go.mod", nil)), http.StatusNotFound, "not_found")
}

// TestEveryRouteDeclaresItsAccess walks every registered route and fails if
// one has no access rule, or if a route other than login, health, metrics
// and static files is public: nothing is left open by accident.
func TestEveryRouteDeclaresItsAccess(t *testing.T) {
	ts := newTestServer(t, nil)
	publicOK := map[string]bool{
		"GET /healthz": true, "GET /readyz": true, "GET /metrics": true, "GET /static/*": true,
		"GET /login": true, "POST /login": true, "POST /api/v1/auth/login": true, "GET /api/v1/openapi.json": true,
	}
	signedInOK := map[string]bool{
		"GET /": true, "POST /logout": true, "GET /api/v1/me": true, "PUT /api/v1/me/password": true,
		"GET /api/v1/me/notifications": true, "POST /api/v1/me/notifications/read": true, "POST /api/v1/auth/logout": true,
		"GET /account/password": true, "POST /account/password": true,
	}
	routes := ts.echo.Routes()
	if len(routes) < 5 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		a, ok := ts.access[key]
		if !ok {
			t.Errorf("route %s has no access rule", key)
			continue
		}
		if a.public && !publicOK[key] {
			t.Errorf("route %s is public but not on the list of public routes", key)
		}
		if a.signedIn && !signedInOK[key] {
			t.Errorf("route %s is open to every signed-in user but not on that list", key)
		}
		if !a.public && !a.signedIn && !authz.IsKnownAction(a.object, a.action) {
			t.Errorf("route %s needs %s/%s, which policies/policy.csv does not define", key, a.object, a.action)
		}
	}
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func TestMain(m *testing.M) { testenv.Main(m) }

// forEachBackend runs fn as a subtest on each storage pair the server
// supports: SQLite with local files, and PostgreSQL with MinIO.
func forEachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { fn(t, backend) })
	}
}
