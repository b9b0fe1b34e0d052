package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

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
	Seal       string
}

func (auditEvent) TableName() string { return "audit_events" }

func (r auditEvent) domain() domain.AuditEvent {
	return domain.AuditEvent{
		Seq: r.Seq, OccurredAt: domain.AuditTime(r.OccurredAt), ActorID: r.ActorID, Actor: r.Actor,
		Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID, Brand: r.Brand,
		Details: r.Details, RequestID: r.RequestID, ClientIP: r.ClientIP, PrevHash: r.PrevHash, Hash: r.Hash, Seal: r.Seal,
	}
}

// auditColumns are the columns of audit_events in the order column reads them.
var auditColumns = []string{
	"seq", "occurred_at", "actor_id", "actor", "action", "object_type", "object_id", "brand",
	"details", "request_id", "client_ip", "prev_hash", "hash", "seal",
}

// columns puts the row's values into dst in the order of auditColumns.
func (r *auditEvent) columns(dst []any) {
	dst[0], dst[1], dst[2], dst[3], dst[4] = r.Seq, r.OccurredAt, r.ActorID, r.Actor, r.Action
	dst[5], dst[6], dst[7], dst[8], dst[9] = r.ObjectType, r.ObjectID, r.Brand, r.Details, r.RequestID
	dst[10], dst[11], dst[12], dst[13] = r.ClientIP, r.PrevHash, r.Hash, r.Seal
}

// auditLockKey is the PostgreSQL advisory lock that serialises appends to
// the audit chain ("fsaudit" in ASCII). An advisory lock needs no privilege
// on any table, so the application's role can hold it with nothing but
// SELECT and INSERT on audit_events.
const auditLockKey = 0x6673617564697400

// auditHead returns the newest event's seq and hash, or 0 and the genesis
// hash when the trail is empty.
func (tx *Tx) auditHead() (int64, string, error) {
	var last []auditEvent
	if err := tx.db.Select("seq", "hash").Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
		return 0, "", err
	}
	if len(last) == 0 {
		return 0, domain.GenesisHash, nil
	}
	return last[0].Seq, last[0].Hash, nil
}

// Audit appends entries to the audit chain inside tx, so that they commit if
// and only if the change they record commits. On PostgreSQL a
// transaction-scoped advisory lock keeps concurrent writers on one linear
// chain (SQLite transactions are already exclusive writers). Each event is
// sealed with the store's seal key, when it has one.
func (tx *Tx) Audit(entries ...domain.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if tx.dialect == Postgres {
		if err := tx.db.Exec("SELECT pg_advisory_xact_lock(?)", int64(auditLockKey)).Error; err != nil {
			return fmt.Errorf("store: lock audit chain: %w", err)
		}
	}
	seq, prev, err := tx.auditHead()
	if err != nil {
		return fmt.Errorf("store: read audit head: %w", err)
	}
	// An event is dated when it joins the chain. On PostgreSQL that is
	// after the lock above, which may come later than the transaction's
	// start: reading the clock here keeps one instance's events in time
	// order whatever order their transactions started in. (SQLite starts
	// every write transaction holding the write lock already.)
	at := tx.now
	if tx.dialect == Postgres && tx.clock != nil {
		if t := domain.AuditTime(tx.clock()); t.After(at) {
			at = t
		}
	}
	rows := make([]auditEvent, len(entries))
	for i, en := range entries {
		details, err := domain.CanonicalDetails(en.Details)
		if err != nil {
			return err
		}
		e := domain.AuditEvent{
			Seq: seq + 1, OccurredAt: at,
			ActorID: en.Actor.UserID, Actor: en.Actor.Name, Action: en.Action,
			ObjectType: en.ObjectType, ObjectID: en.ObjectID, Brand: en.Brand, Details: details,
			RequestID: en.Actor.RequestID, ClientIP: en.Actor.ClientIP, PrevHash: prev,
		}
		e.Hash = e.ComputeHash()
		if tx.sealKey != nil {
			e.Seal = domain.SealHash(tx.sealKey, e.Hash)
		}
		rows[i] = auditEvent{
			Seq: e.Seq, OccurredAt: e.OccurredAt, ActorID: e.ActorID, Actor: e.Actor, Action: e.Action,
			ObjectType: e.ObjectType, ObjectID: e.ObjectID, Brand: e.Brand, Details: e.Details,
			RequestID: e.RequestID, ClientIP: e.ClientIP, PrevHash: e.PrevHash, Hash: e.Hash, Seal: e.Seal,
		}
		seq, prev = e.Seq, e.Hash
	}
	if _, err := tx.bulkInsert("audit_events", auditColumns, len(rows), func(i int, dst []any) { rows[i].columns(dst) }, ""); err != nil {
		return fmt.Errorf("store: append audit events: %w", err)
	}
	return nil
}

