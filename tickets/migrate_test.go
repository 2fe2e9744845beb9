package tickets

import (
	"io/fs"
	"testing/fstest"
)

// brokenMigrations adds a migration that creates a table and then fails.
type brokenMigrations struct{ fs.FS }

func (b brokenMigrations) Open(name string) (fs.File, error) {
	extra := fstest.MapFS{"migrations/9999_broken.sql": {Data: []byte("CREATE TABLE half_made (x BIGINT);\nTHIS IS NOT SQL;")}}
	if f, err := extra.Open(name); err == nil {
		return f, nil
	}
	return b.FS.Open(name)
}

func (b brokenMigrations) ReadDir(name string) ([]fs.DirEntry, error) {
	es, err := fs.ReadDir(b.FS, name)
	if err != nil || name != "migrations" {
		return es, err
	}
	extra, _ := fs.ReadDir(fstest.MapFS{"migrations/9999_broken.sql": {}}, "migrations")
	return append(es, extra...), nil
}
