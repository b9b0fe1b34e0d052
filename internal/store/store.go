// Package store keeps Fairshelf's metadata in SQLite (embedded mode) or
// PostgreSQL (production) through GORM. The schema comes from the embedded
// goose migrations, never from AutoMigrate. Driver errors are translated
// here into the domain's error vocabulary.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/glebarez/sqlite" // the choice of SQLite driver: docs/dependencies.md
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/fairshelf/fairshelf/internal/domain"
	"github.com/fairshelf/fairshelf/migrations"
)

// Dialect names the SQL database behind a Store.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is Fairshelf's one concrete storage type. It is safe for concurrent
// use.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect Dialect
	now     func() time.Time
	outbox  bool
	sealKey []byte
}

// Options configure Open.
type Options struct {
	// DatabaseURL selects PostgreSQL when set; otherwise SQLitePath is used.
	DatabaseURL string
	SQLitePath  string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives slow-query and error logs; nil discards them.
	Logger *slog.Logger
	// Outbox queues webhook events for publications, expiries and
	// withdrawals; set it when a webhook receiver is configured.
	Outbox bool
	// AuditSealKey seals every audit event written (domain.SealKey of the
	// checkpoint signing key); nil writes unsealed events, for tests and
	// tools that never verify seals.
	AuditSealKey []byte
}

// Open connects to the database selected by opts. It does not migrate; call
// Migrate. For SQLite it creates the folder of the file and sets the pragmas
// Fairshelf relies on: WAL for concurrent readers, a busy timeout instead of
// immediate "database is locked" errors, enforced foreign keys, full fsync so
// an acknowledged commit survives a crash, and immediate transactions so that
// writers queue up front instead of failing on lock upgrade.
func Open(ctx context.Context, opts Options) (*Store, error) {
	gcfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 gormLogger(opts.Logger),
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	s := &Store{now: opts.Now, outbox: opts.Outbox, sealKey: opts.AuditSealKey}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if opts.DatabaseURL != "" {
		s.dialect = Postgres
		s.db, err = gorm.Open(postgres.Open(opts.DatabaseURL), gcfg)
	} else {
		s.dialect = SQLite
		if opts.SQLitePath == "" {
			return nil, errors.New("store: no database: set a PostgreSQL URL or a SQLite path")
		}
		if err := os.MkdirAll(filepath.Dir(opts.SQLitePath), 0o750); err != nil {
			return nil, fmt.Errorf("store: create data folder: %w", err)
		}
		dsn := sqliteDSN(opts.SQLitePath)
		var raw *sql.DB
		if raw, err = sql.Open(sqlite.DriverName, dsn); err == nil {
			dialector := sqlite.Dialector{DriverName: sqlite.DriverName, DSN: dsn, Conn: newSQLitePool(raw)}
			if s.db, err = gorm.Open(dialector, gcfg); err != nil {
				raw.Close()
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", s.dialect, err)
	}
	if s.sqlDB, err = s.db.DB(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if s.dialect == Postgres {
		s.sqlDB.SetMaxOpenConns(25)
		s.sqlDB.SetMaxIdleConns(25)
		s.sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		// SQLite has one writer at a time; a few connections serve
		// concurrent readers under WAL.
		s.sqlDB.SetMaxOpenConns(8)
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func sqliteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	// Times are written in SQLite's own format ("2006-01-02 15:04:05.999999999-07:00"),
	// the driver's default. Do not add _time_format: the driver stops
	// reading parameters after it, silently dropping _txlock.
	return "file:" + path + "?" + q.Encode()
}

// Dialect reports which database the store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return errors.Join(domain.Errorf(domain.EUNAVAILABLE, "The database is not reachable."), fmt.Errorf("store: ping: %w", err))
	}
	return nil
}

// Close closes the database connections.
func (s *Store) Close() error { return s.sqlDB.Close() }

// Migrate applies every pending migration of the store's dialect, each in
// its own transaction, and returns the schema version reached.
func (s *Store) Migrate(ctx context.Context) (int64, error) {
	var (
		dialect goose.Dialect
		fsys    fs.FS
	)
	switch s.dialect {
	case Postgres:
		dialect, fsys = goose.DialectPostgres, migrations.Postgres()
	default:
		dialect, fsys = goose.DialectSQLite3, migrations.SQLite()
	}
	p, err := goose.NewProvider(dialect, s.sqlDB, fsys)
	if err != nil {
		return 0, fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("store: migrate: %w", err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// Tx is a database transaction. Every change of state is made through a Tx
// so that its audit event commits or rolls back with it.
type Tx struct {
	db      *gorm.DB
	conn    *sql.Conn // the transaction's connection, on PostgreSQL
	dialect Dialect
	now     time.Time
	clock   func() time.Time // the store's clock, for reads under a lock
	outbox  bool
	sealKey []byte
}

// Now is the time the transaction started, used for every timestamp it
// writes so that one change carries one time.
func (tx *Tx) Now() time.Time { return tx.now }

// forUpdate makes q lock the rows it reads until the end of the transaction
// (FOR UPDATE, limited to table's rows when table is not empty) on
// PostgreSQL. SQLite runs one writing transaction at a time and has no row
// locks, so there q is returned unchanged.
func (tx *Tx) forUpdate(q *gorm.DB, table string) *gorm.DB {
	if tx.dialect != Postgres {
		return q
	}
	return q.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: table}})
}

// InTx runs fn in a transaction and commits when fn returns nil. On
// PostgreSQL a serialization failure or deadlock is retried a few times,
// since the loser of such a race did nothing wrong.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.inTx(ctx, fn)
		if !retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return translate(err)
}

// inTx runs one attempt of InTx. On PostgreSQL the transaction holds a
// connection of its own, so that bulk writes can COPY on that connection
// inside the transaction.
func (s *Store) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	if s.dialect != Postgres {
		return s.db.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			return fn(&Tx{db: g, dialect: s.dialect, now: domain.AuditTime(s.now()), clock: s.now, outbox: s.outbox, sealKey: s.sealKey})
		})
	}
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	g := s.db.Session(&gorm.Session{NewDB: true, Context: ctx})
	g.Statement.ConnPool = conn
	return g.Transaction(func(g *gorm.DB) error {
		return fn(
			&Tx{db: g, conn: conn, dialect: s.dialect, now: domain.AuditTime(s.now()), clock: s.now, outbox: s.outbox, sealKey: s.sealKey},
		)
	})
}

func gormLogger(l *slog.Logger) logger.Interface {
	if l == nil {
		return logger.Discard
	}
	return logger.NewSlogLogger(l, logger.Config{
		SlowThreshold:             500 * time.Millisecond,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true,
	})
}

// readOnlyTx returns transaction options for consistent reads. SQLite's
// immediate transactions would take the write lock, so there a plain read
// transaction is requested instead.
func readOnlyTx(d Dialect) *sql.TxOptions {
	if d == Postgres {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return &sql.TxOptions{ReadOnly: true}
}

// gormExpr is a SQL expression for an update, e.g. "attempts + 1".
func gormExpr(sql string) clause.Expr { return gorm.Expr(sql) }
