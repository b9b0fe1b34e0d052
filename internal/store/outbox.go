package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fairshelf/fairshelf/internal/domain"
)

type outboxRow struct {
	ID            string `gorm:"primaryKey"`
	Event         string
	Brand         string
	Payload       string
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	DeliveredAt   *time.Time
	GaveUpAt      *time.Time
	LastError     string
	AssetID       string
	AssetSeq      int64
}

func (outboxRow) TableName() string { return "webhook_outbox" }

// OutboxEvent is a webhook event waiting for delivery: Payload is the JSON
// of a domain.WebhookEvent. AssetSeq numbers the events of one asset
// (AssetID) from 1 in the order they happened.
type OutboxEvent struct {
	ID       string
	Event    string
	Payload  []byte
	Attempts int
	AssetID  string
	AssetSeq int64
}

// emit queues a webhook event in the transaction of the change it
// announces, when the outbox is enabled, so that an event is sent if and
// only if the change committed. data["asset_id"] names the asset whose
// sequence the event joins.
func (tx *Tx) emit(event, brand string, data map[string]any) error {
	return tx.emitEach(event, 1, func(int) (string, map[string]any) { return brand, data })
}

// emitEach queues n events of one kind in bulk, where event(i) gives the
// brand and data of the i-th. Each event gets its asset's next sequence
// number, which its payload carries as "asset_sequence".
func (tx *Tx) emitEach(event string, n int, each func(i int) (brand string, data map[string]any)) error {
	if !tx.outbox || n == 0 {
		return nil
	}
	evs, assets := make([]domain.WebhookEvent, n), make([]string, n)
	for i := range n {
		brand, data := each(i)
		evs[i] = domain.NewWebhookEvent(newID(), event, brand, tx.now, data)
		assets[i] = evs[i].AssetID
	}
	seqs, err := tx.nextAssetSeqs(assets)
	if err != nil {
		return err
	}
	bodies := make([]string, n)
	for i := range n {
		evs[i].AssetSequence = seqs[i]
		body, err := json.Marshal(evs[i])
		if err != nil {
			return err
		}
		bodies[i] = string(body)
	}
	_, err = tx.bulkInsert("webhook_outbox", outboxColumns, n, func(i int, dst []any) {
		ev := evs[i]
		copy(dst, []any{ev.ID, event, ev.Brand, bodies[i], tx.now, tx.now, ev.AssetID, ev.AssetSequence})
	}, "")
	return err
}

var outboxColumns = []string{
	"id", "event", "brand", "payload", "created_at", "next_attempt_at", "asset_id", "asset_seq",
}

// nextAssetSeqs returns the next sequence number of each asset in assets,
// in order (an asset named twice gets two consecutive numbers; "" gets 0).
// The counters are advanced with one upsert per chunk: its row locks make a
// concurrent emitter for the same asset wait until this transaction ends,
// so sequence order is commit order.
func (tx *Tx) nextAssetSeqs(assets []string) ([]int64, error) {
	count := map[string]int64{}
	var distinct []string
	for _, a := range assets {
		if a == "" {
			continue
		}
		if count[a] == 0 {
			distinct = append(distinct, a)
		}
		count[a]++
	}
	last := make(map[string]int64, len(distinct))
	const chunk = 10_000
	for from := 0; from < len(distinct); from += chunk {
		rows := make([][]any, 0, chunk)
		for _, a := range distinct[from:min(from+chunk, len(distinct))] {
			rows = append(rows, []any{a, count[a]})
		}
		query, args := valuesInsert("INSERT INTO webhook_asset_seq (asset_id, seq) ", tx.dialect, rows)
		query += " ON CONFLICT (asset_id) DO UPDATE SET seq = webhook_asset_seq.seq + excluded.seq RETURNING asset_id, seq"
		res, err := tx.db.Statement.ConnPool.QueryContext(tx.db.Statement.Context, query, args...)
		if err != nil {
			return nil, fmt.Errorf("store: advance webhook sequences: %w", err)
		}
		for res.Next() {
			var a string
			var seq int64
			if err := res.Scan(&a, &seq); err != nil {
				res.Close()
				return nil, err
			}
			last[a] = seq
		}
		if err := res.Err(); err != nil {
			res.Close()
			return nil, err
		}
		res.Close()
	}
	// The i-th of k events of an asset whose counter ended at last gets
	// last-k+i.
	seen := map[string]int64{}
	seqs := make([]int64, len(assets))
	for i, a := range assets {
		if a == "" {
			continue
		}
		seen[a]++
		seqs[i] = last[a] - count[a] + seen[a]
	}
	return seqs, nil
}

// DueEvents returns up to limit undelivered events whose next attempt is
// due at now, oldest first, holding back every event of an asset that has
// an earlier event still undelivered: a receiver never learns of a
// withdrawal before the publication it withdraws. An event that was given
// up on no longer holds the others back (its sequence number is then
// missing at the receiver, which tells it an event was lost).
func (s *Store) DueEvents(ctx context.Context, now time.Time, limit int) ([]OutboxEvent, error) {
	var rows []outboxRow
	err := s.db.WithContext(ctx).Where("delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= ?", now.UTC()).
		Where(`asset_id = '' OR NOT EXISTS (SELECT 1 FROM webhook_outbox e WHERE e.asset_id = webhook_outbox.asset_id
			AND e.asset_seq < webhook_outbox.asset_seq AND e.delivered_at IS NULL AND e.gave_up_at IS NULL)`).
		Order("created_at, id").Limit(limit).Find(&rows).Error
	out := make([]OutboxEvent, len(rows))
	for i, r := range rows {
		out[i] = OutboxEvent{
			ID:       r.ID,
			Event:    r.Event,
			Payload:  []byte(r.Payload),
			Attempts: r.Attempts,
			AssetID:  r.AssetID,
			AssetSeq: r.AssetSeq,
		}
	}
	return out, translate(err)
}

// MarkDelivered records a successful delivery.
func (s *Store) MarkDelivered(ctx context.Context, id string, now time.Time) error {
	return translate(s.db.WithContext(ctx).Model(&outboxRow{}).Where("id = ?", id).
		Updates(map[string]any{"delivered_at": now.UTC(), "attempts": gormExpr("attempts + 1")}).Error)
}

// MarkFailed records a failed attempt and when to try again; giveUp stops
// retrying (the event stays in the outbox for inspection), audited.
func (s *Store) MarkFailed(ctx context.Context, id string, now, next time.Time, reason string, giveUp bool) error {
	return s.InTx(ctx, func(tx *Tx) error {
		changes := map[string]any{"attempts": gormExpr("attempts + 1"), "next_attempt_at": next.UTC(), "last_error": truncate(reason, 500)}
		if giveUp {
			changes["gave_up_at"] = now.UTC()
		}
		if err := tx.db.Model(&outboxRow{}).Where("id = ?", id).Updates(changes).Error; err != nil {
			return err
		}
		if !giveUp {
			return nil
		}
		return tx.Audit(
			domain.AuditEntry{
				Actor:      domain.SystemActor,
				Action:     "webhook.gave_up",
				ObjectType: "webhook",
				ObjectID:   id,
				Details:    map[string]any{"last_error": truncate(reason, 500)},
			},
		)
	})
}
