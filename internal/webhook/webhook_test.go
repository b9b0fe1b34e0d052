package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/internal/store"
	"github.com/fairshelf/fairshelf/internal/store/storetest"
)

// receiver is a fake CRM: outbound webhooks are the one thing tests fake.
type receiver struct {
	mu       sync.Mutex
	fail     int // answer 503 this many times first
	received []map[string]any
	bodies   [][]byte // as received, byte for byte
	// seqHeaders holds each received event's X-Fairshelf-Asset-Sequence.
	seqHeaders []string
	badSigs    int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if Sign([]byte("s3cret"), req.Header.Get("X-Fairshelf-Timestamp"), body) != req.Header.Get("X-Fairshelf-Signature") {
		r.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.fail > 0 {
		r.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var v map[string]any
	_ = json.Unmarshal(body, &v)
	r.received = append(r.received, v)
	r.bodies = append(r.bodies, body)
	r.seqHeaders = append(r.seqHeaders, req.Header.Get("X-Fairshelf-Asset-Sequence"))
}

func TestOutboxDeliveryWithRetries(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := storetest.Open(t,
		store.Options{SQLitePath: filepath.Join(t.TempDir(), "f.db"), Outbox: true, Now: func() time.Time { return now }})
	versionID := publishedFixture(t, st, now)

	rcv := &receiver{fail: 2}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	s := New(st, srv.URL, "s3cret", srv.Client(), slog.New(slog.NewTextHandler(io.Discard, nil)))

	for attempt := 0; attempt < 2; attempt++ {
		if n, err := s.DeliverDue(ctx, now); err != nil || n != 0 {
			t.Fatalf("attempt %d: delivered %d, %v", attempt, n, err)
		}
		// Not due again until the backoff has passed.
		if n, _ := s.DeliverDue(ctx, now); n != 0 {
			t.Fatal("retried before the backoff")
		}
		now = now.Add(Backoff(attempt + 1))
	}
	n, err := s.DeliverDue(ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("third attempt: delivered %d, %v", n, err)
	}
	if n, _ := s.DeliverDue(ctx, now.Add(24*time.Hour)); n != 0 {
		t.Fatal("a delivered event was sent again")
	}
	if len(rcv.received) != 1 || rcv.badSigs != 0 {
		t.Fatalf("received %d events, %d bad signatures", len(rcv.received), rcv.badSigs)
	}
	ev := rcv.received[0]
	data, _ := ev["data"].(map[string]any)
	if ev["event"] != "version.published" || data["version_id"] != versionID {
		t.Fatalf("event = %v", ev)
	}
	// The body on the wire, byte for byte: receivers parse it (see
	// domain.WebhookEvent), so a change of names, order or formats is a
	// change of the interface.
	want := fmt.Sprintf(`{"asset_id":%[1]q,"asset_sequence":1,"brand":"ZELTRA","data":{"asset_id":%[1]q,`+
		`"available_from":"2026-03-01T12:00:00Z","expires_at":"2026-03-02T12:00:00Z","job_code":"ZEL-W1","sha256":"ab",`+
		`"superseded_version_id":null,"version_id":%[2]q,"version_number":1},"event":"version.published","id":%[3]q,`+
		`"occurred_at":"2026-03-01T12:00:00Z"}`, ev["asset_id"], versionID, ev["id"])
	if got := string(rcv.bodies[0]); got != want {
		t.Fatalf("body on the wire:\n got %s\nwant %s", got, want)
	}
}

func TestSignatureAndBackoff(t *testing.T) {
	a := Sign([]byte("k"), "1", []byte("body"))
	if a == Sign([]byte("k"), "2", []byte("body")) || a == Sign([]byte("other"), "1", []byte("body")) ||
		a == Sign([]byte("k"), "1", []byte("bodz")) {
		t.Fatal("signature ignores an input")
	}
	if Backoff(1) != 2*time.Minute || Backoff(50) != 6*time.Hour {
		t.Fatalf("backoff: %v %v", Backoff(1), Backoff(50))
	}
}

// publishedFixture publishes an approved version, expiring a day after
// now, of a new asset on a new brand, and returns its ID.
func publishedFixture(t *testing.T, st *store.Store, now time.Time) string {
	t.Helper()
	storetest.Brand(t, st, "ZELTRA")
	v := storetest.Approved(t, st, "ZELTRA", "ZEL-W1", now)
	pub := domain.PublishRequest{VersionID: v.ID, ExpiresAt: now.Add(24 * time.Hour)}
	if _, err := st.Publish(context.Background(), domain.Actor{Name: "test"}, pub); err != nil {
		t.Fatal(err)
	}
	return v.ID
}
