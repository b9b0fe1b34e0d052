package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A bulkColumn is one column of a bulk insert and its PostgreSQL type:
// "text", "bigint" or "timestamptz".
type bulkColumn struct {
	name, pgType string
}

// copyThreshold is the number of rows from which bulkInsert uses COPY (or
// unnest) on PostgreSQL; below it a multi-row INSERT costs fewer round trips.
const copyThreshold = 500

// bulkInsert appends n rows to table in as few statements as the database
// allows, where row(i, dst) puts row i's values into dst in column order;
// suffix follows the VALUES (an ON CONFLICT clause, say). It returns the
// number of rows inserted.
//
// On PostgreSQL many rows go in with COPY, or, when there is a suffix, by
// one INSERT per 50,000 rows from one array per column (unnest); few rows,
// and all rows on SQLite, go in as multi-row VALUES lists kept under the
// bound-parameter limit. It writes through the transaction's connection
// directly, because GORM would expand array parameters into lists.
func (tx *Tx) bulkInsert(table string, cols []bulkColumn, n int, row func(i int, dst []any), suffix string) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	names := make([]string, len(cols))
	for c, col := range cols {
		names[c] = col.name
	}
	// values[i][c] is row i's value for column c.
	values := make([][]any, n)
	flat := make([]any, n*len(cols))
	for i := range values {
		values[i] = flat[i*len(cols) : (i+1)*len(cols) : (i+1)*len(cols)]
		row(i, values[i])
	}
	many := tx.dialect == Postgres && n >= copyThreshold
	if many && suffix == "" && tx.conn != nil {
		return tx.copyRows(table, names, values)
	}
	head := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") "
	chunk := 30_000 / len(cols)
	if many {
		chunk = 50_000
	}
	var inserted int64
	for from := 0; from < n; from += chunk {
		to := min(from+chunk, n)
		var query string
		var args []any
		if many {
			query, args = unnestInsert(head, cols, values[from:to])
		} else {
			query, args = valuesInsert(head, tx.dialect, values[from:to])
		}
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

// unnestInsert is INSERT ... SELECT FROM unnest($1::text[], ...) with one
// array per column. Each array is sent as one text literal that the server
// parses, which is cheaper than the driver encoding every element.
func unnestInsert(head string, cols []bulkColumn, rows [][]any) (string, []any) {
	params := make([]string, len(cols))
	args := make([]any, len(cols))
	for c, col := range cols {
		params[c] = fmt.Sprintf("$%d::%s[]", c+1, col.pgType)
		var b strings.Builder
		b.WriteByte('{')
		for i, r := range rows {
			if i > 0 {
				b.WriteByte(',')
			}
			switch v := r[c].(type) {
			case int64:
				b.WriteString(strconv.FormatInt(v, 10))
			case time.Time:
				b.WriteString(v.UTC().Format(time.RFC3339Nano))
			case string:
				arrayElement(&b, v)
			default:
				panic(fmt.Sprintf("store: bulk insert of %T", v))
			}
		}
		b.WriteByte('}')
		args[c] = b.String()
	}
	return head + "SELECT * FROM unnest(" + strings.Join(params, ", ") + ")", args
}

// arrayElement writes s as a double-quoted element of a PostgreSQL array
// literal: quotes and backslashes escaped, everything else as it is.
func arrayElement(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
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