// Audit records entries in a transaction of their own, for events that
// change nothing else (logins, downloads).
func (s *Store) Audit(ctx context.Context, entries ...domain.AuditEntry) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.Audit(entries...) })
}

// AuditHead returns the newest event of the audit chain, which a checkpoint
// signs; the zero event (seq 0) when the trail is empty.
func (s *Store) AuditHead(ctx context.Context) (domain.AuditEvent, error) {
	var last []auditEvent
	if err := s.db.WithContext(ctx).Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
		return domain.AuditEvent{}, translate(err)
	}
	if len(last) == 0 {
		return domain.AuditEvent{Hash: domain.GenesisHash}, nil
	}
	return last[0].domain(), nil
}

// VerifyAudit walks the whole audit chain and the signatures table with no
// outside anchors (checkpoints are not checked; seals are when the store
// has the seal key). See VerifyAuditAnchored.
func (s *Store) VerifyAudit(ctx context.Context) (domain.ChainReport, error) {
	return s.VerifyAuditAnchored(ctx, domain.AuditAnchors{SealKey: s.sealKey})
}

// VerifyAuditAnchored walks the whole audit chain once in sequence order, in
// batches so that memory stays flat however long it is, comparing it with
// the checkpoints in a as it goes, then compares every signatures row with
// the event that recorded it. It reads inside one transaction so that
// events appended meanwhile do not make a consistent trail look broken.
func (s *Store) VerifyAuditAnchored(ctx context.Context, a domain.AuditAnchors) (domain.ChainReport, error) {
	var report domain.ChainReport
	err := s.db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		v := domain.NewAuditVerifier(a)
		if err := inBatches(g, "seq", int64(0), func(r auditEvent) int64 { return r.Seq }, func(r auditEvent) {
			v.Next(r.domain())
		}); err != nil {
			return fmt.Errorf("store: read audit events: %w", err)
		}
		if err := inBatches(g, "id", "", func(r signatureRow) string { return r.ID }, func(r signatureRow) {
			v.Signature(r.domain())
		}); err != nil {
			return fmt.Errorf("store: read signatures: %w", err)
		}
		report = v.Finish()
		return nil
	}, readOnlyTx(s.dialect))
	return report, translate(err)
}

// ListAudit returns events matching f in sequence order.
func (s *Store) ListAudit(ctx context.Context, f domain.AuditFilter) ([]domain.AuditEvent, error) {
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

// inBatches reads the rows of R in order of column, 1000 at a time from
// after the key after, and hands each to each.
func inBatches[R any, K any](g *gorm.DB, column string, after K, key func(R) K, each func(R)) error {
	for {
		var batch []R
		if err := g.Where(column+" > ?", after).Order(column).Limit(1000).Find(&batch).Error; err != nil {
			return err
		}
		for _, r := range batch {
			each(r)
		}
		if len(batch) < 1000 {
			return nil
		}
		after = key(batch[len(batch)-1])
	}
}
