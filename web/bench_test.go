package web

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// BenchmarkQueuePage times the whole queue page, as a logged-in agent's
// browser asks for it (session lookup, desk's query, the template, the
// security headers), at 10 000 and 100 000 tickets on both backends: the
// first page of "all open", a later page by cursor, everything, "mine",
// a search for a word in 1 % of the tickets, and one ticket's page.
//
//	INTAKE_TEST_POSTGRES=... go test -run '^$' -bench QueuePage -benchtime 200ms ./web/
//
// The tickets are filled in bulk as tickets' BenchmarkQueuePage fills
// them (fillQueue below is its copy: test code is not shared across
// packages), then indexed for search by a first search.
func BenchmarkQueuePage(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, n := range []int{10_000, 100_000} {
			st, fill := benchStore(b, backend)
			start := time.Now()
			fill(n)
			ctx := context.Background()
			if _, err := st.QueryTickets(ctx, tickets.TicketQuery{Search: "topic1", Limit: 1}); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d tickets filled and indexed in %v", backend, n, time.Since(start).Round(time.Millisecond))

			acc := desk.NewAccounts(st, desk.AuthPolicy{}, nil)
			if _, _, err := acc.AddUser(ctx, cliAdmin, desk.NewUser{Name: "agent3", Roles: []tickets.Role{tickets.RoleAgent}, Password: testPassword}); err != nil {
				b.Fatal(err)
			}
			login, err := acc.Login(ctx, "agent3", testPassword, "127.0.0.1", "")
			if err != nil {
				b.Fatal(err)
			}
			srv, err := New(Options{Web: config.Web{Listen: "127.0.0.1:8080"}, Store: st, Accounts: acc, Logger: discardLogger()})
			if err != nil {
				b.Fatal(err)
			}
			h := srv.Handler()
			get := func(path string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(&http.Cookie{Name: srv.sessionCookie(), Value: login.Token})
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}
			first := get("/")
			m := regexp.MustCompile(`href="(/\?cursor=[^"]+)" rel="next"`).FindStringSubmatch(first.Body.String())
			if first.Code != 200 || m == nil {
				b.Fatalf("the first page: %d, no next link", first.Code)
			}
			page2 := strings.ReplaceAll(m[1], "&amp;", "&")
			for _, c := range []struct{ name, path string }{
				{"open-page1", "/"},
				{"open-page2", page2},
				{"all-page1", "/?view=all"},
				{"mine", "/?view=mine"},
				{"search-1pct", "/?view=all&q=topic42"},
				{"ticket", "/t/" + benchRef(n/2)},
			} {
				b.Run(fmt.Sprintf("%s/%d/%s", backend, n, c.name), func(b *testing.B) {
					for b.Loop() {
						rec := get(c.path)
						if rec.Code != 200 || !strings.Contains(rec.Body.String(), "T-B") {
							b.Fatalf("%s: %d", c.path, rec.Code)
						}
						b.SetBytes(int64(rec.Body.Len()))
					}
				})
			}
			st.Close()
		}
	}
}

// benchStore opens a store of backend for a benchmark and returns it
// with its bulk fill.
func benchStore(b *testing.B, backend string) (tickets.Store, func(n int)) {
	b.Helper()
	secret := make([]byte, 32)
	rand.Read(secret)
	o := tickets.Options{Driver: backend, Secret: secret}
	dir := b.TempDir()
	var dsn, schema string
	switch backend {
	case "sqlite":
		o.DataDir = dir
	case "postgres":
		dsn = os.Getenv("INTAKE_TEST_POSTGRES")
		if dsn == "" {
			b.Skip("INTAKE_TEST_POSTGRES not set; PostgreSQL backend not measured")
		}
		var r [6]byte
		rand.Read(r[:])
		schema = "web_bench_" + hex.EncodeToString(r[:])
		o.DSN, o.Schema = dsn, schema
		b.Cleanup(func() {
			ctx := context.Background()
			if conn, err := pgx.Connect(ctx, dsn); err == nil {
				conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
				conn.Close(ctx)
			}
		})
	}
	st, err := tickets.Open(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	return st, func(n int) { fillQueue(b, backend, dir, dsn, schema, n) }
}

// The bulk fill, as in tickets/queue_bench_test.go, but for the refs:
// benchRef makes ones that parse (T-B and i in the ref alphabet), so
// that a ticket's page can be asked for.

func benchRef(i int) string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := []byte("T-B22222")
	for k := len(b) - 1; i > 0; k-- {
		b[k] = alphabet[i%32]
		i /= 32
	}
	return string(b)
}

