package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/checkpoint"
	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/objectstore"
)

// The auditor's API verifies against the checkpoints and keeps the fields
// of the original report: a checkpoint that no longer verifies is named,
// with ok false and broken set.
func TestAuditVerifyAgainstCheckpoints(t *testing.T) {
	dir := t.TempDir()
	blobs, err := objectstore.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, blobs)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	ts.auditVerifier = checkpoint.NewVerifier(ts.store, checkpoint.NewReader(blobs), key)
	ts.auditVerifier.SealKey = nil // this test store writes unsealed events
	ts.addUser(t, "auditor@example.com", "auditor")
	token := ts.login(t, "auditor@example.com")

	head, err := ts.store.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, written, err := checkpoint.NewWriter(blobs, key, "test", 0, nil).Checkpoint(context.Background(), head, ts.clock.Now())
	if err != nil || !written {
		t.Fatalf("checkpoint: %v %v", written, err)
	}
	var r domain.ChainReport
	rec := ts.api(t, http.MethodGet, "/api/v1/audit/verify", token, nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || rec.Code != http.StatusOK || !r.OK || r.Checkpoints != 1 ||
		r.AnchoredSeq != c.Seq ||
		r.LastHash == "" {
		t.Fatalf("verify = %d %s", rec.Code, rec.Body)
	}

	// Someone with write access to the bucket edits the checkpoint.
	path := filepath.Join(dir, filepath.FromSlash(c.Object))
	c.Hash = domain.GenesisHash
	b, _ := json.Marshal(c)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour) // the reader's cache notices by modification time
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	rec = ts.api(t, http.MethodGet, "/api/v1/audit/verify", token, nil)
	var raw map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil || raw["ok"] != false || raw["broken"] == nil || raw["checked"] == nil ||
		raw["last_seq"] == nil {
		t.Fatalf("verify after tampering = %s", rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || len(r.Findings) != 1 ||
		r.Findings[0].Kind != domain.FindingBadCheckpoint ||
		r.Findings[0].Checkpoint != c.Object {
		t.Fatalf("findings = %s", rec.Body)
	}

	// The auditor's page names it too.
	w := webSignIn(t, ts, "auditor@example.com")
	if rec := w.do(t, http.MethodGet, "/audit", nil); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), domain.FindingBadCheckpoint) ||
		!strings.Contains(rec.Body.String(), "fails verification") {
		t.Fatalf("audit page = %d %s", rec.Code, rec.Body)
	}
}
