package desk

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// The desk runs on a real store of each backend (SQLite in a temporary
// directory; PostgreSQL in a fresh schema when INTAKE_TEST_POSTGRES names
// a server) and composes replies with the real reply.Responder.

const envPostgres = "INTAKE_TEST_POSTGRES"

type env struct {
	t       testing.TB
	backend string
	dir     string // sqlite data directory
	dsn     string
	schema  string
	secret  []byte
	st      tickets.Store
	d       *Desk
	logs    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) { fn(t, newEnv(t, b)) })
	}
}

func newEnv(t testing.TB, backend string) *env {
	t.Helper()
	e := &env{t: t, backend: backend, secret: make([]byte, 32), logs: &syncBuffer{}}
	rand.Read(e.secret)
	o := tickets.Options{Driver: backend, Secret: e.secret}
	switch backend {
	case "sqlite":
		e.dir = t.TempDir()
		o.DataDir = e.dir
	case "postgres":
		e.dsn = os.Getenv(envPostgres)
		if e.dsn == "" {
			t.Skip(envPostgres + " not set; PostgreSQL backend not tested here (CI sets it)")
		}
		var b [6]byte
		rand.Read(b[:])
		e.schema = "desk_test_" + hex.EncodeToString(b[:])
		o.DSN, o.Schema = e.dsn, e.schema
		t.Cleanup(e.dropSchema)
	}
	st, err := tickets.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open %s store: %v", backend, err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	r, err := reply.NewResponder(reply.ResponderOptions{
		Policy:      reply.Policy{},
		From:        "support@support.localhost",
		OrgName:     "Example Credit Union",
		Phone:       "+1 555 0100",
		MessageID:   tickets.NewThreader(e.secret).MessageID,
		GiveUp:      24 * time.Hour,
		StaffGiveUp: 5 * 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.d, err = New(Options{Store: st, Replier: r, Logger: slog.New(slog.NewTextHandler(e.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) dropSchema() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.dsn)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{e.schema}.Sanitize()+" CASCADE")
}

// exec runs SQL behind the store's back ($1-style placeholders on both:
// SQLite takes them too).
func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	ctx := context.Background()
	if e.backend == "sqlite" {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(e.dir, tickets.DBFile)+"?_pragma=busy_timeout(5000)")
		if err != nil {
			e.t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			e.t.Fatalf("exec %q: %v", q, err)
		}
		return
	}
	cfg, err := pgx.ParseConfig(e.dsn)
	if err != nil {
		e.t.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = e.schema
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, q, args...); err != nil {
		e.t.Fatalf("exec %q: %v", q, err)
	}
}

// addUser makes a staff account straight in the table (the accounts side
// owns how they are made; the desk only reads them).
func (e *env) addUser(name string, disabled bool, roles ...tickets.Role) {
	e.t.Helper()
	rs := make([]string, len(roles))
	for i, r := range roles {
		rs[i] = `"` + string(r) + `"`
	}
	d := 0
	if disabled {
		d = 1
	}
	e.exec("INSERT INTO users (id, name, roles, password_hash, disabled, created_at) VALUES ($1, $2, $3, '', $4, $5)",
		uuid.NewString(), name, "["+strings.Join(rs, ",")+"]", d, time.Now().UnixMicro())
}

// file files a member message: sensitive ones with a masked number, a
// finding and a sealed original; each with a clean attachment.
func (e *env) file(subject, body, from string, sensitive bool) tickets.Accepted {
	e.t.Helper()
	in := &tickets.Inbound{
		Queue:       "support",
		Envelope:    tickets.Envelope{MailFrom: from, Rcpts: []string{"help@support.localhost"}, ClientIP: "127.0.0.1"},
		MessageID:   letters(16) + "@member.example", // digits could look like a number, and not be echoed
		Subject:     subject,
		From:        from,
		Parts:       []tickets.Part{{Where: "body", ContentType: "text/plain", Text: body}},
		Attachments: []tickets.Attachment{{Name: "notes.txt", ContentType: "text/plain", Content: []byte("nothing to see")}},
		Auth:        tickets.AuthVerdicts{SPF: "pass", DMARC: "pass"},
	}
	if sensitive {
		in.Findings = []tickets.Finding{{Type: "ssn", Last4: "8350", Where: "body"}}
		in.Sealed = []byte("age-encryption.org/v1 sealed stand-in")
	}
	in.DedupKey = tickets.DedupKey(in.Queue, in.Envelope.MailFrom, in.MessageID, []byte(in.MessageID))
	acc, err := e.st.Accept(context.Background(), in)
	if err != nil {
		e.t.Fatalf("accept: %v", err)
	}
	return acc
}

// fileWithheld files a member message whose text attachment
// statement.txt the gateway withheld (its charset unknown), with the
// sealed original, as a privacy officer would find it.
func (e *env) fileWithheld(subject string) tickets.Accepted {
	e.t.Helper()
	in := &tickets.Inbound{
		Queue:     "support",
		Envelope:  tickets.Envelope{MailFrom: "member@example.org", Rcpts: []string{"help@support.localhost"}, ClientIP: "127.0.0.1"},
		MessageID: letters(16) + "@member.example",
		Subject:   subject,
		From:      "member@example.org",
		Parts: []tickets.Part{{Where: "body", ContentType: "text/plain", Text: "My statement is attached."},
			{Where: "attachment:statement.txt", ContentType: "text/plain", Filename: "statement.txt", Withheld: true, Reason: "unknown_charset"}},
		Unscannable: []tickets.Unscannable{{Where: "attachment:statement.txt", Reason: "unknown_charset"}},
		Auth:        tickets.AuthVerdicts{SPF: "pass", DMARC: "pass"},
		Sealed:      []byte("age-encryption.org/v1 sealed stand-in"),
	}
	in.DedupKey = tickets.DedupKey(in.Queue, in.Envelope.MailFrom, in.MessageID, []byte(in.MessageID))
	acc, err := e.st.Accept(context.Background(), in)
	if err != nil {
		e.t.Fatalf("accept: %v", err)
	}
	return acc
}

// ticket is ref's stored detail.
func (e *env) ticket(ref string) *tickets.TicketDetail {
	e.t.Helper()
	d, err := e.st.GetTicket(context.Background(), ref)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// events are the audit events of action, newest first.
func (e *env) events(action string) []tickets.AuditEvent {
	e.t.Helper()
	evs, err := e.st.QueryAudit(context.Background(), tickets.AuditQuery{Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func actor(name string, roles ...tickets.Role) Actor {
	return Actor{Name: name, Roles: roles, Via: "web"}
}

var (
	agent   = actor("alice", tickets.RoleAgent)
	privacy = actor("pat", tickets.RolePrivacy)
	admin   = actor("root", tickets.RoleAdmin)
	nobody  = actor("nina")
)

func code(err error) string {
	if err == nil {
		return "ok"
	}
	e := AsError(err)
	return fmt.Sprintf("%d %s", e.Status, e.Code)
}

// letters is a random string of n lower-case letters.
func letters(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}
