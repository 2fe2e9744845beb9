package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/tickets"
)

// runBackup writes a consistent copy of a live SQLite store to --out
// while serve keeps accepting: SQLite's VACUUM INTO reads one snapshot
// (WAL lets the writer go on beside it) and writes it as a fresh,
// compact database with no free pages, so nothing deleted rides along.
// PostgreSQL has its own tools; the command says which.
func runBackup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML configuration file (default: the embedded defaults)")
	out := fs.String("out", "", "file to write the copy to (must not exist)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 0 || *out == "" {
		fmt.Fprintln(stderr, "usage: intake backup --out FILE [--config FILE]")
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "intake backup: %v\n", err)
		return 2
	}
	if cfg.Store.Driver == "postgres" {
		fmt.Fprintln(stderr, "intake backup: the store is PostgreSQL: back it up with PostgreSQL's own tools, "+
			"pg_dump --format=custom for a copy or base backups with WAL archiving for point-in-time recovery "+
			"(see \"Backup and restore\" in docs/operations.md), and keep the key files (store.thread_key_file, store.audit_key_file) apart from it")
		return 2
	}
	src := sqlitePath(cfg)
	if _, err := os.Stat(src); err != nil {
		fmt.Fprintf(stderr, "intake backup: no store at %s (is --config right?): %v\n", src, err)
		return 1
	}
	start := time.Now()
	n, err := backupSQLite(context.Background(), src, *out)
	if err != nil {
		fmt.Fprintf(stderr, "intake backup: %v\n", err)
		return 1
	}
	fi, _ := os.Stat(*out)
	fmt.Fprintf(stdout, "%s: %d tickets, %d bytes, in %s\n", *out, n, fi.Size(), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stderr, "intake backup: the copy needs the keys beside it to be of use: %s and %s; keep them apart from the copy (see docs/operations.md)\n",
		keyPathFor(cfg, cfg.Store.AuditKeyFile, tickets.AuditKeyFile), keyPathFor(cfg, cfg.Store.ThreadKeyFile, threadKeyFile))
	return 0
}

// sqlitePath is where the configured SQLite store lives.
func sqlitePath(cfg config.Config) string {
	if cfg.Store.DSN != "" {
		return cfg.Store.DSN
	}
	return filepath.Join(cfg.DataDir, tickets.DBFile)
}

func keyPathFor(cfg config.Config, configured, file string) string {
	if configured != "" {
		return configured
	}
	return filepath.Join(cfg.DataDir, file)
}

// backupSQLite copies the database at src to out (which must not exist)
// in one read snapshot, checks the copy and returns its ticket count.
func backupSQLite(ctx context.Context, src, out string) (tickets int64, err error) {
	// The copy holds what the store holds: only its owner may read it.
	// VACUUM INTO takes an empty file, so make it with the mode first.
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("create copy: %w", err)
	}
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(out)
		}
	}()
	// Not query_only: SQLite counts VACUUM INTO as a write, though it
	// only reads the store.
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+src+"?"+v.Encode())
	if err != nil {
		return 0, fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return 0, fmt.Errorf("copy store: %w", err)
	}
	if err := syncFile(out); err != nil {
		return 0, fmt.Errorf("sync copy: %w", err)
	}

	cp, err := sql.Open("sqlite", "file:"+out+"?_pragma=query_only(ON)")
	if err != nil {
		return 0, fmt.Errorf("open copy: %w", err)
	}
	defer cp.Close()
	var check string
	if err := cp.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return 0, fmt.Errorf("check copy: %w", err)
	}
	if check != "ok" {
		return 0, errors.New("check copy: " + check)
	}
	if err := cp.QueryRowContext(ctx, "SELECT COUNT(*) FROM tickets").Scan(&tickets); err != nil {
		return 0, fmt.Errorf("count tickets in copy: %w", err)
	}
	return tickets, nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
