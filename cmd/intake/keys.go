package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/tickets"
)

// Key bootstrap: every secret and public key a node needs is found here,
// and on a first start with SQLite made here (and said so in the log).
// With PostgreSQL several nodes share one store, so nothing is made: the
// configuration names the shared files (config.Validate refuses it
// otherwise, and loadSecrets refuses it again for a caller that did not
// validate).

// Files a first start creates in the data directory.
const (
	identityFile  = "quarantine-identity.txt" // the age identity: move it offline
	recipientFile = "quarantine-recipient.txt"
	threadKeyFile = "thread.key" // tickets.LoadOrCreateSecret's file
)

// keyLen is the length of a shared secret: the files hold 32 random bytes
// (more is allowed; the first 32 are used, as tickets reads its own).
const keyLen = 32

// secrets are the two keys kept outside the database.
type secrets struct {
	thread []byte // signs the ticket token in our Message-IDs
	audit  []byte // keys the audit chain's HMAC
}

// loadSecrets reads the thread and audit keys from the files the
// configuration names or, with none named and SQLite, from the data
// directory, where the first start creates them.
func loadSecrets(cfg config.Config, log *slog.Logger) (secrets, error) {
	var s secrets
	var err error
	if s.thread, err = loadKey(cfg, cfg.Store.ThreadKeyFile, "store.thread_key_file", threadKeyFile, tickets.LoadOrCreateSecret, log,
		"generated the threading secret; every node of a cluster needs this same file"); err != nil {
		return s, err
	}
	if s.audit, err = loadKey(cfg, cfg.Store.AuditKeyFile, "store.audit_key_file", tickets.AuditKeyFile, tickets.LoadOrCreateAuditKey, log,
		"generated the audit key; keep it out of database backups, and every node of a cluster needs this same file"); err != nil {
		return s, err
	}
	return s, nil
}

// loadKey reads the key at path, or (path "") the one create keeps in the
// data directory under file, logging warn when it was just made.
func loadKey(cfg config.Config, path, key, file string, create func(dataDir string) ([]byte, error), log *slog.Logger, warn string) ([]byte, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if len(b) < keyLen {
			return nil, fmt.Errorf("%s: %s holds %d bytes, want %d", key, path, len(b), keyLen)
		}
		return b[:keyLen], nil
	}
	if cfg.Store.Driver == "postgres" {
		return nil, fmt.Errorf("%s: required with driver = \"postgres\": every node of a cluster needs the same secret", key)
	}
	inDir := filepath.Join(cfg.DataDir, file)
	_, statErr := os.Stat(inDir)
	b, err := create(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if errors.Is(statErr, os.ErrNotExist) {
		log.Warn(warn, "path", inDir)
	}
	return b, nil
}

// quarantineRecipients returns the configured age recipients or, with
// none configured (SQLite only), the key pair generated on first start
// (made reports that it was made now).
func quarantineRecipients(cfg config.Config, log *slog.Logger) (_ []string, made bool, _ error) {
	if len(cfg.Quarantine.Recipients) > 0 {
		return cfg.Quarantine.Recipients, false, nil
	}
	if cfg.Store.Driver == "postgres" {
		return nil, false, errors.New("quarantine.recipients: required with driver = \"postgres\": every node seals to the same public keys")
	}
	pubPath := filepath.Join(cfg.DataDir, recipientFile)
	if b, err := os.ReadFile(pubPath); err == nil {
		return []string{strings.TrimSpace(string(b))}, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("read quarantine recipient: %w", err)
	}
	id, err := tickets.GenerateIdentity()
	if err != nil {
		return nil, false, err
	}
	idPath := filepath.Join(cfg.DataDir, identityFile)
	if err := tickets.WriteIdentityFile(idPath, id); err != nil {
		return nil, false, err
	}
	if err := writeFileSync(pubPath, []byte(id.Recipient+"\n"), 0o644); err != nil {
		return nil, false, fmt.Errorf("write quarantine recipient: %w", err)
	}
	abs, _ := filepath.Abs(idPath)
	log.Warn("GENERATED THE QUARANTINE IDENTITY. It opens every sealed original: move it OFFLINE now "+
		"(keep it only where the privacy officer opens items) and delete it from this machine; "+
		"this server seals to the public key alone.",
		"identity_file", abs, "public_key", id.Recipient, "public_key_file", pubPath,
		"config", fmt.Sprintf("[quarantine] recipients = [%q]", id.Recipient))
	return []string{id.Recipient}, true, nil
}

func writeFileSync(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// identityOnDiskWarning: whoever can read the data directory can open
// every sealed original while the identity lies there.
const identityOnDiskWarning = "the quarantine identity is still in the data directory: whoever can read it can open every sealed original; " +
	"move it offline (where the privacy officer opens items) and delete it here"

// identityOnDisk reports whether the generated quarantine identity is
// still in the data directory, and where.
func identityOnDisk(cfg config.Config) (string, bool) {
	p := filepath.Join(cfg.DataDir, identityFile)
	if _, err := os.Lstat(p); err != nil {
		return "", false
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p, true
}
