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
type sqlitePool struct {
	detached
	db *sql.DB
}

func newSQLitePool(db *sql.DB) *sqlitePool { return &sqlitePool{detached{db}, db} }

// sqlConn is what *sql.DB and *sql.Tx share for running statements.
type sqlConn interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// detached runs statements on a connection or transaction without letting
// their context cancel them.
type detached struct{ c sqlConn }

func (d detached) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return d.c.PrepareContext(context.WithoutCancel(ctx), query)
}

func (d detached) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.c.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (d detached) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.c.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (d detached) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.c.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

var (
	_ gorm.ConnPool         = (*sqlitePool)(nil)
	_ gorm.ConnPoolBeginner = (*sqlitePool)(nil)
	_ gorm.GetDBConnector   = (*sqlitePool)(nil)
	_ gorm.Tx               = (*sqliteTx)(nil)
)

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
	return &sqliteTx{detached{tx}, tx}, nil
}

func (p *sqlitePool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// sqliteTx is a transaction of sqlitePool, with the same rule.
type sqliteTx struct {
	detached
	tx *sql.Tx
}

func (t *sqliteTx) StmtContext(ctx context.Context, stmt *sql.Stmt) *sql.Stmt {
	return t.tx.StmtContext(context.WithoutCancel(ctx), stmt)
}

func (t *sqliteTx) Commit() error   { return t.tx.Commit() }
func (t *sqliteTx) Rollback() error { return t.tx.Rollback() }
