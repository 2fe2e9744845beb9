package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/tickets"
)

// cliStore opens the configured store for one command. On failure it has
// told stderr why (after what) and the caller exits; otherwise done closes
// the store and ends the deadline (timeout 0: none).
func cliStore(cfgPath, what string, timeout time.Duration, stderr io.Writer) (ctx context.Context, st tickets.Store, done func(), err error) {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	st, err = openConfiguredStore(ctx, cfgPath)
	if err != nil {
		cancel()
		fmt.Fprintf(stderr, "%s: %v\n", what, err)
		return nil, nil, nil, err
	}
	return ctx, st, func() { st.Close(); cancel() }, nil
}

// openConfiguredStore opens the store the configuration names, refusing
// to create an SQLite database where none is: an operator's typo in
// --config must not look like an empty outbox.
func openConfiguredStore(ctx context.Context, cfgPath string) (tickets.Store, error) {
	st, _, err := openStoreFor(ctx, cfgPath, false)
	return st, err
}

// openStoreFor opens the store cfgPath names, creating an SQLite one only
// when create is set, and returns it with the keys it was opened with.
func openStoreFor(ctx context.Context, cfgPath string, create bool) (tickets.Store, secrets, error) {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, secrets{}, err
	}
	if (cfg.Store.Driver == "" || cfg.Store.Driver == "sqlite") && cfg.Store.DSN == "" && !create {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, tickets.DBFile)); err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return nil, secrets{}, permissionDenied(cfg.DataDir, err)
			}
			return nil, secrets{}, fmt.Errorf("no store in %s (is --config right?): %w", cfg.DataDir, err)
		}
	}
	// The same keys as serve (keys.go); nothing to say when one is made.
	keys, err := loadSecrets(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, secrets{}, permissionDenied(cfg.DataDir, err)
		}
		return nil, secrets{}, err
	}
	st, err := tickets.Open(ctx, tickets.Options{
		Driver: cfg.Store.Driver, DSN: cfg.Store.DSN, DataDir: cfg.DataDir,
		Secret: keys.thread, AuditKey: keys.audit, RetentionDays: cfg.Quarantine.RetentionDays,
	})
	if err != nil && errors.Is(err, fs.ErrPermission) {
		return nil, secrets{}, permissionDenied(cfg.DataDir, err)
	}
	return st, keys, err
}

// permissionDenied: the store is there, but not for this user. The
// commands must run as the service user, who owns the data directory.
func permissionDenied(dataDir string, err error) error {
	return fmt.Errorf("permission denied reading the store in %s: run intake as the service user "+
		"(sudo -u intake intake ...), who owns the data directory: %w", dataDir, err)
}

// cliActor names the operator in the audit chain.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli:uid-" + fmt.Sprint(os.Getuid())
}
