package tickets

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The conformance suite runs every test against each backend: SQLite in a
// temporary directory always, PostgreSQL (a fresh schema per test, dropped
// after) when INTAKE_TEST_POSTGRES names a server.

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is one backend's fresh store for one test.
type harness struct {
	t       testing.TB
	backend string
	dir     string // data directory (sqlite)
	dsn     string // postgres
	schema  string
	secret  []byte
	clock   *clock
	s       Store
}

const envPostgres = "INTAKE_TEST_POSTGRES"

// forEachBackend runs fn once per backend as a subtest. PostgreSQL is
// skipped, visibly, when the environment does not name a server.
func forEachBackend(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, name, Options{})
			fn(t, h)
		})
	}
}

func newHarness(t testing.TB, backend string, o Options) *harness {
	t.Helper()
	h := &harness{t: t, backend: backend, secret: make([]byte, 32),
		clock: &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	rand.Read(h.secret)
	switch backend {
	case "sqlite":
		h.dir = t.TempDir()
	case "postgres":
		h.dsn = os.Getenv(envPostgres)
		if h.dsn == "" {
			t.Skip(envPostgres + " not set; PostgreSQL backend not tested here (CI sets it)")
		}
		var b [6]byte
		rand.Read(b[:])
		h.schema = "intake_test_" + hex.EncodeToString(b[:])
		t.Cleanup(h.dropSchema)
	}
	h.s = h.open(o)
	t.Cleanup(func() { h.s.Close() })
	return h
}

func (h *harness) options(o Options) Options {
	o.Driver = h.backend
	o.DataDir = h.dir
	o.Secret = h.secret
	if o.Now == nil {
		o.Now = h.clock.Now
	}
	if h.backend == "postgres" {
		o.DSN, o.Schema = h.dsn, h.schema
	}
	return o
}

// open opens another store on the same data (a second node, or a restart).
func (h *harness) open(o Options) Store {
	h.t.Helper()
	s, err := Open(context.Background(), h.options(o))
	if err != nil {
		h.t.Fatalf("open %s store: %v", h.backend, err)
	}
	return s
}

func (h *harness) dropSchema() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, h.dsn)
	if err != nil {
		h.t.Logf("drop test schema: %v", err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{h.schema}.Sanitize()+" CASCADE"); err != nil {
		h.t.Logf("drop test schema: %v", err)
	}
}

// raw runs SQL on the backend behind the store's back (to tamper, or to
// look), with ? placeholders.
func (h *harness) raw(query string, args ...any) int64 {
	h.t.Helper()
	ctx := context.Background()
	switch h.backend {
	case "sqlite":
		db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(h.dir, DBFile), false, time.Second))
		if err != nil {
			h.t.Fatalf("raw sqlite: %v", err)
		}
		defer db.Close()
		res, err := db.ExecContext(ctx, query, args...)
		if err != nil {
			h.t.Fatalf("raw sqlite %q: %v", query, err)
		}
		n, _ := res.RowsAffected()
		return n
	default:
		cfg, err := pgx.ParseConfig(h.dsn)
		if err != nil {
			h.t.Fatalf("raw postgres: %v", err)
		}
		cfg.RuntimeParams["search_path"] = h.schema
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			h.t.Fatalf("raw postgres: %v", err)
		}
		defer conn.Close(ctx)
		tag, err := conn.Exec(ctx, rebind(query), args...)
		if err != nil {
			h.t.Fatalf("raw postgres %q: %v", query, err)
		}
		return tag.RowsAffected()
	}
}

// count counts rows in a table through the store's own read path.
func (h *harness) count(table string) int {
	h.t.Helper()
	c := coreOf(h.s)
	var n int64
	if err := one(c.read.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table), &n); err != nil {
		h.t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

func coreOf(s Store) *core {
	if c := coreOfStore(s); c != nil {
		return c
	}
	panic(fmt.Sprintf("unknown store %T", s))
}

// sample is an inbound message as the gateway would build it: masked text,
// a finding with its last four, a sealed original when sensitive.
func sample(i int, sealed []byte) *Inbound {
	mid := fmt.Sprintf("msg-%d-%s@member.example", i, uuid.NewString())
	in := &Inbound{
		Queue:       "support",
		Envelope:    Envelope{MailFrom: "member@example.org", Rcpts: []string{"help@support.localhost"}, ClientIP: "127.0.0.1", Helo: "mx.example.org"},
		MessageID:   mid,
		Subject:     fmt.Sprintf("My account %d, SSN ***-**-6789", i),
		From:        "Member@Example.org",
		FromName:    "A Member",
		Headers:     []Header{{Name: "Subject", Value: "My account, SSN ***-**-6789"}, {Name: "Date", Value: "Sun, 1 Mar 2026 09:00:00 +0000"}},
		AuthResults: "mx.support.localhost; spf=pass smtp.mailfrom=example.org",
		Auth:        AuthVerdicts{SPF: "pass", DKIM: "none", DMARC: "pass"},
		Parts: []Part{
			{Where: "body", ContentType: "text/plain", Text: "Hello, my number is ***-**-6789, please help."},
			{Where: "attachment:scan.pdf", ContentType: "application/pdf", Filename: "scan.pdf", Withheld: true, Reason: "encrypted"},
		},
		Attachments: []Attachment{{Name: "notes.txt", ContentType: "text/plain", Content: []byte("nothing to see")}},
		Findings:    []Finding{{Type: "ssn", Last4: "6789", Where: "body"}},
		Unscannable: []Unscannable{{Where: "attachment:scan.pdf", Reason: "encrypted"}},
		Sealed:      sealed,
		Size:        4096,
	}
	in.DedupKey = keyFor(in, "mx1")
	return in
}

// rawFor is the message in as its sender sent it, received through hop:
// a retry through another hop differs only in its trace fields.
func rawFor(in *Inbound, hop string) []byte {
	return []byte("Received: from " + hop + ".member.example by mx.support.localhost (intake) id " + hop + "\r\n" +
		"Authentication-Results: mx.support.localhost; spf=pass (" + hop + ")\r\n" +
		"X-Intake-Trace: " + hop + "\r\n" +
		"From: " + in.FromName + " <" + in.From + ">\r\n" +
		"Message-ID: <" + in.MessageID + ">\r\n" +
		"Subject: " + in.Subject + "\r\n\r\n" + in.Parts[0].Text + "\r\n")
}

// keyFor is the dedup key the gateway would give in, received via hop.
func keyFor(in *Inbound, hop string) string {
	return DedupKey(in.Queue, in.Envelope.MailFrom, in.MessageID, rawFor(in, hop))
}

func mustAccept(t testing.TB, s Store, in *Inbound) Accepted {
	t.Helper()
	acc, err := s.Accept(context.Background(), in)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	return acc
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustStat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}
