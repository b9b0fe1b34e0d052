// Package migrations holds the database schema as SQL files, one folder per
// dialect with matching version numbers, embedded so that the binary is
// self-contained and tests apply exactly the files production applies.
// Every file is a goose migration and runs inside a transaction.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Postgres returns the PostgreSQL migrations.
func Postgres() fs.FS { return sub("postgres") }

// SQLite returns the SQLite migrations.
func SQLite() fs.FS { return sub("sqlite") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic("migrations: " + err.Error()) // the folder is embedded at build time
	}
	return f
}
