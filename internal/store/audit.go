package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// auditEvent is the row form of domain.AuditEvent.
type auditEvent struct {
	Seq        int64 `gorm:"primaryKey;autoIncrement:false"`
	OccurredAt time.Time
	ActorID    string
	Actor      string
	Action     string
	ObjectType string
	ObjectID   string
	Brand      string
	Details    string
	RequestID  string
	ClientIP   string
	PrevHash   string
	Hash       string
}

func (auditEvent) TableName() string { return "audit_events" }

func (r auditEvent) domain() domain.AuditEvent {
	return domain.AuditEvent{
		Seq: r.Seq, OccurredAt: domain.AuditTime(r.OccurredAt), ActorID: r.ActorID, Actor: r.Actor,
		Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID, Brand: r.Brand,
		Details: r.Details, RequestID: r.RequestID, ClientIP: r.ClientIP, PrevHash: r.PrevHash, Hash: r.Hash,
	}
}

// auditColumns are the columns of audit_events in the order column reads them.
var auditColumns = []string{
	"seq", "occurred_at", "actor_id", "actor", "action", "object_type", "object_id", "brand",
	"details", "request_id", "client_ip", "prev_hash", "hash",
}

// columns puts the row's values into dst in the order of auditColumns.
func (r *auditEvent) columns(dst []any) {
	dst[0], dst[1], dst[2], dst[3], dst[4] = r.Seq, r.OccurredAt, r.ActorID, r.Actor, r.Action
	dst[5], dst[6], dst[7], dst[8], dst[9] = r.ObjectType, r.ObjectID, r.Brand, r.Details, r.RequestID
	dst[10], dst[11], dst[12] = r.ClientIP, r.PrevHash, r.Hash
}

type auditHead struct {
	ID   int `gorm:"primaryKey"`
	Seq  int64
	Hash string
}

func (auditHead) TableName() string { return "audit_head" }

// Audit appends entries to the audit chain inside tx, so that they commit if
// and only if the change they record commits. The chain head row is locked
// for the rest of the transaction (SQLite transactions are already exclusive
// writers), which keeps concurrent writers on one linear chain.
func (tx *Tx) Audit(entries ...domain.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var head auditHead
	q := tx.db.Model(&auditHead{})
	if tx.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Where("id = 1").Take(&head).Error; err != nil {
		return fmt.Errorf("store: read audit head: %w", err)
	}
	rows := make([]auditEvent, len(entries))
	for i, en := range entries {
		details, err := domain.CanonicalDetails(en.Details)
		if err != nil {
			return err
		}
		e := domain.AuditEvent{
			Seq: head.Seq + 1, OccurredAt: tx.now,
			ActorID: en.Actor.UserID, Actor: en.Actor.Name, Action: en.Action,
			ObjectType: en.ObjectType, ObjectID: en.ObjectID, Brand: en.Brand, Details: details,
			RequestID: en.Actor.RequestID, ClientIP: en.Actor.ClientIP, PrevHash: head.Hash,
		}
		e.Hash = e.ComputeHash()
		rows[i] = auditEvent{
			Seq: e.Seq, OccurredAt: e.OccurredAt, ActorID: e.ActorID, Actor: e.Actor, Action: e.Action,
			ObjectType: e.ObjectType, ObjectID: e.ObjectID, Brand: e.Brand, Details: e.Details,
			RequestID: e.RequestID, ClientIP: e.ClientIP, PrevHash: e.PrevHash, Hash: e.Hash,
		}
		head.Seq, head.Hash = e.Seq, e.Hash
	}
	if _, err := tx.bulkInsert("audit_events", auditColumns, len(rows), func(i int, dst []any) { rows[i].columns(dst) }, ""); err != nil {
		return fmt.Errorf("store: append audit events: %w", err)
	}
	res := tx.db.Model(&auditHead{}).Where("id = 1").Updates(map[string]any{"seq": head.Seq, "hash": head.Hash})
	if res.Error != nil {
		return fmt.Errorf("store: move audit head: %w", res.Error)
	}
	return nil
}

// Audit records entries in a transaction of their own, for events that
// change nothing else (logins, downloads).
func (s *Store) Audit(ctx context.Context, entries ...domain.AuditEntry) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.Audit(entries...) })
}

// VerifyAudit walks the whole audit chain in sequence order, in batches so
// that memory stays flat however long the chain is, and reports the first
// broken link. It reads inside one transaction so that events appended
// meanwhile do not make a consistent chain look broken.
func (s *Store) VerifyAudit(ctx context.Context) (domain.ChainReport, error) {
	var report domain.ChainReport
	err := s.db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		var head auditHead
		if err := g.Where("id = 1").Take(&head).Error; err != nil {
			return fmt.Errorf("store: read audit head: %w", err)
		}
		v := domain.NewChainVerifier()
		var after int64
		for {
			var batch []auditEvent
			err := g.Where("seq > ? AND seq <= ?", after, head.Seq).Order("seq").Limit(1000).Find(&batch).Error
			if err != nil {
				return fmt.Errorf("store: read audit events: %w", err)
			}
			for _, r := range batch {
				if !v.Next(r.domain()) {
					report = v.Finish(head.Seq, head.Hash)
					return nil
				}
			}
			if len(batch) < 1000 {
				break
			}
			after = batch[len(batch)-1].Seq
		}
		// Rows beyond the head were written without moving it: a forgery.
		var extra int64
		if err := g.Model(&auditEvent{}).Where("seq > ?", head.Seq).Count(&extra).Error; err != nil {
			return fmt.Errorf("store: count audit events: %w", err)
		}
		report = v.Finish(head.Seq, head.Hash)
		if report.OK && extra > 0 {
			report.OK = false
			report.Broken = &domain.ChainBreak{Seq: head.Seq + 1, Reason: fmt.Sprintf("%d event(s) stored beyond the recorded head", extra)}
		}
		return nil
	}, readOnlyTx(s.dialect))
	return report, translate(err)
}

// AuditFilter selects audit events for listing.
type AuditFilter struct {
	ObjectType, ObjectID, ActorID, Action string
	AssetID                               string    // the asset and every version of it
	From, To                              time.Time // To is exclusive; zero means open
	AfterSeq                              int64     // keyset cursor
	Limit                                 int
}

// ListAudit returns events matching f in sequence order.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]domain.AuditEvent, error) {
	q := s.db.WithContext(ctx).Model(&auditEvent{}).Where("seq > ?", f.AfterSeq)
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	if f.AssetID != "" {
		q = q.Where("(object_id = ? OR object_id IN (SELECT id FROM versions WHERE asset_id = ?))", f.AssetID, f.AssetID)
	}
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		q = q.Where("occurred_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("occurred_at < ?", f.To.UTC())
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var rows []auditEvent
	if err := q.Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