func benchStatus(i int) tickets.Status {
	switch i % 20 {
	case 0, 1:
		return tickets.StatusNew
	case 2:
		return tickets.StatusOpen
	case 3, 4:
		return tickets.StatusPending
	case 5:
		return tickets.StatusSpam
	case 6, 7, 8, 9, 10:
		return tickets.StatusSolved
	}
	return tickets.StatusClosed
}

func benchRow(i int, base time.Time) (t []any, m []any, p []any) {
	tid, mid := uuid.NewString(), uuid.NewString()
	created := base.Add(time.Duration(i) * time.Minute).UnixMicro()
	activity := created
	if i%10 == 0 {
		activity += int64(time.Hour / time.Microsecond) // a follow-up
	}
	assignee := ""
	if i%3 == 0 {
		assignee = fmt.Sprintf("agent%d", i%10)
	}
	subject := fmt.Sprintf("Question about topic%d, ref %d", i%100, i)
	body := fmt.Sprintf("Hello, I need help with my account. It is about topic%d and tok%d. My card **** **** **** %04d was charged twice; please look into it.", i%100, i, i%10000)
	t = []any{tid, benchRef(i), string(benchStatus(i)), "support", fmt.Sprintf("m%d@example.org", i%5000), "", assignee, subject,
		int64(i % 2), int64(i % 7 / 6), "pass", "none", "pass", int64(1), created, activity, "", activity}
	m = []any{mid, tid, "inbound", fmt.Sprintf("b%d@example.org", i), "", "[]", fmt.Sprintf("m%d@example.org", i%5000), "", subject,
		"{}", "[]", "", "", "", "", "[]", "[]", "", int64(len(body)), activity}
	p = []any{mid, int64(0), "body", "text/plain", "", int64(0), body, int64(0), ""}
	return
}

const (
	benchTicketCols  = "id, ref, status, queue, requester, requester_name, assignee, subject, sensitive, withheld, spf, dkim, dmarc, messages, created_at, updated_at, related_ref, activity_at"
	benchMessageCols = "id, ticket_id, kind, message_id, in_reply_to, refs, from_addr, from_name, subject, envelope, headers, auth_results, spf, dkim, dmarc, findings, unscannable, quarantine_id, size, created_at"
	benchPartCols    = "message_id, idx, location, content_type, filename, html, body, withheld, reason"
)

func fillQueue(b testing.TB, backend, dir, dsn, schema string, n int) {
	ctx := context.Background()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if backend == "sqlite" {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, tickets.DBFile)+"?_pragma=busy_timeout(10000)")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		ins := func(table, cols string, k int) *sql.Stmt {
			s, err := tx.PrepareContext(ctx, "INSERT INTO "+table+" ("+cols+") VALUES (?"+strings.Repeat(", ?", k-1)+")")
			if err != nil {
				b.Fatal(err)
			}
			return s
		}
		st, sm, sp := ins("tickets", benchTicketCols, 18), ins("messages", benchMessageCols, 20), ins("parts", benchPartCols, 9)
		for i := 0; i < n; i++ {
			t, m, p := benchRow(i, base)
			for _, x := range []struct {
				s    *sql.Stmt
				args []any
			}{{st, t}, {sm, m}, {sp, p}} {
				if _, err := x.s.ExecContext(ctx, x.args...); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		return
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = schema
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var ts, ms, ps [][]any
	for i := 0; i < n; i++ {
		t, m, p := benchRow(i, base)
		ts, ms, ps = append(ts, t), append(ms, m), append(ps, p)
	}
	for _, c := range []struct {
		table, cols string
		rows        [][]any
	}{{"tickets", benchTicketCols, ts}, {"messages", benchMessageCols, ms}, {"parts", benchPartCols, ps}} {
		cols := strings.Split(c.cols, ",")
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{c.table}, cols, pgx.CopyFromRows(c.rows)); err != nil {
			b.Fatalf("copy %s: %v", c.table, err)
		}
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
