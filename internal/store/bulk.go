package store

import (
	"fmt"
	"strings"
	"time"
)

// A bulkColumn is one column of a bulk insert and its PostgreSQL type:
// "text", "bigint" or "timestamptz".
type bulkColumn struct {
	name, pgType string
}

// bulkInsert appends n rows to table in as few statements as the database
// allows, where row(i, dst) puts row i's values into dst in column order
// (dst is reused between rows); suffix follows
// the VALUES (an ON CONFLICT clause, say). On PostgreSQL each statement
// inserts up to 50,000 rows from one array per column (unnest), which costs
// about as much as COPY; on SQLite it is a multi-row VALUES list kept under
// the bound-parameter limit. It returns the number of rows inserted.
//
// It writes through the transaction's connection directly, because GORM
// would expand the array parameters into lists.
func (tx *Tx) bulkInsert(table string, cols []bulkColumn, n int, row func(i int, dst []any), suffix string) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	names := make([]string, len(cols))
	for c, col := range cols {
		names[c] = col.name
	}
	head := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") "
	chunk := 50_000
	if tx.dialect != Postgres {
		chunk = 30_000 / len(cols)
	}
	// values[i][c] is row i's value for column c.
	values := make([][]any, n)
	flat := make([]any, n*len(cols))
	for i := range values {
		values[i] = flat[i*len(cols) : (i+1)*len(cols) : (i+1)*len(cols)]
		row(i, values[i])
	}
	value := func(i, c int) any { return values[i][c] }
	var inserted int64
	for from := 0; from < n; from += chunk {
		to := min(from+chunk, n)
		var query string
		var args []any
		if tx.dialect == Postgres {
			query, args = unnestInsert(head, cols, from, to, value)
		} else {
			query, args = valuesInsert(head, cols, from, to, value)
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

// unnestInsert is INSERT ... SELECT FROM unnest($1::text[], ...) with one
// typed array per column.
func unnestInsert(head string, cols []bulkColumn, from, to int, value func(i, c int) any) (string, []any) {
	params := make([]string, len(cols))
	args := make([]any, len(cols))
	for c, col := range cols {
		params[c] = fmt.Sprintf("$%d::%s[]", c+1, col.pgType)
		switch col.pgType {
		case "bigint":
			a := make([]int64, 0, to-from)
			for i := from; i < to; i++ {
				a = append(a, value(i, c).(int64))
			}
			args[c] = a
		case "timestamptz":
			a := make([]time.Time, 0, to-from)
			for i := from; i < to; i++ {
				a = append(a, value(i, c).(time.Time))
			}
			args[c] = a
		default:
			a := make([]string, 0, to-from)
			for i := from; i < to; i++ {
				a = append(a, value(i, c).(string))
			}
			args[c] = a
		}
	}
	return head + "SELECT * FROM unnest(" + strings.Join(params, ", ") + ")", args
}

// valuesInsert is INSERT ... VALUES (?, ...), (?, ...) for SQLite.
func valuesInsert(head string, cols []bulkColumn, from, to int, value func(i, c int) any) (string, []any) {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	var b strings.Builder
	b.WriteString(head)
	b.WriteString("VALUES ")
	args := make([]any, 0, (to-from)*len(cols))
	for i := from; i < to; i++ {
		if i > from {
			b.WriteString(", ")
		}
		b.WriteString(row)
		for c := range cols {
			args = append(args, value(i, c))
		}
	}
	return b.String(), args
}
