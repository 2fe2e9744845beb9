package tickets

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migrations are SQL files named NNNN_what.sql, embedded in the binary and
// applied in order at start, all pending ones in one transaction: a
// migration that fails halfway leaves the schema as it was. Where the two
// backends need different SQL, a version comes as NNNN_what.sqlite.sql and
// NNNN_what.postgres.sql, and each backend applies its own.

//go:embed migrations/*.sql
var embeddedMigrations embed.FS

// migrationFS is a variable so tests can offer a broken migration.
var migrationFS fs.FS = embeddedMigrations

type migration struct {
	version int64
	name    string
	sql     string
}

// migrationDrivers are the backends a migration file may be limited to.
var migrationDrivers = []string{"sqlite", "postgres"}

// loadMigrations lists the migrations driver applies; "" lists every
// file, whichever backend it is for.
func loadMigrations(fsys fs.FS, driver string) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var out []migration
	for _, n := range names {
		base := n[strings.LastIndexByte(n, '/')+1:]
		if only := migrationDriver(base); driver != "" && only != "" && only != driver {
			continue
		}
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", base)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out) && driver != ""; i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// migrationDriver is the backend a file name is limited to, or "".
func migrationDriver(base string) string {
	for _, d := range migrationDrivers {
		if strings.HasSuffix(base, "."+d+".sql") {
			return d
		}
	}
	return ""
}

// migrate brings driver's schema up to date. begin runs fn in one
// transaction; lock, if set, is a statement run first in it to keep two
// nodes starting at once from migrating together; translate adapts the
// common SQL.
func migrate(ctx context.Context, driver string, begin func(ctx context.Context, fn func(q dbtx) error) error, lock string, translate func(string) string) error {
	ms, err := loadMigrations(migrationFS, driver)
	if err != nil {
		return err
	}
	known := int64(0)
	if len(ms) > 0 {
		known = ms[len(ms)-1].version
	}
	err = begin(ctx, func(q dbtx) error {
		if lock != "" {
			if _, err := q.Exec(ctx, lock); err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
		}
		if _, err := q.Exec(ctx, "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int64
		if err := one(q.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"), &current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current > known {
			return fmt.Errorf("%w: database is at version %d, this binary knows up to %d; run the newer intake or restore a backup", ErrSchemaTooNew, current, known)
		}
		for _, m := range ms {
			if m.version <= current {
				continue
			}
			if _, err := q.Exec(ctx, translate(m.sql)); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.name, err)
			}
			if _, err := q.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.version, m.name, micros(nowUTC())); err != nil {
				return fmt.Errorf("record migration %s: %w", m.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// SchemaVersion is the newest migration this binary carries.
func SchemaVersion() int64 {
	ms, err := loadMigrations(embeddedMigrations, "")
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}
