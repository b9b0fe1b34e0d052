package store

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fairshelf/fairshelf/internal/domain"
)

func TestTranslateMapsLostDatabasesToUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, domain.EUNAVAILABLE},
		{"connection exception", &pgconn.PgError{Code: "08006"}, domain.EUNAVAILABLE},
		{"cut mid-statement", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), domain.EUNAVAILABLE},
		{"bad connection", driver.ErrBadConn, domain.EUNAVAILABLE},
		{"network error", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, domain.EUNAVAILABLE},
		{"undefined table stays internal", &pgconn.PgError{Code: "42P01"}, domain.EINTERNAL},
		{"anything else", errors.New("boom"), domain.EINTERNAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := domain.ErrorCode(translate(tc.err)); got != tc.want {
				t.Fatalf("code = %q, want %q", got, tc.want)
			}
		})
	}
}
