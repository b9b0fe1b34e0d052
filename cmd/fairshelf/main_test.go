package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/testenv"
)

func TestMain(m *testing.M) {
	// The fault tests run this binary as the fairshelf binary, to kill a
	// real process in the middle of a request.
	if os.Getenv(runAsBinaryEnv) == "1" {
		main()
		os.Exit(0)
	}
	testenv.Main(m)
}

// environ builds a getenv from key/value pairs; nothing is read from the
// real environment.
func environ(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// sharedRenderCache points PDFium's compilation cache at one folder for
// every test server, unless the test chose one, so that each start does
// not compile PDFium again.
func sharedRenderCache(getenv func(string) string) func(string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return getenv
	}
	return func(k string) string {
		if v := getenv(k); v != "" || k != "FAIRSHELF_RENDER_CACHE_DIR" {
			return v
		}
		return filepath.Join(dir, "fairshelf", "pdfium")
	}
}

// served is what a serving Fairshelf announces on its standard output: the
// base URL of the web UI and API, and the URL of its metrics listener ("" if
// it has none).
type served struct{ base, metrics string }

// announcedURL reads a serving Fairshelf's standard output and sends what it
// announces once it listens; the channel is closed if the output ends
// first. The metrics listener is announced before the main one.
func announcedURL(stdout io.Reader) <-chan served {
	lines := make(chan served, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var metrics string
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "fairshelf: metrics on "); ok {
				metrics = u
			}
			if u, ok := strings.CutPrefix(sc.Text(), "fairshelf: listening on "); ok {
				lines <- served{base: u, metrics: metrics}
			}
		}
		close(lines)
	}()
	return lines
}

// startServe runs "fairshelf serve" in-process on port 0 and returns its base
// URL and a function that stops it (like SIGTERM) and returns run's error.
func startServe(t *testing.T, getenv func(string) string, args ...string) (string, func() error) {
	t.Helper()
	s, stop := startServing(t, getenv, args...)
	return s.base, stop
}

// startServing is startServe that also tells the metrics listener's URL.
// Metrics listen on a free loopback port unless args choose otherwise.
func startServing(t *testing.T, getenv func(string) string, args ...string) (served, func() error) {
	t.Helper()
	getenv = sharedRenderCache(getenv)
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	stderr := &testenv.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(
			ctx,
			append([]string{"fairshelf", "serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"}, args...),
			getenv,
			strings.NewReader(""),
			outW,
			stderr,
		)
		outW.CloseWithError(fmt.Errorf("run returned: %v", err))
		done <- err
	}()
	lines := announcedURL(outR)
	var srv served
	select {
	case u, ok := <-lines:
		if !ok {
			cancel()
			t.Fatalf("serve exited before listening: %v\n%s", <-done, stderr.String())
		}
		srv = u
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("serve did not start listening within 60s")
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("serve did not stop within 30s")
		}
	}
	t.Cleanup(func() {
		_ = stop()
		if t.Failed() {
			t.Logf("fairshelf log:\n%s", stderr.String())
		}
	})
	return srv, stop
}

