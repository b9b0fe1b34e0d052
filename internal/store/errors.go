package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/fairshelf/fairshelf/internal/domain"
)

// translate maps driver and GORM errors to domain errors at the edge, so
// that callers above the store never see a driver type. Errors already in
// the domain vocabulary pass through unchanged.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return errors.Join(domain.Errorf(domain.ENOTFOUND, "Not found."), err)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return errors.Join(domain.Errorf(domain.ECONFLICT, "It already exists."), err)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return errors.Join(domain.Errorf(domain.ECONFLICT, "It refers to something that does not exist or is still in use."), err)
	}
	// Connection exceptions (class 08) and a server going away.
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "08") || serverGoingAway(pgErr.Code)) {
		return errors.Join(domain.Errorf(domain.EUNAVAILABLE, "The database is not reachable."), err)
	}
	if pgconn.SafeToRetry(err) || isConnRefused(err) {
		return errors.Join(domain.Errorf(domain.EUNAVAILABLE, "The database is not reachable."), err)
	}
	// A connection cut while a statement was in flight (the server crashed
	// or the network dropped). Unless it was cut during COMMIT nothing was
	// saved; either way the answer is a 503 for the client to check and
	// retry, never a 500.
	var netErr net.Error
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) || errors.As(err, &netErr) {
		return errors.Join(domain.Errorf(domain.EUNAVAILABLE, "The connection to the database was lost; try again."), err)
	}
	// Text PostgreSQL cannot hold (a NUL character) came from the client:
	// bad input, never a 500.
	if errors.As(err, &pgErr) && (pgErr.Code == "22021" || pgErr.Code == "22P05") {
		return errors.Join(domain.Errorf(domain.EINVALID, "The text contains a character that cannot be stored, such as a NUL."), err)
	}
	return fmt.Errorf("store: %w", err)
}

// retryable reports whether a PostgreSQL transaction failed only because it
// lost a serialization race or a deadlock.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// serverGoingAway reports whether a SQLSTATE says that the PostgreSQL server
// is shutting down, restarting or not yet accepting connections: a
// connection pooled before a restart reports the shutdown on first use, and
// the request should get a 503 to retry, not a 500.
func serverGoingAway(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
		return true
	}
	return false
}

func isConnRefused(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}
