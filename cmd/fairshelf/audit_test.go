package main

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // the "sqlite" database/sql driver, to tamper with the file

	"github.com/fairshelf/fairshelf/internal/checkpoint"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/testenv"
)

// TestServeAnchorsTheAuditTrail runs the embedded server: it generates its
// signing key once (0600), writes a signed checkpoint to the object folder,
// the auditor's API reports it, `audit pubkey` prints the key that verifies
// it, and `audit verify` passes until events covered by the checkpoint are
// cut off the end of the trail, which it then names.
func TestServeAnchorsTheAuditTrail(t *testing.T) {
	dir := t.TempDir()
	getenv := environ("FAIRSHELF_DATA_DIR", dir, "FAIRSHELF_AUDIT_CHECKPOINT_INTERVAL", "1s")
	base, stop := startServe(t, getenv, "--demo")

	token := apiLogin(t, base, "auditor@demo.test")
	var report map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for {
		report = apiJSON(t, "GET", base+"/api/v1/audit/verify", token, "")
		if report["checkpoints"].(float64) >= 1 && report["anchored_seq"] == report["last_seq"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of the head after 30s: %v", report)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if report["ok"] != true || report["seals_checked"] != true || report["key_id"] == "" {
		t.Fatalf("verify report = %v", report)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	keyFile := filepath.Join(dir, "audit-signing-key.pem")
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("generated key file: %v %v", fi, err)
	}
	cps, err := filepath.Glob(filepath.Join(dir, "objects", "checkpoints", "*.json"))
	if err != nil || len(cps) == 0 {
		t.Fatalf("no checkpoint files: %v", err)
	}

	var out strings.Builder
	if err := run(context.Background(), []string{"fairshelf", "audit", "pubkey"}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	pub, err := checkpoint.ParsePublicKey([]byte(out.String()))
	if err != nil || domain.KeyID(pub) != report["key_id"] {
		t.Fatalf("audit pubkey printed %q (%v), want the key %v", out.String(), err, report["key_id"])
	}
	pubFile := filepath.Join(t.TempDir(), "pub.pem")
	if err := os.WriteFile(pubFile, []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	verify := []string{"fairshelf", "audit", "verify", "--pubkey", pubFile}
	if err := run(context.Background(), verify, getenv, nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "audit chain OK") {
		t.Fatalf("audit verify: %v %q", err, out.String())
	}

	// Cut the newest events off and verify again.
	db, err := sql.Open("sqlite", filepath.Join(dir, "fairshelf.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"DROP TRIGGER audit_events_no_delete",
		"DELETE FROM audit_events WHERE seq > (SELECT MAX(seq) - 3 FROM audit_events)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out.Reset()
	err = run(context.Background(), []string{"fairshelf", "audit", "verify", "--json"}, getenv, nil, &out, io.Discard)
	var r domain.ChainReport
	if exitCode(err) != 1 || json.Unmarshal([]byte(out.String()), &r) != nil || r.OK || len(r.Findings) == 0 ||
		r.Findings[0].Kind != domain.FindingTruncated {
		t.Fatalf("after truncation: %v %s", err, out.String())
	}

	// An auditor's machine: the same database and objects, the public key,
	// no private key. Everything but the seals is checked, and no key is
	// generated there.
	auditorData := t.TempDir()
	if err := os.CopyFS(auditorData, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(auditorData, "audit-signing-key.pem")); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(
		context.Background(),
		[]string{"fairshelf", "audit", "verify", "--json", "--pubkey", pubFile},
		environ("FAIRSHELF_DATA_DIR", auditorData),
		nil,
		&out,
		io.Discard,
	)
	r = domain.ChainReport{}
	if exitCode(err) != 1 || json.Unmarshal([]byte(out.String()), &r) != nil || r.SealsChecked || r.Checkpoints == 0 ||
		r.Findings[0].Kind != domain.FindingTruncated {
		t.Fatalf("auditor without the private key: %v %s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(auditorData, "audit-signing-key.pem")); err == nil {
		t.Fatal("audit verify generated a signing key on the auditor's machine")
	}

	// A pinned public key that is not the signer's is reported.
	other, _, _ := ed25519.GenerateKey(nil)
	if err := os.WriteFile(pubFile, checkpoint.PublicKeyPEM(other), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(context.Background(), []string{"fairshelf", "audit", "verify", "--pubkey", pubFile}, getenv, nil, &out, io.Discard)
	if exitCode(err) != 1 || !strings.Contains(out.String(), domain.FindingForeignCheckpoint) ||
		strings.Contains(out.String(), domain.FindingForged) {
		t.Fatalf("other key: %v %q", err, out.String())
	}
}

// TestMigrateAsOwnerServeAsApp runs production's PostgreSQL set-up: the
// application's role cannot migrate a fresh database, FAIRSHELF_MIGRATE_DATABASE_URL
// (the owner) does it for both migrate and serve, and the server then runs
// as the application's role with a provided signing key.
func TestMigrateAsOwnerServeAsApp(t *testing.T) {
	ownerURL, appURL := testenv.PostgresRoles(t, testenv.PostgresURL(t))
	keyFile := filepath.Join(t.TempDir(), "audit-signing-key.pem")
	if _, _, err := checkpoint.LoadOrCreateKey(keyFile); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	appOnly := environ("FAIRSHELF_DATA_DIR", dataDir, "FAIRSHELF_DATABASE_URL", appURL, "FAIRSHELF_AUDIT_SIGNING_KEY_FILE", keyFile)
	if err := run(context.Background(), []string{"fairshelf", "migrate"}, appOnly, nil, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("migrate as the application's role: %v, want permission denied", err)
	}
	srv := testenv.MinIO(t)
	bucket := srv.NewBucket(t)
	both := environ("FAIRSHELF_DATA_DIR", dataDir, "FAIRSHELF_DATABASE_URL", appURL, "FAIRSHELF_MIGRATE_DATABASE_URL", ownerURL,
		"FAIRSHELF_AUDIT_SIGNING_KEY_FILE", keyFile, "FAIRSHELF_AUDIT_CHECKPOINT_INTERVAL", "1s",
		"FAIRSHELF_S3_ENDPOINT", srv.Endpoint, "FAIRSHELF_S3_BUCKET", bucket, "FAIRSHELF_S3_ACCESS_KEY", srv.AccessKey,
		"FAIRSHELF_S3_SECRET_KEY", srv.SecretKey, "FAIRSHELF_S3_USE_SSL", strconv.FormatBool(srv.UseSSL))
	var out strings.Builder
	if err := run(context.Background(), []string{"fairshelf", "migrate"}, both, nil, &out, io.Discard); err != nil {
		t.Fatalf("migrate as the owner: %v", err)
	}
	// Once migrated, the application's role alone starts fine (as in
	// docker-compose.yml, where a one-shot service migrates).
	if err := run(context.Background(), []string{"fairshelf", "migrate"}, appOnly, nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("application's role on a migrated database: %v", err)
	}
	base, stop := startServe(t, both, "--demo")
	token := apiLogin(t, base, "auditor@demo.test")
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := apiJSON(t, "GET", base+"/api/v1/audit/verify", token, "")
		if r["ok"] != true {
			t.Fatalf("verify = %v", r)
		}
		if r["checkpoints"].(float64) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint after 30s: %v", r)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "audit-signing-key.pem")); err == nil {
		t.Fatal("a key was generated although a key file is configured")
	}
	// The checkpoints are in the bucket, and the command-line check agrees.
	var out2 strings.Builder
	if err := run(context.Background(), []string{"fairshelf", "audit", "verify"}, both, nil, &out2, io.Discard); err != nil ||
		!strings.Contains(out2.String(), "audit chain OK") ||
		strings.Contains(out2.String(), " 0 checkpoints") {
		t.Fatalf("audit verify against the bucket: %v %q", err, out2.String())
	}
}

// TestStopWritesAFinalCheckpoint: events written after the last periodic
// checkpoint are anchored when the server stops.
func TestStopWritesAFinalCheckpoint(t *testing.T) {
	dir := t.TempDir()
	getenv := environ("FAIRSHELF_DATA_DIR", dir) // checkpoints every minute: no periodic run during the test
	base, stop := startServe(t, getenv, "--demo")
	apiLogin(t, base, "auditor@demo.test") // an event after the first checkpoint
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := run(context.Background(), []string{"fairshelf", "audit", "verify", "--json"}, getenv, nil, &out, io.Discard)
	var r domain.ChainReport
	if err != nil || json.Unmarshal([]byte(out.String()), &r) != nil || !r.OK || r.AnchoredSeq != r.LastSeq || r.LastSeq == 0 {
		t.Fatalf("after a stop: %v %s", err, out.String())
	}
}
