package webhook

import (
	"context"
	"encoding/json"
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
)

// receiver is a fake CRM: outbound webhooks are the one thing tests fake.
type receiver struct {
	mu       sync.Mutex
	fail     int // answer 503 this many times first
	received []map[string]any
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
	r.seqHeaders = append(r.seqHeaders, req.Header.Get("X-Fairshelf-Asset-Sequence"))
}

func TestOutboxDeliveryWithRetries(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st, err := store.Open(ctx, store.Options{SQLitePath: filepath.Join(t.TempDir(), "f.db"), Outbox: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
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
}

func TestSignatureAndBackoff(t *testing.T) {
	a := Sign([]byte("k"), "1", []byte("body"))
	if a == Sign([]byte("k"), "2", []byte("body")) || a == Sign([]byte("other"), "1", []byte("body")) || a == Sign([]byte("k"), "1", []byte("bodz")) {
		t.Fatal("signature ignores an input")
	}
	if Backoff(1) != 2*time.Minute || Backoff(50) != 6*time.Hour {
		t.Fatalf("backoff: %v %v", Backoff(1), Backoff(50))
	}
}

// publishedFixture publishes one approved version and returns its ID.
func publishedFixture(t *testing.T, st *store.Store, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	actor := domain.Actor{Name: "test"}
	b := domain.NewBrand{Code: "ZELTRA", Name: "Zeltra", Label: domain.Label{ProprietaryName: "ZELTRA", EstablishedName: "zeltaparin", Indication: "X.", ISIStatements: []string{"Bleeding."}, PIReference: "See PI."}}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateBrand(ctx, actor, b); err != nil {
		t.Fatal(err)
	}
	user := func(email string) domain.Actor {
		u, err := st.CreateUser(ctx, actor, domain.NewUser{Email: email, DisplayName: email}, "h")
		if err != nil {
			t.Fatal(err)
		}
		return domain.Actor{UserID: u.ID, Name: u.DisplayName}
	}
	author := user("author@example.com")
	in := domain.NewAsset{JobCode: "ZEL-W1", Title: "Piece", Brand: "ZELTRA", Audience: "hcp", Channel: "email"}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAsset(ctx, author, in)
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.CreateVersion(ctx, author, domain.Version{AssetID: a.ID, MediaType: "text/plain", Filename: "a.txt", TextStatus: domain.TextOK},
		domain.StoredObject{Key: "objects/aa/bb/w1", SHA256: "ab", Size: 1},
		true, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.SaveReport(ctx, author, domain.CheckReport{VersionID: v.ID, Brand: "ZELTRA", LabelVersion: 1, RulesVersion: "t", Findings: []domain.Finding{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SubmitVersion(ctx, author, v.ID, r.ID, domain.ReviewFunctions, nil, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, f := range domain.ReviewFunctions {
		rv := user(f + "@example.com")
		if _, err := st.Decide(ctx, rv, domain.Decision{VersionID: v.ID, Function: f, Decision: domain.DecisionApprove, Signature: &domain.NewSignature{UserID: rv.UserID, PrintedName: rv.Name, Meaning: "ok"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Publish(ctx, author, domain.PublishRequest{VersionID: v.ID, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return v.ID
}
