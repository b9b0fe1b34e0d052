package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestBulkInsertKeepsValuesExact writes awkward strings, times and numbers
// by every bulk path (few rows, COPY, many rows with ON CONFLICT) and reads
// them back unchanged.
func TestBulkInsertKeepsValuesExact(t *testing.T) {
	awkward := []string{"", "NULL", `"quoted"`, `back\slash`, "{braces,commas}", "tab\tand\nnewline", "ünïcødé 😀", "'single'", " padded "}
	at := time.Date(2026, 11, 25, 23, 59, 59, 123456000, time.UTC)
	cols := []string{"n", "at", "s"}
	backends(t, func(t *testing.T, s *Store) {
		create := "CREATE TABLE bulk_probe (n BIGINT PRIMARY KEY, at TIMESTAMPTZ NOT NULL, s TEXT NOT NULL)"
		if s.dialect != Postgres {
			create = "CREATE TABLE bulk_probe (n INTEGER PRIMARY KEY, at DATETIME NOT NULL, s TEXT NOT NULL)"
		}
		if err := s.db.Exec(create).Error; err != nil {
			t.Fatal(err)
		}
		offset := int64(0)
		for _, tc := range []struct {
			rows   int
			suffix string
		}{{3, ""}, {copyThreshold + 100, ""}, {copyThreshold + 100, "ON CONFLICT (n) DO NOTHING"}} {
			base := offset
			err := s.InTx(context.Background(), func(tx *Tx) error {
				n, err := tx.bulkInsert("bulk_probe", cols, tc.rows, func(i int, dst []any) {
					dst[0], dst[1], dst[2] = base+int64(i), at.Add(time.Duration(i)*time.Microsecond), awkward[i%len(awkward)]
				}, tc.suffix)
				if err == nil && n != int64(tc.rows) {
					return fmt.Errorf("inserted %d of %d", n, tc.rows)
				}
				return err
			})
			if err != nil {
				t.Fatalf("%d rows %q: %v", tc.rows, tc.suffix, err)
			}
			offset += int64(tc.rows)
		}
		// Conflicting rows are skipped and not counted.
		err := s.InTx(context.Background(), func(tx *Tx) error {
			n, err := tx.bulkInsert("bulk_probe", cols, copyThreshold, func(i int, dst []any) {
				dst[0], dst[1], dst[2] = int64(i), at, "changed"
			}, "ON CONFLICT (n) DO NOTHING")
			if err == nil && n != 0 {
				return fmt.Errorf("inserted %d conflicting rows", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []struct {
			N  int64
			At time.Time
			S  string
		}
		if err := s.db.Raw("SELECT n, at, s FROM bulk_probe ORDER BY n").Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if int64(len(got)) != offset {
			t.Fatalf("%d rows, want %d", len(got), offset)
		}
		for _, r := range got {
			var base int64
			switch {
			case r.N >= 3+copyThreshold+100:
				base = 3 + copyThreshold + 100
			case r.N >= 3:
				base = 3
			}
			i := int(r.N - base)
			if r.S != awkward[i%len(awkward)] || !r.At.Equal(at.Add(time.Duration(i)*time.Microsecond)) {
				t.Fatalf("row %d = %q at %v", r.N, r.S, r.At)
			}
		}
	})
}
