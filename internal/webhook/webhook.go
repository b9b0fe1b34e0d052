// Package webhook delivers Fairshelf's outbox events (publications,
// expiries, withdrawals) to a receiver such as a CRM, signed with
// HMAC-SHA256 and retried with backoff until the receiver answers 2xx. The
// body of each delivery is a domain.WebhookEvent, sent as the outbox holds
// it.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/fairshelf/fairshelf/internal/store"
)

// MaxAttempts is how often an event is tried before delivery gives up on it
// (about three days with the backoff below).
const MaxAttempts = 20

// Sender posts outbox events to one receiver.
type Sender struct {
	store  *store.Store
	url    string
	secret []byte
	client *http.Client
	log    *slog.Logger
}

// New returns a Sender for the receiver at url, signing with secret.
func New(st *store.Store, url, secret string, client *http.Client, log *slog.Logger) *Sender {
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	return &Sender{store: st, url: url, secret: []byte(secret), client: client, log: log}
}

// Sign returns the signature header value for a delivery: the hex
// HMAC-SHA256 over "timestamp.body". Receivers recompute it with the shared
// secret and reject stale timestamps, which defeats forgery and replay.
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Backoff is the wait before attempt n+1 after n failed attempts: one
// minute doubling to at most six hours.
func Backoff(n int) time.Duration {
	d := time.Minute << min(n, 9)
	return min(d, 6*time.Hour)
}

// DeliverDue sends every event due at now, oldest first, and each asset's
// events in their order: an event waits while an earlier one of its asset is
// undelivered, so a failing delivery holds back that asset's later events
// (and only those). A failed delivery is rescheduled; the run goes on with
// the next event, and fetches again while it delivers, so that an asset's
// next event follows its predecessor in the same run.
func (s *Sender) DeliverDue(ctx context.Context, now time.Time) (delivered int, err error) {
	// Each round delivers at least one event or stops, so the loop ends;
	// the bound keeps one run from holding the lease for too long.
	for range 50 {
		n, err := s.deliverBatch(ctx, now)
		delivered += n
		if err != nil || n == 0 {
			return delivered, err
		}
	}
	return delivered, nil
}

// batchSize is how many events one query fetches.
const batchSize = 100

// deliverBatch sends one batch of due events and reports how many it
// delivered.
func (s *Sender) deliverBatch(ctx context.Context, now time.Time) (delivered int, err error) {
	events, err := s.store.DueEvents(ctx, now, batchSize)
	if err != nil {
		return 0, err
	}
	for _, ev := range events {
		if ctx.Err() != nil {
			return delivered, ctx.Err()
		}
		if derr := s.deliver(ctx, ev, now); derr != nil {
			giveUp := ev.Attempts+1 >= MaxAttempts
			s.log.Warn(
				"webhook: delivery failed",
				"event_id",
				ev.ID,
				"event",
				ev.Event,
				"asset_id",
				ev.AssetID,
				"asset_sequence",
				ev.AssetSeq,
				"attempt",
				ev.Attempts+1,
				"give_up",
				giveUp,
				"err",
				derr,
			)
			if err := s.store.MarkFailed(ctx, ev.ID, now, now.Add(Backoff(ev.Attempts+1)), derr.Error(), giveUp); err != nil {
				return delivered, err
			}
			continue
		}
		if err := s.store.MarkDelivered(ctx, ev.ID, now); err != nil {
			return delivered, err
		}
		delivered++
	}
	return delivered, nil
}

func (s *Sender) deliver(ctx context.Context, ev store.OutboxEvent, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(ev.Payload))
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Fairshelf-Webhook/1")
	req.Header.Set("X-Fairshelf-Event", ev.Event)
	req.Header.Set("X-Fairshelf-Delivery", ev.ID)
	if ev.AssetID != "" {
		req.Header.Set("X-Fairshelf-Asset-Sequence", strconv.FormatInt(ev.AssetSeq, 10))
	}
	req.Header.Set("X-Fairshelf-Timestamp", ts)
	req.Header.Set("X-Fairshelf-Signature", Sign(s.secret, ts, ev.Payload))
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: receiver answered %d", resp.StatusCode)
	}
	return nil
}
