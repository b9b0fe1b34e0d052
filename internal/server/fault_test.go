package server

import (
	"context"
	"net/http"
	"testing"

	"github.com/fairshelf/fairshelf/internal/objectstore"
)

// TestUploadWithTheObjectStoreDown: the store is unreachable during an
// upload; the client gets a clear 503 with Retry-After, no version row is
// written and the audit chain stays valid.
func TestUploadWithTheObjectStoreDown(t *testing.T) {
	down, err := objectstore.NewS3(
		objectstore.S3Config{Endpoint: "127.0.0.1:1", Bucket: "fairshelf", AccessKey: "a", SecretKey: "b", MaxRetries: 1},
	)
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, down)
	f := &contentFixture{testServer: ts}
	ts.addBrand(t, "ZELTRA")
	ts.addUser(t, "marketer@example.com", "marketer:ZELTRA")
	f.marketer = ts.login(t, "marketer@example.com")
	a := f.createAsset(t, f.marketer, "ZEL-DOWN-1", "ZELTRA")
	rec := f.upload(t, f.marketer, a.ID, "piece.txt", []byte(pieceText))
	decodeError(t, rec, http.StatusServiceUnavailable, "unavailable")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	vs, err := ts.store.Versions(context.Background(), a.ID)
	if err != nil || len(vs) != 0 {
		t.Fatalf("versions after a failed upload: %+v, %v", vs, err)
	}
	if r, err := ts.store.VerifyAudit(context.Background()); err != nil || !r.OK {
		t.Fatalf("audit chain: %+v %v", r, err)
	}
}
