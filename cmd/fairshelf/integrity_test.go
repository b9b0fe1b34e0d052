package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// TestIntegrityJobScrubs: serve's integrity job, run a day after the demo
// content was stored, re-reads it and raises the alarm on the object
// altered behind Fairshelf's back; the administrator can restore it. (The
// job's lease is the runner's: see internal/jobs' lease tests.)
func TestIntegrityJobScrubs(t *testing.T) {
	dir := t.TempDir()
	getenv := environ("FAIRSHELF_DATA_DIR", dir, "FAIRSHELF_SCRUB_RATE", "64MiB")
	_, stop := startServe(t, getenv, "--demo")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	lib, blobs, st := openObjectServiceFromEnv(t, getenv)
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var key string
	if err := st.EachObject(ctx, func(b domain.StoredObject) error { key = b.Key; return nil }); err != nil || key == "" {
		t.Fatalf("no demo object: %v", err)
	}
	rc, err := blobs.Get(ctx, key, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := io.ReadAll(rc)
	rc.Close()
	altered := bytes.Clone(orig)
	altered[len(altered)-1] ^= 1
	if _, err := blobs.Put(ctx, key, bytes.NewReader(altered), int64(len(altered))); err != nil {
		t.Fatal(err)
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	day := time.Now().Add(25 * time.Hour)
	if err := checkIntegrity(cfg, lib, log)(ctx, day); err != nil {
		t.Fatal(err)
	}
	b, err := st.Blob(ctx, key)
	if err != nil || b.CorruptAt == nil || !strings.Contains(b.CorruptReason, "SHA-256") {
		t.Fatalf("scrubbed object: %+v %v", b, err)
	}
	var out strings.Builder
	err = run(ctx, []string{"fairshelf", "objects", "verify"}, getenv, nil, &out, io.Discard)
	if exitCode(err) != 1 || !strings.Contains(out.String(), "marked corrupt") {
		t.Fatalf("verify after the scrub: %v %q", err, out.String())
	}

	// The administrator puts the original back from a backup; other bytes
	// are refused.
	wrong, backup := filepath.Join(dir, "wrong.bin"), filepath.Join(dir, "backup.bin")
	if os.WriteFile(wrong, altered, 0o600) != nil || os.WriteFile(backup, orig, 0o600) != nil {
		t.Fatal("write backup files")
	}
	out.Reset()
	if err := run(ctx, []string{"fairshelf", "objects", "restore", key, wrong}, getenv, nil, &out, io.Discard); err == nil {
		t.Fatalf("restore from the altered bytes succeeded: %q", out.String())
	}
	if err := run(ctx, []string{"fairshelf", "objects", "restore", key, backup}, getenv, nil, &out, io.Discard); err != nil {
		t.Fatalf("restore: %v %q", err, out.String())
	}
	if b, err := st.Blob(ctx, key); err != nil || b.CorruptAt != nil {
		t.Fatalf("restored object: %+v %v", b, err)
	}
	out.Reset()
	if err := run(ctx, []string{"fairshelf", "objects", "verify"}, getenv, nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "objects match") {
		t.Fatalf("verify after the restore: %v %q", err, out.String())
	}
}
