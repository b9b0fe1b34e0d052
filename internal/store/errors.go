package store

import (
	"context"
	"errors"
	"fmt"
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
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "08") { // connection exceptions
		return errors.Join(domain.Errorf(domain.EUNAVAILABLE, "The database is not reachable."), err)
	}
	if pgconn.SafeToRetry(err) || isConnRefused(err) {
		return errors.Join(domain.Errorf(domain.EUNAVAILABLE, "The database is not reachable."), err)
	}
	return fmt.Errorf("store: %w", err)
}

// retryable reports whether a PostgreSQL transaction failed only because it
// lost a serialization race or a deadlock.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

func isConnRefused(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}
