package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intake-mail/intake/config"
)

// TestKeyBootstrap: with SQLite and nothing configured a first start makes
// the keys in the data directory (and says so) and the next start reads
// the same ones; keys named in the configuration are read, never made; a
// PostgreSQL node makes nothing, since every node must share them.
func TestKeyBootstrap(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	first, err := loadSecrets(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.thread) != keyLen || len(first.audit) != keyLen || bytes.Equal(first.thread, first.audit) {
		t.Fatalf("keys of %d and %d bytes", len(first.thread), len(first.audit))
	}
	if !strings.Contains(logs.String(), "generated the threading secret") || !strings.Contains(logs.String(), "generated the audit key") {
		t.Errorf("first start did not say it made the keys: %s", logs.String())
	}
	logs.Reset()
	again, err := loadSecrets(cfg, log)
	if err != nil || !bytes.Equal(again.thread, first.thread) || !bytes.Equal(again.audit, first.audit) {
		t.Fatalf("second start read other keys (%v)", err)
	}
	if logs.Len() != 0 {
		t.Errorf("second start logged: %s", logs.String())
	}
	recips, _, err := quarantineRecipients(cfg, log)
	if err != nil || len(recips) != 1 || !strings.HasPrefix(recips[0], "age1") {
		t.Fatalf("recipients %v, %v", recips, err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, identityFile)); err != nil {
		t.Errorf("identity not written: %v", err)
	}

	// Named files: read as they are, nothing made in the data directory.
	named := config.Default()
	named.DataDir = filepath.Join(t.TempDir(), "data")
	named.Store.ThreadKeyFile, named.Store.AuditKeyFile = keyFiles(t)
	want, _ := os.ReadFile(named.Store.ThreadKeyFile)
	got, err := loadSecrets(named, log)
	if err != nil || !bytes.Equal(got.thread, want) {
		t.Fatalf("named thread key not used (%v)", err)
	}
	if _, err := os.Stat(named.DataDir); !os.IsNotExist(err) {
		t.Errorf("a key was made in the data directory although both are named")
	}

	// A cluster's node makes nothing.
	pg := named
	pg.Store.Driver = "postgres"
	pg.Store.AuditKeyFile = ""
	if _, err := loadSecrets(pg, log); err == nil || !strings.Contains(err.Error(), "store.audit_key_file") {
		t.Errorf("postgres without a shared audit key: %v", err)
	}
	if _, _, err := quarantineRecipients(pg, log); err == nil || !strings.Contains(err.Error(), "quarantine.recipients") {
		t.Errorf("postgres without recipients: %v", err)
	}
	short := named
	if err := os.WriteFile(short.Store.AuditKeyFile, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadSecrets(short, log); err == nil || !strings.Contains(err.Error(), "5 bytes") {
		t.Errorf("short key file: %v", err)
	}
}

// TestCommandTable: every command is listed once and reached by its name.
func TestCommandTable(t *testing.T) {
	seen := map[string]bool{}
	var out, errb bytes.Buffer
	dispatch([]string{"help"}, &out, &errb)
	for _, c := range commands() {
		if seen[c.name] || c.run == nil || !strings.HasPrefix(c.usage, c.name+" ") {
			t.Errorf("command %q: duplicate, without a run function, or its usage does not start with its name", c.name)
		}
		seen[c.name] = true
		if !strings.Contains(errb.String(), c.usage) {
			t.Errorf("usage does not list %q", c.name)
		}
	}
	if code := dispatch([]string{"nosuch"}, &out, &errb); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}
