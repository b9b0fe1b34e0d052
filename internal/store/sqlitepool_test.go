package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// A SQLite statement whose context is cancelled while it runs finishes
// instead of being interrupted: the driver's interruption raced with
// closing the connection (caught by the race detector during shutdowns
// that cancel running jobs). Idle connections are closed at once here, so
// that every statement's connection closes right after it.
func TestSQLiteStatementsFinishWhenCancelled(t *testing.T) {
	s := openTest(t, Options{SQLitePath: filepath.Join(t.TempDir(), "f.db")})
	s.sqlDB.SetMaxIdleConns(0)
	const slow = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT count(*) FROM n`
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2 {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(time.Millisecond, cancel)
				var n int64
				err := s.db.WithContext(ctx).Raw(slow).Scan(&n).Error
				if err == nil && n != 20000 {
					t.Errorf("count = %d", n)
				}
				errs <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a cancelled statement was interrupted: %v", err)
		}
	}
	// A transaction is not begun once its context has ended.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.InTx(ctx, func(tx *Tx) error { return nil }); err == nil {
		t.Fatal("a transaction began with a cancelled context")
	}
}
