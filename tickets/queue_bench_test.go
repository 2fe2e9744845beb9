package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// BenchmarkQueuePage times the queue at 10 000 and 100 000 tickets on
// both backends: the first page of the "open" view (new, open, pending:
// the UNION form), a later page (keyset), a page of one agent's tickets,
// and searches for a rare word, a word in 1 % of tickets and a word in
// every ticket. The tickets are filled in bulk (not through Accept) with
// the indexes and search documents Accept would leave.
//
//	INTAKE_TEST_POSTGRES=... go test -run '^$' -bench QueuePage -benchtime 200ms ./tickets/

func BenchmarkQueuePage(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, n := range []int{10_000, 100_000} {
			h := newHarness(b, backend, Options{})
			start := time.Now()
			fillQueue(b, h, n)
			if _, err := coreOf(h.s).indexPending(context.Background()); err != nil {
				b.Fatal(err)
			}
			if backend == "postgres" {
				h.raw("VACUUM ANALYZE")
			}
			b.Logf("%s: %d tickets filled and indexed in %v", backend, n, time.Since(start).Round(time.Millisecond))
			ctx := context.Background()
			open := []Status{StatusNew, StatusOpen, StatusPending}
			first, err := h.s.QueryTickets(ctx, TicketQuery{Statuses: open, Limit: 50})
			if err != nil || len(first) != 50 {
				b.Fatalf("first page: %d, %v", len(first), err)
			}
			after := CursorOf(first[49])
			for _, c := range []struct {
				name string
				q    TicketQuery
				min  int
			}{
				{"open-page1", TicketQuery{Statuses: open, Limit: 50}, 50},
				{"open-page2", TicketQuery{Statuses: open, Limit: 50, After: &after}, 50},
				{"all-page1", TicketQuery{Limit: 50}, 50},
				{"mine", TicketQuery{Statuses: open, Assignee: ptr("agent3"), Limit: 50}, 1},
				{"search-rare", TicketQuery{Search: fmt.Sprintf("tok%d", n/2), Limit: 50}, 1},
				{"search-1pct", TicketQuery{Search: "topic42", Limit: 50}, 50},
				{"search-every", TicketQuery{Search: "account", Limit: 50}, 50},
				{"search-open-1pct", TicketQuery{Statuses: open, Search: "topic42", Limit: 50}, 1},
			} {
				b.Run(fmt.Sprintf("%s/%d/%s", backend, n, c.name), func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						ts, err := h.s.QueryTickets(ctx, c.q)
						if err != nil || len(ts) < c.min {
							b.Fatalf("%d tickets, %v", len(ts), err)
						}
					}
				})
			}
			h.s.Close()
		}
	}
}

// benchStatus spreads the queue as a help desk's looks: most tickets
// done, some open, a few pending or spam.
func benchStatus(i int) Status {
	switch i % 20 {
	case 0, 1:
		return StatusNew
	case 2:
		return StatusOpen
	case 3, 4:
		return StatusPending
	case 5:
		return StatusSpam
	case 6, 7, 8, 9, 10:
		return StatusSolved
	}
	return StatusClosed
}

func benchRow(i int, base time.Time) (t []any, m []any, p []any) {
	tid, mid := uuid.NewString(), uuid.NewString()
	created := micros(base.Add(time.Duration(i) * time.Minute))
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
	t = []any{tid, fmt.Sprintf("T-B%05d", i), string(benchStatus(i)), "support", fmt.Sprintf("m%d@example.org", i%5000), "", assignee, subject,
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

func fillQueue(b testing.TB, h *harness, n int) {
	ctx := context.Background()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	switch h.backend {
	case "sqlite":
		db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(h.dir, DBFile), false, 10*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		ins := func(table, cols string, k int) *sql.Stmt {
			q := "INSERT INTO " + table + " (" + cols + ") VALUES (?" + strings.Repeat(", ?", k-1) + ")"
			st, err := tx.PrepareContext(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			return st
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
	default:
		cfg, err := pgx.ParseConfig(h.dsn)
		if err != nil {
			b.Fatal(err)
		}
		cfg.RuntimeParams["search_path"] = h.schema
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
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{c.table}, splitCols(c.cols), pgx.CopyFromRows(c.rows)); err != nil {
				b.Fatalf("copy %s: %v", c.table, err)
			}
		}
		// What autovacuum would have done by the time a queue is this long
		// (statistics, and the GIN pending list merged into the index).
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
}

func splitCols(s string) []string {
	cols := strings.Split(s, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	return cols
}