func getOK(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func TestServeEmbedded(t *testing.T) {
	dir := t.TempDir()
	base, stop := startServe(t, environ("FAIRSHELF_DATA_DIR", dir))
	body := getOK(t, base+"/readyz")
	if !strings.Contains(body, `"ready"`) {
		t.Fatalf("readyz body %s", body)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	for _, p := range []string{"fairshelf.db", "objects"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("embedded mode did not create %s: %v", p, err)
		}
	}
}

// postgresMinIOEnv returns the environment, as key, value, ..., of a server
// on a fresh PostgreSQL database and a fresh MinIO bucket.
func postgresMinIOEnv(t *testing.T) []string {
	srv := testenv.MinIO(t)
	return []string{
		"FAIRSHELF_DATA_DIR", t.TempDir(),
		"FAIRSHELF_DATABASE_URL", testenv.PostgresURL(t),
		"FAIRSHELF_S3_ENDPOINT", srv.Endpoint,
		"FAIRSHELF_S3_BUCKET", srv.NewBucket(t),
		"FAIRSHELF_S3_ACCESS_KEY", srv.AccessKey,
		"FAIRSHELF_S3_SECRET_KEY", srv.SecretKey,
		"FAIRSHELF_S3_USE_SSL", "false",
	}
}

func TestServePostgresAndMinIO(t *testing.T) {
	base, stop := startServe(t, environ(postgresMinIOEnv(t)...))
	if body := getOK(t, base+"/readyz"); !strings.Contains(body, `"database":"ok","objects":"ok"`) {
		t.Fatalf("readyz body %s", body)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
}

func TestBadConfigurationExitsWithCode2(t *testing.T) {
	var stderr strings.Builder
	err := run(
		context.Background(),
		[]string{"fairshelf", "serve"},
		environ("FAIRSHELF_S3_USE_SSL", "perhaps"),
		strings.NewReader(""),
		io.Discard,
		&stderr,
	)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "FAIRSHELF_S3_USE_SSL") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v (exit %d), want a one-line error naming the variable with exit code 2", err, exitCode(err))
	}
	err = run(context.Background(), []string{"fairshelf", "frobnicate"}, environ(), strings.NewReader(""), io.Discard, io.Discard)
	if exitCode(err) != 2 {
		t.Fatalf("unknown command: err = %v", err)
	}
}

func TestVersionAndMigrateAndAuditVerify(t *testing.T) {
	getenv := environ("FAIRSHELF_DATA_DIR", t.TempDir())
	var out strings.Builder
	if err := run(context.Background(), []string{"fairshelf", "version"}, getenv, nil, &out, io.Discard); err != nil ||
		!strings.HasPrefix(out.String(), "fairshelf ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"fairshelf", "migrate"}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"fairshelf", "audit", "verify"}, getenv, nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "audit chain OK") {
		t.Fatalf("audit verify: %q %v", out.String(), err)
	}
}

// TestServeMetricsOnItsOwnListener: metrics are served on their own
// listener, started and stopped with the server, and not on the public port
// unless the caller has the metrics token.
func TestServeMetricsOnItsOwnListener(t *testing.T) {
	const token = "scrape-token-0123456789"
	srv, stop := startServing(t, environ("FAIRSHELF_DATA_DIR", t.TempDir(), "FAIRSHELF_METRICS_TOKEN", token))
	if srv.metrics == "" {
		t.Fatal("no metrics listener was announced")
	}
	getOK(t, srv.base+"/healthz")
	if body := getOK(t, srv.metrics); !strings.Contains(body, `fairshelf_http_requests_total{code="200",method="GET",route="/healthz"}`) {
		t.Fatalf("metrics lack the healthz request:\n%s", body)
	}
	get := func(url, bearer string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type")
	}
	if code, ct := get(srv.base+"/metrics", ""); code != http.StatusUnauthorized || !strings.HasPrefix(ct, "application/json") {
		t.Errorf("public /metrics without the token = %d %s, want 401 JSON", code, ct)
	}
	if code, _ := get(srv.base+"/metrics", "wrong-token-0123456789"); code != http.StatusUnauthorized {
		t.Errorf("public /metrics with a wrong token = %d, want 401", code)
	}
	if code, _ := get(srv.base+"/metrics", token); code != http.StatusOK {
		t.Errorf("public /metrics with the token = %d, want 200", code)
	}
	if code, _ := get(strings.TrimSuffix(srv.metrics, "/metrics")+"/healthz", ""); code != http.StatusNotFound {
		t.Errorf("the metrics listener serves /healthz: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if resp, err := http.Get(srv.metrics); err == nil {
		resp.Body.Close()
		t.Fatal("the metrics listener outlives the server")
	}

	// Off: no listener, and without a token the public port has no metrics.
	srv, _ = startServing(t, environ("FAIRSHELF_DATA_DIR", t.TempDir()), "--metrics-listen", "off")
	if srv.metrics != "" {
		t.Fatalf("metrics announced at %s although off", srv.metrics)
	}
	if code, ct := get(srv.base+"/metrics", ""); code != http.StatusNotFound || !strings.HasPrefix(ct, "application/json") {
		t.Errorf("public /metrics without a configured token = %d %s, want 404 JSON", code, ct)
	}
}
