package tickets

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Faults of ours surface as clear errors, never a panic and never a
// half-written ticket, and the store serves again once the fault is gone.

// assertNoMessage fails if a message with this Message-ID was stored.
func assertNoMessage(t *testing.T, h *harness, mid string) {
	t.Helper()
	var n int64
	if err := one(coreOf(h.s).read.QueryRow(context.Background(), "SELECT COUNT(*) FROM messages WHERE message_id = ?", mid), &n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("failed accept left %d messages behind", n)
	}
}

func TestSQLiteDiskFull(t *testing.T) {
	h := newHarness(t, "sqlite", Options{})
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		mustAccept(t, h.s, sample(i, []byte("sealed")))
	}
	before := h.count("tickets")
	s := h.s.(*sqliteStore)
	// PRAGMAs on the writer's own connection, which its goroutine holds.
	pragma := func(q string, dest ...any) error {
		return s.onWriter(ctx, func(c *sql.Conn) error {
			if len(dest) > 0 {
				return c.QueryRowContext(ctx, q).Scan(dest...)
			}
			_, err := c.ExecContext(ctx, q)
			return err
		})
	}
	var pages int64
	if err := pragma("PRAGMA page_count", &pages); err != nil {
		t.Fatal(err)
	}
	// max_page_count makes SQLite answer exactly as on a full disk
	// (SQLITE_FULL) once the file would grow past it.
	if err := pragma(fmt.Sprintf("PRAGMA max_page_count = %d", pages+1)); err != nil {
		t.Fatal(err)
	}
	big := sample(100, make([]byte, 256<<10))
	_, err := h.s.Accept(ctx, big)
	if err == nil || IsInvalid(err) || !strings.Contains(err.Error(), "full") {
		t.Fatalf("accept on a full disk: %v, want a store fault naming it", err)
	}
	assertNoMessage(t, h, big.MessageID)
	if n := h.count("tickets"); n != before {
		t.Fatalf("%d tickets after the failure, want %d", n, before)
	}
	if err := pragma("PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if acc := mustAccept(t, h.s, big); acc.Duplicate {
		t.Fatalf("retry after the disk had room was taken for a duplicate")
	}
	if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("audit after disk full: %+v, %v", rep, err)
	}
}

func TestSQLiteLockedByAnotherProcess(t *testing.T) {
	h := newHarness(t, "sqlite", Options{BusyTimeout: 200 * time.Millisecond})
	ctx := context.Background()
	mustAccept(t, h.s, sample(0, nil))

	other, err := Open(ctx, Options{DataDir: h.dir, Secret: h.secret, BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	// The other store's writer holds the lock, as another process would.
	onOther := func(q string) error {
		return other.(*sqliteStore).onWriter(ctx, func(c *sql.Conn) error {
			_, err := c.ExecContext(ctx, q)
			return err
		})
	}
	if err := onOther("BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	in := sample(1, []byte("sealed"))
	_, err = h.s.Accept(ctx, in)
	if err == nil || IsInvalid(err) || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("accept while locked: %v, want a locked-store fault", err)
	}
	if err := h.s.Ping(ctx); err != nil {
		t.Fatalf("reads fail while another process writes: %v", err)
	}
	if err := onOther("ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if acc := mustAccept(t, h.s, in); acc.Duplicate {
		t.Fatalf("retry after the lock was taken for a duplicate")
	}
}

func TestSQLiteCorruptFile(t *testing.T) {
	ctx := context.Background()
	secret := make([]byte, 32)
	rand.Read(secret)

	garbage := t.TempDir()
	os.WriteFile(filepath.Join(garbage, DBFile), []byte(strings.Repeat("not a database at all ", 500)), 0o600)
	if _, err := Open(ctx, Options{DataDir: garbage, Secret: secret}); err == nil || !strings.Contains(err.Error(), "open sqlite store") {
		t.Fatalf("open of a garbage file: %v", err)
	}

	// A real store whose table pages were overwritten: the header and
	// schema read fine, the data does not.
	dir := t.TempDir()
	s, err := Open(ctx, Options{DataDir: dir, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		mustAccept(t, s, sample(i, []byte("sealed")))
	}
	s.Close()
	path := filepath.Join(dir, DBFile)
	b, _ := os.ReadFile(path)
	for i := 8 * 4096; i < len(b); i++ {
		b[i] ^= 0x5a
	}
	os.WriteFile(path, b, 0o600)

	s, err = Open(ctx, Options{DataDir: dir, Secret: secret})
	if err != nil {
		return // refused at open: clear enough
	}
	defer s.Close()
	_, lerr := s.ListTickets(ctx, TicketFilter{})
	_, aerr := s.Accept(ctx, sample(1000, nil))
	_, verr := s.VerifyAudit(ctx)
	if lerr == nil && aerr == nil && verr == nil {
		t.Fatalf("a corrupt store answered every call without error")
	}
}

func TestPostgresGoesAwayMidTransaction(t *testing.T) {
	h := newHarness(t, "postgres", Options{})
	ctx := context.Background()
	var b [4]byte
	rand.Read(b[:])
	app := "intake_test_kill_" + hex.EncodeToString(b[:])
	o := h.options(Options{})
	if strings.Contains(o.DSN, "?") {
		o.DSN += "&application_name=" + app
	} else {
		o.DSN += "?application_name=" + app
	}
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	in := sample(1, []byte("sealed"))
	in.Outbox = []OutboxJob{{Kind: "reply.sensitive", Recipient: "member@example.org"}}
	kill := true
	coreOf(s).acceptFault = func(*Inbound) error {
		if !kill {
			return nil
		}
		// The server drops our connection while the transaction is open.
		conn, err := pgx.Connect(ctx, h.dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", app)
		return err
	}
	if _, err := s.Accept(ctx, in); err == nil || IsInvalid(err) {
		t.Fatalf("accept across a dropped connection: %v, want a store fault", err)
	}
	assertNoMessage(t, h, in.MessageID)

	// The pool recovers; the sender's retry is filed once.
	kill = false
	var acc Accepted
	for try := 0; try < 5; try++ {
		if acc, err = s.Accept(ctx, in); err == nil {
			break
		}
	}
	if err != nil || acc.Duplicate {
		t.Fatalf("accept after reconnect: %+v, %v", acc, err)
	}
	if n := h.count("tickets"); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}
