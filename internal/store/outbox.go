package store

import (
	"context"
	"encoding/json"
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
}

func (outboxRow) TableName() string { return "webhook_outbox" }

// OutboxEvent is a webhook event waiting for delivery.
type OutboxEvent struct {
	ID       string
	Event    string
	Payload  []byte
	Attempts int
}

// emit queues a webhook event in the transaction of the change it
// announces, when the outbox is enabled, so that an event is sent if and
// only if the change committed.
func (tx *Tx) emit(event, brand string, data map[string]any) error {
	if !tx.outbox {
		return nil
	}
	id := newID()
	body, err := json.Marshal(map[string]any{"id": id, "event": event, "brand": brand, "occurred_at": tx.now, "data": data})
	if err != nil {
		return err
	}
	return tx.db.Create(&outboxRow{ID: id, Event: event, Brand: brand, Payload: string(body), CreatedAt: tx.now, NextAttemptAt: tx.now}).Error
}

// emitEach queues n events of one kind in bulk, where event(i) gives the
// brand and data of the i-th.
func (tx *Tx) emitEach(event string, n int, each func(i int) (brand string, data map[string]any)) error {
	if !tx.outbox || n == 0 {
		return nil
	}
	ids, brands, bodies := make([]string, n), make([]string, n), make([]string, n)
	for i := range n {
		brand, data := each(i)
		ids[i], brands[i] = newID(), brand
		body, err := json.Marshal(map[string]any{"id": ids[i], "event": event, "brand": brand, "occurred_at": tx.now, "data": data})
		if err != nil {
			return err
		}
		bodies[i] = string(body)
	}
	_, err := tx.bulkInsert("webhook_outbox", outboxColumns, n, func(i int, dst []any) {
		copy(dst, []any{ids[i], event, brands[i], bodies[i], tx.now, tx.now})
	}, "")
	return err
}

var outboxColumns = []string{
	"id", "event", "brand", "payload", "created_at", "next_attempt_at",
}

// DueEvents returns up to limit undelivered events whose next attempt is
// due at now, oldest first.
func (s *Store) DueEvents(ctx context.Context, now time.Time, limit int) ([]OutboxEvent, error) {
	var rows []outboxRow
	err := s.db.WithContext(ctx).Where("delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= ?", now.UTC()).
		Order("created_at, id").Limit(limit).Find(&rows).Error
	out := make([]OutboxEvent, len(rows))
	for i, r := range rows {
		out[i] = OutboxEvent{ID: r.ID, Event: r.Event, Payload: []byte(r.Payload), Attempts: r.Attempts}
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
		return tx.Audit(domain.AuditEntry{Actor: domain.SystemActor, Action: "webhook.gave_up", ObjectType: "webhook", ObjectID: id, Details: map[string]any{"last_error": truncate(reason, 500)}})
	})
}
