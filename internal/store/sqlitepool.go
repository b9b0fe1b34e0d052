package store

import (
	"context"
	"database/sql"

	"gorm.io/gorm"
)

// sqlitePool is the connection pool GORM uses for SQLite. It runs every
// statement to its end even when its context is cancelled: the SQLite
// driver interrupts a cancelled statement from a goroutine of its own that
// races with closing the connection (github.com/glebarez/go-sqlite's
// interruptOnDone reads the connection handle without its lock), which can
// crash a shutdown that cancels a running job. SQLite statements are local
// and short, so letting one finish costs little; callers still see their
// context's error at their next step, and a transaction whose context ends
// is rolled back by its caller as before.
type sqlitePool struct{ db *sql.DB }

var (
	_ gorm.ConnPool         = (*sqlitePool)(nil)
	_ gorm.ConnPoolBeginner = (*sqlitePool)(nil)
	_ gorm.GetDBConnector   = (*sqlitePool)(nil)
	_ gorm.Tx               = (*sqliteTx)(nil)
)

func (p *sqlitePool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(context.WithoutCancel(ctx), query)
}

func (p *sqlitePool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.db.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (p *sqlitePool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.db.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (p *sqlitePool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.db.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

// BeginTx starts a transaction, refusing one whose context has already
// ended.
func (p *sqlitePool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tx, err := p.db.BeginTx(context.WithoutCancel(ctx), opts)
	if err != nil {
		return nil, err
	}
	return &sqliteTx{tx}, nil
}

func (p *sqlitePool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// sqliteTx is a transaction of sqlitePool, with the same rule.
type sqliteTx struct{ tx *sql.Tx }

func (t *sqliteTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(context.WithoutCancel(ctx), query)
}

func (t *sqliteTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (t *sqliteTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (t *sqliteTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

func (t *sqliteTx) StmtContext(ctx context.Context, stmt *sql.Stmt) *sql.Stmt {
	return t.tx.StmtContext(context.WithoutCancel(ctx), stmt)
}

func (t *sqliteTx) Commit() error   { return t.tx.Commit() }
func (t *sqliteTx) Rollback() error { return t.tx.Rollback() }
