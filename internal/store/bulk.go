package store

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// copyThreshold is the number of rows from which bulkInsert uses COPY on
// PostgreSQL; below it one multi-row INSERT costs fewer round trips.
const copyThreshold = 500

// bulkInsert appends n rows to table in as few statements as the database
// allows, where row(i, dst) puts row i's values into dst in column order;
// suffix follows the VALUES (an ON CONFLICT clause, say). It returns the
// number of rows inserted.
//
// On PostgreSQL many rows without a suffix go in with COPY; everything else
// goes in as multi-row VALUES lists kept under both databases'
// bound-parameter limits. It writes through the transaction's connection
// directly, with the dialect's placeholders.
// maxBoundParams is how many parameters one multi-row INSERT binds. The
// SQLite driver matches each parameter to its argument by a linear search,
// which makes binding quadratic in their number: 1,000 a statement keeps a
// sweep of thousands of rows about five times faster than 30,000 did.
func maxBoundParams(d Dialect) int {
	if d == SQLite {
		return 1_000
	}
	return 30_000
}

func (tx *Tx) bulkInsert(table string, cols []string, n int, row func(i int, dst []any), suffix string) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	// values[i][c] is row i's value for column c.
	values := make([][]any, n)
	flat := make([]any, n*len(cols))
	for i := range values {
		values[i] = flat[i*len(cols) : (i+1)*len(cols) : (i+1)*len(cols)]
		row(i, values[i])
	}
	if tx.conn != nil && n >= copyThreshold && suffix == "" {
		return tx.copyRows(table, cols, values)
	}
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") "
	chunk := max(1, maxBoundParams(tx.dialect)/len(cols))
	var inserted int64
	for from := 0; from < n; from += chunk {
		query, args := valuesInsert(head, tx.dialect, values[from:min(from+chunk, n)])
		res, err := tx.db.Statement.ConnPool.ExecContext(tx.db.Statement.Context, query+" "+suffix, args...)
		if err != nil {
			return inserted, fmt.Errorf("store: insert into %s: %w", table, err)
		}
		affected, err := res.RowsAffected()
		if err != nil {
			return inserted, err
		}
		inserted += affected
	}
	return inserted, nil
}

// copyRows writes rows with PostgreSQL's COPY on the transaction's
// connection, inside the transaction: the cheapest way in for many rows.
func (tx *Tx) copyRows(table string, columns []string, rows [][]any) (int64, error) {
	var n int64
	err := tx.conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: COPY needs a pgx connection, not %T", driverConn)
		}
		var err error
		n, err = c.Conn().CopyFrom(tx.db.Statement.Context, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: copy into %s: %w", table, err)
	}
	return n, nil
}

// valuesInsert is INSERT ... VALUES (...), (...) with the dialect's
// placeholders.
func valuesInsert(head string, d Dialect, rows [][]any) (string, []any) {
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("VALUES ")
	args := make([]any, 0, len(rows)*len(rows[0]))
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c, v := range r {
			if c > 0 {
				b.WriteString(", ")
			}
			args = append(args, v)
			if d == Postgres {
				b.WriteString("$" + strconv.Itoa(len(args)))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String(), args
}
