package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

// TestStoreCopyCLI moves a SQLite store with sealed items to PostgreSQL
// (to another SQLite store where no server is named) with `intake store
// copy`: the target lists the same tickets, its audit chain verifies with
// `intake audit verify`, a second copy into it is refused, and a target
// configured with other keys is refused before anything is copied.
func TestStoreCopyCLI(t *testing.T) {
	src := newCLIEnv(t, "sqlite", 25)
	dir := t.TempDir()
	target := filepath.Join(dir, "target.toml")
	// The target uses the source's keys, by name.
	keys := fmt.Sprintf("thread_key_file = %q\naudit_key_file = %q\n", filepath.Join(src.data, threadKeyFile), filepath.Join(src.data, tickets.AuditKeyFile))
	conf := fmt.Sprintf("data_dir = %q\n[store]\n", filepath.Join(dir, "data"))
	if os.Getenv(envPostgres) != "" {
		dsn, _ := pgSchema(t, "intake_copy_")
		conf += fmt.Sprintf("driver = \"postgres\"\ndsn = %q\n", dsn)
	} else {
		t.Logf("%s not set: copying SQLite to SQLite", envPostgres)
	}
	os.WriteFile(target, []byte(conf+keys), 0o600)

	code, out, errOut := tkRun(t, "store", "copy", "--from", src.cfg, "--to", target)
	if code != 0 {
		t.Fatalf("store copy: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("store copy:\n%s", out)
	if !strings.Contains(out, "target audit chain intact") {
		t.Errorf("no verify line:\n%s", out)
	}
	if code, out, errOut := tkRun(t, "audit", "verify", "--config", target); code != 0 {
		t.Fatalf("audit verify on the target: exit %d\n%s%s", code, out, errOut)
	}
	list := func(cfg string) []string {
		code, out, errOut := tkRun(t, "tickets", "list", "--json", "--config", cfg)
		if code != 0 {
			t.Fatalf("tickets list: %s", errOut)
		}
		var refs []string
		dec := json.NewDecoder(strings.NewReader(out))
		for dec.More() {
			var tk struct{ Ref string }
			if err := dec.Decode(&tk); err != nil {
				t.Fatal(err)
			}
			refs = append(refs, tk.Ref)
		}
		return refs
	}
	if a, b := list(src.cfg), list(target); len(a) != 25 || strings.Join(a, " ") != strings.Join(b, " ") {
		t.Errorf("source lists %v, target %v", a, b)
	}
	if code, _, errOut := tkRun(t, "store", "copy", "--from", src.cfg, "--to", target); code != 1 || !strings.Contains(errOut, "not empty") {
		t.Errorf("second copy: exit %d: %s", code, errOut)
	}

	other := filepath.Join(dir, "other.toml")
	os.WriteFile(other, []byte(fmt.Sprintf("data_dir = %q\n", filepath.Join(dir, "other"))), 0o600)
	if code, _, errOut := tkRun(t, "store", "copy", "--from", src.cfg, "--to", other); code != 1 || !strings.Contains(errOut, "different keys") {
		t.Errorf("copy to a store with other keys: exit %d: %s", code, errOut)
	}
}
