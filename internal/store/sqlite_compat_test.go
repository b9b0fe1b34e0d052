package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// testdata/sqlite-glebarez-v1.23.0.db was written by earlier releases'
// SQLite driver (github.com/glebarez/go-sqlite v1.23.0, SQLite 3.54.1): the
// store migrated it, created brand ZELTRA and user early@example.com with
// the clock at 2026-06-01 12:30:45.123456789 UTC, and the file was
// vacuumed. A database of an earlier release must open, migrate, read and
// take writes in the same formats: this is the check a change of SQLite
// driver has to pass (see docs/dependencies.md).
func TestSQLiteReadsEarlierReleasesFile(t *testing.T) {
	ctx := context.Background()
	src, err := os.ReadFile(filepath.Join("testdata", "sqlite-glebarez-v1.23.0.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fairshelf.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	written := time.Date(2026, 6, 1, 12, 30, 45, 123456000, time.UTC)
	later := time.Date(2026, 12, 3, 9, 15, 0, 500000000, time.UTC)
	s := openTest(t, Options{SQLitePath: path, Now: func() time.Time { return later }})

	// The pragmas are those of every earlier release.
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "synchronous": "2"} {
		var got string
		if err := s.sqlDB.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}

	// Times written as text by the earlier driver read back exactly.
	b, err := s.Brand(ctx, "ZELTRA")
	if err != nil || !b.CreatedAt.Equal(written) {
		t.Fatalf("brand created %v, %v; want %v", b.CreatedAt, err, written)
	}
	var old userRow
	if err := s.db.WithContext(ctx).Table("users").Where("email = ?", "early@example.com").Take(&old).Error; err != nil {
		t.Fatal(err)
	}
	if !old.CreatedAt.Equal(written) || old.CreatedAt.Location() != time.UTC {
		t.Fatalf("user created %v (%v); want %v in UTC", old.CreatedAt, old.CreatedAt.Location(), written)
	}

	// New rows are written in the same text format as the old ones, so
	// that comparisons between them in SQL stay in time order.
	u, err := s.CreateUser(ctx, testActor, domain.NewUser{Email: "late@example.com", DisplayName: "Late"}, "h")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	rows, err := s.sqlDB.QueryContext(ctx, `SELECT typeof(created_at) || ' ' || created_at FROM users ORDER BY created_at`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	want := []string{"text 2026-06-01 12:30:45.123456+00:00", "text 2026-12-03 09:15:00.5+00:00"}
	if len(texts) != 2 || texts[0] != want[0] || texts[1] != want[1] {
		t.Fatalf("stored times %q; want %q", texts, want)
	}
	if got, err := s.User(ctx, u.ID); err != nil || !got.CreatedAt.Equal(later) {
		t.Fatalf("new user created %v, %v; want %v", got.CreatedAt, err, later)
	}

	// A unique violation is still a conflict, a missing reference still a
	// conflict, and the audit chain over old and new events verifies.
	_, err = s.CreateUser(ctx, testActor, domain.NewUser{Email: "early@example.com", DisplayName: "Again"}, "h")
	if domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("duplicate user: %v", err)
	}
	insertBlob := func(tx *Tx) error {
		return tx.db.Exec(`INSERT INTO blobs (key, sha256, size, created_at) VALUES ('objects/k', 'abc', 1, ?)`, later).Error
	}
	if err := s.InTx(ctx, insertBlob); err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(ctx, insertBlob); domain.ErrorCode(err) != domain.ECONFLICT || !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Fatalf("unique violation: %v", err)
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		return tx.db.Exec(`INSERT INTO asset_tags (asset_id, tag) VALUES ('missing', 'x')`).Error
	})
	if domain.ErrorCode(err) != domain.ECONFLICT || !errors.Is(err, gorm.ErrForeignKeyViolated) {
		t.Fatalf("missing reference: %v", err)
	}
	r, err := s.VerifyAudit(ctx)
	if err != nil || !r.OK {
		t.Fatalf("audit chain: %+v %v", r, err)
	}
}
