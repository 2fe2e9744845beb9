package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intake-mail/intake/tickets"
)

// TestBackupWhileServing: `intake backup` copies the SQLite store while
// serve takes mail from several clients at once. The copy holds every
// ticket acknowledged before the backup began and only acknowledged
// ones, its audit chain verifies with the node's key, and restoring it
// (stop, replace the database, start) brings those tickets back on a
// node that takes mail again.
func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := testConfig(t, data)
	cfg.Reply.Enabled = false
	cfgFile := filepath.Join(dir, "intake.toml")
	if err := os.WriteFile(cfgFile, []byte(fmt.Sprintf("data_dir = %q\n[reply]\nenabled = false\n", data)), 0o600); err != nil {
		t.Fatal(err)
	}
	r, stop := startServe(t, cfg, &lockedBuffer{})
	gw := r.smtp.String()

	message := func(i int) string {
		body := "Please call me back."
		if i%10 < 3 {
			body = "My SSN is " + e2eSSN + "."
		}
		return fmt.Sprintf("From: m%d@member.test\nSubject: backup %d\nMessage-ID: <backup-%d@member.test>\n\n%s\n", i, i, i, body)
	}
	var mu sync.Mutex
	var acked []string
	var seq atomic.Int64
	sendNext := func() error {
		i := int(seq.Add(1))
		ref, err := deliverTo(gw, fmt.Sprintf("m%d@member.test", i), message(i))
		if err != nil {
			return err
		}
		mu.Lock()
		acked = append(acked, ref)
		mu.Unlock()
		return nil
	}
	for range 20 {
		if err := sendNext(); err != nil {
			t.Fatal(err)
		}
	}

	// Four clients keep sending through the backup.
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := sendNext(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for seq.Load() < 60 {
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	copyPath := filepath.Join(dir, "backup.db")
	var out, errb bytes.Buffer
	if code := dispatch([]string{"backup", "--out", copyPath, "--config", cfgFile}, &out, &errb); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, errb.String())
	}
	afterBackup := seq.Load()
	for seq.Load() < afterBackup+20 {
		time.Sleep(5 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("load: %v", err)
	}
	t.Logf("backup: %s(%d messages acknowledged before it began, %d in all)", out.String(), len(before), len(acked))
	if fi, err := os.Stat(copyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("copy: %v, mode %v", err, fi.Mode())
	}

	inCopy := refsIn(t, copyPath)
	for _, ref := range before {
		if !inCopy[ref] {
			t.Errorf("%s acknowledged before the backup, missing from the copy", ref)
		}
	}
	all := map[string]bool{}
	for _, ref := range acked {
		all[ref] = true
	}
	for ref := range inCopy {
		if !all[ref] {
			t.Errorf("%s in the copy was never acknowledged", ref)
		}
	}
	if len(inCopy) >= len(all) {
		t.Errorf("the copy holds %d tickets of %d: the load did not go on past it", len(inCopy), len(all))
	}

	// The copy on its own, with the node's keys: the audit chain holds.
	restored := filepath.Join(dir, "restored")
	os.MkdirAll(restored, 0o700)
	copyFile(t, copyPath, filepath.Join(restored, tickets.DBFile))
	for _, k := range []string{tickets.AuditKeyFile, threadKeyFile} {
		copyFile(t, filepath.Join(data, k), filepath.Join(restored, k))
	}
	restoredCfg := filepath.Join(dir, "restored.toml")
	os.WriteFile(restoredCfg, []byte(fmt.Sprintf("data_dir = %q\n", restored)), 0o600)
	out.Reset()
	errb.Reset()
	if code := dispatch([]string{"audit", "verify", "--config", restoredCfg}, &out, &errb); code != 0 {
		t.Fatalf("audit verify on the copy: exit %d\n%s%s", code, out.String(), errb.String())
	}

	// Restore: stop, replace, start. The copy's tickets are there, and
	// the node takes mail again.
	stop()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(data, tickets.DBFile+suffix))
	}
	copyFile(t, copyPath, filepath.Join(data, tickets.DBFile))
	r, stop = startServe(t, cfg, &lockedBuffer{})
	defer stop()
	out.Reset()
	errb.Reset()
	if code := dispatch([]string{"tickets", "list", "--json", "--config", cfgFile}, &out, &errb); code != 0 {
		t.Fatalf("tickets list after restore: exit %d: %s", code, errb.String())
	}
	listed := map[string]bool{}
	dec := json.NewDecoder(&out)
	for dec.More() {
		var tk struct{ Ref string }
		if err := dec.Decode(&tk); err != nil {
			t.Fatal(err)
		}
		listed[tk.Ref] = true
	}
	if len(listed) != len(inCopy) {
		t.Errorf("after restore %d tickets listed, the copy holds %d", len(listed), len(inCopy))
	}
	for ref := range inCopy {
		if !listed[ref] {
			t.Errorf("%s not there after restore", ref)
		}
	}
	if _, err := deliverTo(r.smtp.String(), "late@member.test", message(100000)); err != nil {
		t.Fatalf("mail after restore: %v", err)
	}
}

// TestBackupPostgresPointsAtPgDump: PostgreSQL is backed up with its own
// tools; the command says so instead of pretending.
func TestBackupPostgresPointsAtPgDump(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "intake.toml")
	os.WriteFile(cfgFile, []byte("[store]\ndriver = \"postgres\"\ndsn = \"postgres://intake:hunter2-secret@127.0.0.1:1/intake\"\n"), 0o600)
	var out, errb bytes.Buffer
	code := dispatch([]string{"backup", "--out", filepath.Join(dir, "x.db"), "--config", cfgFile}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "pg_dump") || strings.Contains(errb.String(), "hunter2") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); err == nil {
		t.Error("a file was written")
	}
	// An existing file is never overwritten.
	existing := filepath.Join(dir, "existing.db")
	os.WriteFile(existing, []byte("keep"), 0o600)
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o700)
	os.WriteFile(filepath.Join(data, tickets.DBFile), nil, 0o600)
	os.WriteFile(cfgFile, []byte(fmt.Sprintf("data_dir = %q\n", data)), 0o600)
	errb.Reset()
	if code := dispatch([]string{"backup", "--out", existing, "--config", cfgFile}, &out, &errb); code != 1 {
		t.Errorf("backup over an existing file: exit %d: %s", code, errb.String())
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep" {
		t.Error("the existing file was changed")
	}
}

func refsIn(t *testing.T, path string) map[string]bool {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(ON)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT ref FROM tickets")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	refs := map[string]bool{}
	for rows.Next() {
		var ref string
		rows.Scan(&ref)
		refs[ref] = true
	}
	return refs
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
