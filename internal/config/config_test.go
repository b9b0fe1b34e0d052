package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaultsAreEmbedded(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":8080" || c.UsesPostgres() || c.UsesS3() {
		t.Fatalf("defaults not embedded: %+v", c)
	}
	if got, want := c.SQLitePath(), filepath.Join("data", "fairshelf.db"); got != want {
		t.Errorf("SQLitePath = %q, want %q", got, want)
	}
	if got, want := c.ObjectsDir(), filepath.Join("data", "objects"); got != want {
		t.Errorf("ObjectsDir = %q, want %q", got, want)
	}
}

func TestLoadSelectsBackends(t *testing.T) {
	c, err := Load(env(map[string]string{
		"FAIRSHELF_DATABASE_URL":     "postgres://u@db:5432/fs?sslmode=disable",
		"FAIRSHELF_S3_ENDPOINT":      "minio:9000",
		"FAIRSHELF_S3_BUCKET":        "content",
		"FAIRSHELF_S3_ACCESS_KEY":    "ak",
		"FAIRSHELF_S3_SECRET_KEY":    "sk",
		"FAIRSHELF_S3_USE_SSL":       "false",
		"FAIRSHELF_MAX_UPLOAD_BYTES": "64MiB",
		"FAIRSHELF_SHUTDOWN_TIMEOUT": "5s",
		"FAIRSHELF_TRUSTED_PROXIES":  "10.0.0.0/8, 192.168.1.7",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.UsesPostgres() || !c.UsesS3() || c.S3.UseSSL || c.S3.Bucket != "content" {
		t.Fatalf("backends not selected: %+v", c)
	}
	if c.MaxUploadBytes != 64<<20 || c.ShutdownTimeout != 5*time.Second {
		t.Errorf("sizes/durations: %d %v", c.MaxUploadBytes, c.ShutdownTimeout)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1].Bits() != 32 {
		t.Errorf("trusted proxies: %v", c.TrustedProxies)
	}
}

func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "secret")
	if err := os.WriteFile(f, []byte("s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{
		"FAIRSHELF_S3_ENDPOINT":        "minio:9000",
		"FAIRSHELF_S3_ACCESS_KEY":      "ak",
		"FAIRSHELF_S3_SECRET_KEY_FILE": f,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.S3.SecretKey != "s3cr3t" {
		t.Errorf("secret = %q, want trailing newline trimmed", c.S3.SecretKey)
	}
}

// TestBadValuesNameTheVariable checks that every rejected value yields one
// line naming the variable the operator must fix.
func TestBadValuesNameTheVariable(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		wantVar string
	}{
		{map[string]string{"FAIRSHELF_LISTEN": "8080"}, "FAIRSHELF_LISTEN"},
		{map[string]string{"FAIRSHELF_MIGRATE_DATABASE_URL": "postgres://owner@db/fs"}, "FAIRSHELF_MIGRATE_DATABASE_URL"},
		{
			map[string]string{"FAIRSHELF_DATABASE_URL": "postgres://app@db/fs", "FAIRSHELF_MIGRATE_DATABASE_URL": "mysql://owner@db/fs"},
			"FAIRSHELF_MIGRATE_DATABASE_URL",
		},
		{map[string]string{"FAIRSHELF_AUDIT_CHECKPOINT_INTERVAL": "5m"}, "FAIRSHELF_AUDIT_CHECKPOINT_INTERVAL"},
		{map[string]string{"FAIRSHELF_AUDIT_CHECKPOINT_INTERVAL": "0s"}, "FAIRSHELF_AUDIT_CHECKPOINT_INTERVAL"},
		{map[string]string{"FAIRSHELF_AUDIT_CHECKPOINT_RETENTION": "-1h"}, "FAIRSHELF_AUDIT_CHECKPOINT_RETENTION"},
		{map[string]string{"FAIRSHELF_DATABASE_URL": "mysql://x"}, "FAIRSHELF_DATABASE_URL"},
		{map[string]string{"FAIRSHELF_DATABASE_URL": "x", "FAIRSHELF_DATABASE_URL_FILE": "/y"}, "FAIRSHELF_DATABASE_URL"},
		{map[string]string{"FAIRSHELF_DATABASE_URL_FILE": "/nonexistent/file"}, "FAIRSHELF_DATABASE_URL_FILE"},
		{
			map[string]string{"FAIRSHELF_S3_ENDPOINT": "http://minio:9000", "FAIRSHELF_S3_ACCESS_KEY": "a", "FAIRSHELF_S3_SECRET_KEY": "b"},
			"FAIRSHELF_S3_ENDPOINT",
		},
		{map[string]string{"FAIRSHELF_S3_ENDPOINT": "minio:9000", "FAIRSHELF_S3_SECRET_KEY": "b"}, "FAIRSHELF_S3_ACCESS_KEY"},
		{map[string]string{"FAIRSHELF_S3_ENDPOINT": "minio:9000", "FAIRSHELF_S3_ACCESS_KEY": "a"}, "FAIRSHELF_S3_SECRET_KEY"},
		{
			map[string]string{
				"FAIRSHELF_S3_ENDPOINT": "minio:9000", "FAIRSHELF_S3_BUCKET": "Bad_Bucket",
				"FAIRSHELF_S3_ACCESS_KEY": "a", "FAIRSHELF_S3_SECRET_KEY": "b",
			},
			"FAIRSHELF_S3_BUCKET",
		},
		{map[string]string{"FAIRSHELF_S3_USE_SSL": "maybe"}, "FAIRSHELF_S3_USE_SSL"},
		{map[string]string{"FAIRSHELF_MAX_UPLOAD_BYTES": "lots"}, "FAIRSHELF_MAX_UPLOAD_BYTES"},
		{map[string]string{"FAIRSHELF_MAX_UPLOAD_BYTES": "0"}, "FAIRSHELF_MAX_UPLOAD_BYTES"},
		{map[string]string{"FAIRSHELF_SHUTDOWN_TIMEOUT": "10"}, "FAIRSHELF_SHUTDOWN_TIMEOUT"},
		{map[string]string{"FAIRSHELF_LOG_LEVEL": "loud"}, "FAIRSHELF_LOG_LEVEL"},
		{map[string]string{"FAIRSHELF_LOG_FORMAT": "xml"}, "FAIRSHELF_LOG_FORMAT"},
		{map[string]string{"FAIRSHELF_TRUSTED_PROXIES": "10.0.0.0/33"}, "FAIRSHELF_TRUSTED_PROXIES"},
		{map[string]string{"FAIRSHELF_SESSION_IDLE_TIMEOUT": "24h"}, "FAIRSHELF_SESSION_IDLE_TIMEOUT"},
		{map[string]string{"FAIRSHELF_TOKEN_TTL": "0s"}, "FAIRSHELF_TOKEN_TTL"},
		{map[string]string{"FAIRSHELF_LOGIN_MAX_PER_ACCOUNT": "five"}, "FAIRSHELF_LOGIN_MAX_PER_ACCOUNT"},
		{map[string]string{"FAIRSHELF_LOGIN_MAX_PER_ADDRESS": "0"}, "FAIRSHELF_LOGIN_MAX_PER_ADDRESS"},
		{map[string]string{"FAIRSHELF_WEBHOOK_URL": "ftp://crm"}, "FAIRSHELF_WEBHOOK_URL"},
		{
			map[string]string{"FAIRSHELF_WEBHOOK_URL": "https://crm.example.com/hook", "FAIRSHELF_WEBHOOK_SECRET": "short"},
			"FAIRSHELF_WEBHOOK_SECRET",
		},
		{map[string]string{"FAIRSHELF_METRICS_LISTEN": "9090"}, "FAIRSHELF_METRICS_LISTEN"},
		{map[string]string{"FAIRSHELF_METRICS_TOKEN": "short"}, "FAIRSHELF_METRICS_TOKEN"},
		{map[string]string{"FAIRSHELF_SCRUB_INTERVAL": "10s"}, "FAIRSHELF_SCRUB_INTERVAL"},
		{map[string]string{"FAIRSHELF_SCRUB_RATE": "fast"}, "FAIRSHELF_SCRUB_RATE"},
	} {
		_, err := Load(env(tc.env))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%v: err = %v, want *config.Error", tc.env, err)
			continue
		}
		if ce.Var != tc.wantVar || !strings.Contains(err.Error(), tc.wantVar) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: err = %q, want one line naming %s", tc.env, err, tc.wantVar)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "1KiB": 1024, "64MiB": 64 << 20, "2GiB": 2 << 30, "10B": 10} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1TB", "GiB", "99999999999999999999"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded", in)
		}
	}
}

// TestMetricsListener: metrics have a loopback listener of their own by
// default, "off" turns it off, and the main port's token may come from a
// file.
func TestMetricsListener(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.MetricsListen != "127.0.0.1:9090" || !c.ServesMetrics() || c.MetricsToken != "" {
		t.Fatalf("default metrics listener = %q (serves %v, token %q), %v", c.MetricsListen, c.ServesMetrics(), c.MetricsToken, err)
	}
	if c, err = Load(env(map[string]string{"FAIRSHELF_METRICS_LISTEN": "off"})); err != nil || c.ServesMetrics() {
		t.Fatalf("off: serves %v, %v", c.ServesMetrics(), err)
	}
	file := filepath.Join(t.TempDir(), "metrics_token")
	if err := os.WriteFile(file, []byte("scrape-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err = Load(env(map[string]string{"FAIRSHELF_METRICS_LISTEN": ":9464", "FAIRSHELF_METRICS_TOKEN_FILE": file})); err != nil ||
		c.MetricsListen != ":9464" ||
		c.MetricsToken != "scrape-token-0123456789" {
		t.Fatalf("listen %q token %q: %v", c.MetricsListen, c.MetricsToken, err)
	}
}
