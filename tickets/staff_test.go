package tickets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The staff side of the store on both backends: the queue's order and
// keyset pages, search with the same answers on SQLite and PostgreSQL,
// notes and replies, assignment and status, dropped jobs, audit queries.

// fileTicket files one clean ticket with subject and body from from.
func fileTicket(t *testing.T, h *harness, subject, body, from string) Accepted {
	t.Helper()
	in := sample(0, nil)
	in.MessageID = uuid.NewString() + "@member.example"
	in.Subject, in.From, in.Envelope.MailFrom = subject, from, from
	in.Findings, in.Unscannable = nil, nil
	in.Parts = []Part{{Where: "body", ContentType: "text/plain", Text: body}}
	in.DedupKey = keyFor(in, "mx1")
	acc := mustAccept(t, h.s, in)
	h.clock.Advance(time.Second)
	return acc
}

func refsOf(ts []Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Ref
	}
	return out
}

func TestQueueOrderAndPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		var refs []string // oldest first
		for i := 0; i < 23; i++ {
			refs = append(refs, fileTicket(t, h, fmt.Sprintf("question %d", i), "body", fmt.Sprintf("m%d@example.org", i)).Ref)
		}
		// A member's follow-up on the oldest ticket moves it to the top.
		in := sample(99, nil)
		in.Findings, in.Unscannable = nil, nil
		in.From, in.Envelope.MailFrom, in.SenderVerified = "m0@example.org", "m0@example.org", true
		in.Subject = "Re: [" + refs[0] + "] question 0"
		in.DedupKey = keyFor(in, "mx1")
		if acc := mustAccept(t, h.s, in); acc.Ref != refs[0] || !acc.Threaded {
			t.Fatalf("follow-up: %+v", acc)
		}
		h.clock.Advance(time.Second)
		// A status change does not.
		if _, err := h.s.UpdateTicket(ctx, refs[5], TicketUpdate{Status: StatusPending}, "user:a"); err != nil {
			t.Fatal(err)
		}
		want := []string{refs[0]}
		for i := len(refs) - 1; i >= 1; i-- {
			want = append(want, refs[i])
		}
		all, err := h.s.QueryTickets(ctx, TicketQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if got := refsOf(all); !slices.Equal(got, want) {
			t.Fatalf("order:\n got %v\nwant %v", got, want)
		}

		// Keyset pages cover the queue once, in order, for every page size
		// and with a status list (the UNION form).
		for _, q := range []TicketQuery{{Limit: 5}, {Limit: 1}, {Limit: 7, Statuses: []Status{StatusNew, StatusPending}}, {Limit: 4, Statuses: []Status{StatusPending, StatusNew, StatusOpen}}} {
			var got []string
			for page := 0; ; page++ {
				ts, err := h.s.QueryTickets(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(ts) > q.Limit {
					t.Fatalf("page of %d rows, limit %d", len(ts), q.Limit)
				}
				got = append(got, refsOf(ts)...)
				if len(ts) < q.Limit {
					break
				}
				c := CursorOf(ts[len(ts)-1])
				q.After = &c
				if page > 100 {
					t.Fatal("paging does not end")
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("pages with %+v:\n got %v\nwant %v", q, got, want)
			}
		}

		one, err := h.s.QueryTickets(ctx, TicketQuery{Statuses: []Status{StatusPending}})
		if err != nil || len(one) != 1 || one[0].Ref != refs[5] {
			t.Fatalf("pending view: %v %v", refsOf(one), err)
		}
		none := ""
		if _, err := h.s.UpdateTicket(ctx, refs[3], TicketUpdate{Assignee: ptr("alice")}, "user:a"); err != nil {
			t.Fatal(err)
		}
		mine, _ := h.s.QueryTickets(ctx, TicketQuery{Assignee: ptr("alice"), Statuses: []Status{StatusNew, StatusOpen, StatusPending}, Limit: 10})
		unassigned, _ := h.s.QueryTickets(ctx, TicketQuery{Assignee: &none, Limit: 100})
		if len(mine) != 1 || mine[0].Ref != refs[3] || len(unassigned) != len(refs)-1 || slices.Contains(refsOf(unassigned), refs[3]) {
			t.Fatalf("mine %v, unassigned %d", refsOf(mine), len(unassigned))
		}
		yes := true
		sens, _ := h.s.QueryTickets(ctx, TicketQuery{Sensitive: &yes})
		if len(sens) != 0 {
			t.Fatalf("sensitive filter found %d clean tickets", len(sens))
		}
		if _, err := h.s.QueryTickets(ctx, TicketQuery{Statuses: []Status{"bogus"}}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("unknown status: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// The same queries find the same tickets on both backends: the expected
// sets are written out once here.
func TestSearchConformance(t *testing.T) {
	forEachBackend(t, testSearch)
	// The other road: every piece tested while the queue is read in its
	// order (see driveMax).
	defer func(v int64) { driveMax = v }(driveMax)
	driveMax = -1
	t.Run("scan", func(t *testing.T) { forEachBackend(t, testSearch) })
}

func testSearch(t *testing.T, h *harness) {
	{
		ctx := context.Background()
		tk := map[string]string{}
		tk["invoice"] = fileTicket(t, h, "Invoice question", "Hello, my invoice for March is wrong. Regards, Jane", "jane@example.org").Ref
		tk["card"] = fileTicket(t, h, "Card ending **** **** **** 1111", "I paid with the card **** **** **** 1111 yesterday.", "bob@example.net").Ref
		tk["address"] = fileTicket(t, h, "Change of address", "Please write to jane.doe@mail.example from now on; my café moved.", "carol@example.com").Ref
		tk["refmention"] = fileTicket(t, h, "Follow-up", "This is about ticket T-ABC234 and the refund.", "dave@example.com").Ref
		tk["hyphen"] = fileTicket(t, h, "Re-activation", "Re-activate my e-mail account, please. DON'T close it.", "erin@example.com").Ref
		tk["unicode"] = fileTicket(t, h, "Ärger mit der Rechnung", "Grüße aus Köln; ÉCOLE", "fritz@example.de").Ref

		note := fileTicket(t, h, "Nothing special", "plain words", "gina@example.org").Ref
		if _, err := h.s.AddStaffMessage(ctx, StaffMessage{Ref: note, Kind: KindNote, Author: "alice", Actor: "user:alice", Text: "escalated to billing supervisor"}); err != nil {
			t.Fatal(err)
		}
		tk["note"] = note
		// A withheld part's text is never stored, so never found.
		in := sample(7, nil)
		in.Subject = "Attachment"
		in.Parts = []Part{{Where: "attachment:x.pdf", ContentType: "application/pdf", Withheld: true, Reason: "encrypted", Text: "secretword"}}
		in.DedupKey = keyFor(in, "mx1")
		tk["withheld"] = mustAccept(t, h.s, in).Ref

		cases := []struct {
			q    string
			want []string
		}{
			{"invoice", []string{"invoice"}},
			{"INVOICE", []string{"invoice"}},
			{"invo", []string{"invoice"}},                   // prefix
			{"march invoice", []string{"invoice"}},          // two pieces, any order
			{"question jane", []string{"invoice"}},          // subject and body
			{"invoice refund", nil},                         // every piece must be found
			{"1111", []string{"card"}},                      // the last four of a masked number
			{"jane.doe@mail.example", []string{"address"}},  // an address in the text
			{"jane.doe@mail", []string{"address"}},          // and its beginning
			{"carol@example.com", []string{"address"}},      // the requester
			{"jane", []string{"invoice", "address"}},        // a word of an address
			{tk["card"], []string{"card"}},                  // a ref
			{strings.ToLower(tk["card"]), []string{"card"}}, // any case
			{"T-ABC234", []string{"refmention"}},            // a ref named in a text
			{"re-activate", []string{"hyphen"}},             // hyphenated
			{"e-mail", []string{"hyphen"}},                  //
			{"don't", []string{"hyphen"}},                   // apostrophe
			{"café", []string{"address"}},                   // non-ASCII word
			{"köln", []string{"unicode"}},                   // lower-cased non-ASCII
			{"ärger", []string{"unicode"}},                  //
			{"école", []string{"unicode"}},                  //
			{"supervisor", []string{"note"}},                // a staff note
			{"secretword", nil},                             // a withheld part
			{"zzzz", nil},                                   // nothing
			{"   ", []string{"*"}},                          // no search: everything
			{"*** --- !!", []string{"*"}},                   // no words: everything
		}
		everything, _ := h.s.QueryTickets(ctx, TicketQuery{})
		for _, c := range cases {
			got, err := h.s.QueryTickets(ctx, TicketQuery{Search: c.q})
			if err != nil {
				t.Fatalf("search %q: %v", c.q, err)
			}
			var want []string
			if len(c.want) == 1 && c.want[0] == "*" {
				want = refsOf(everything)
			} else {
				for _, k := range c.want {
					want = append(want, tk[k])
				}
			}
			g := refsOf(got)
			sort.Strings(g)
			sort.Strings(want)
			if !slices.Equal(g, want) {
				t.Errorf("search %q found %v, want %v", c.q, g, want)
			}
		}
		if _, err := h.s.QueryTickets(ctx, TicketQuery{Search: strings.Repeat("word ", 9)}); !errors.Is(err, ErrInvalid) {
			t.Errorf("nine pieces: %v, want ErrInvalid", err)
		}
		// Search with a page and a status list.
		got, err := h.s.QueryTickets(ctx, TicketQuery{Search: "jane", Limit: 1, Statuses: []Status{StatusNew, StatusOpen}})
		if err != nil || len(got) != 1 || got[0].Ref != tk["address"] {
			t.Fatalf("first page of jane: %v %v", refsOf(got), err)
		}
		c := CursorOf(got[0])
		got, err = h.s.QueryTickets(ctx, TicketQuery{Search: "jane", Limit: 1, Statuses: []Status{StatusNew, StatusOpen}, After: &c})
		if err != nil || len(got) != 1 || got[0].Ref != tk["invoice"] {
			t.Fatalf("second page of jane: %v %v", refsOf(got), err)
		}
	}
}

// Retention takes a ticket's search documents with it.
func TestSearchIndexFollowsRetention(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		ref := fileTicket(t, h, "Purge me", "uniqueword", "x@example.org").Ref
		if got, _ := h.s.QueryTickets(ctx, TicketQuery{Search: "uniqueword"}); len(got) != 1 {
			t.Fatalf("not found before the purge")
		}
		if _, err := h.s.UpdateTicket(ctx, ref, TicketUpdate{Status: StatusClosed}, "user:a"); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(40 * 24 * time.Hour)
		if _, err := h.s.PurgeExpired(ctx, RetentionPolicy{ClosedTicketsAfter: 30 * 24 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		if got, _ := h.s.QueryTickets(ctx, TicketQuery{Search: "uniqueword"}); len(got) != 0 {
			t.Fatalf("found a purged ticket")
		}
		if h.backend == "sqlite" {
			if n := h.count("search_docs"); n != 0 {
				t.Fatalf("%d search documents left after purge", n)
			}
			// Nor any word of it in the file: the index was rewritten.
			for _, f := range []string{DBFile, DBFile + "-wal"} {
				b, _ := os.ReadFile(filepath.Join(h.dir, f))
				if bytes.Contains(b, []byte("uniqueword")) {
					t.Fatalf("a purged ticket's word is still in %s", f)
				}
			}
		}
	})
}

func TestStaffMessages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		ref := fileTicket(t, h, "Help", "please", "m@example.org").Ref
		before, _ := h.s.GetTicket(ctx, ref)
		note, err := h.s.AddStaffMessage(ctx, StaffMessage{Ref: ref, Kind: KindNote, Author: "alice", Actor: "user:alice", Text: "called them"})
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(time.Second)
		job := OutboxJob{Kind: "reply.staff", Recipient: "m@example.org", Payload: []byte("Subject: x\r\n\r\nhi\r\n")}
		select {
		case <-h.s.Wake():
		default:
		}
		rep, err := h.s.AddStaffMessage(ctx, StaffMessage{Ref: ref, Kind: KindReply, Author: "alice", Actor: "cli:alice", Subject: "Re: Help [" + ref + "]", Text: "We fixed it.", Job: &job})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-h.s.Wake():
		default:
			t.Error("a queued reply did not wake the outbox worker")
		}
		d, err := h.s.GetTicket(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Messages) != 3 || d.Messages[1].ID != note.ID || d.Messages[1].Kind != KindNote || d.Messages[2].Kind != KindReply ||
			d.Messages[2].Parts[0].Text != "We fixed it." || d.Messages[2].From != "alice" || d.Messages[2].OutboxID != rep.OutboxID || rep.OutboxID == uuid.Nil {
			t.Fatalf("thread = %+v", d.Messages)
		}
		if d.Status != StatusOpen || d.Ticket.Messages != 3 || !d.LastActivity.After(before.LastActivity) {
			t.Fatalf("after a reply: status %s, %d messages, activity %v (was %v)", d.Status, d.Ticket.Messages, d.LastActivity, before.LastActivity)
		}
		jobs, err := h.s.TicketJobs(ctx, d.ID)
		if err != nil || len(jobs) != 1 || jobs[0].ID != rep.OutboxID || jobs[0].TicketID != d.ID || jobs[0].State != OutboxPending {
			t.Fatalf("jobs = %+v, %v", jobs, err)
		}
		evs, _ := h.s.QueryAudit(ctx, AuditQuery{TicketID: d.ID})
		var acts []string
		for _, e := range evs {
			acts = append(acts, e.Actor+" "+e.Action)
		}
		want := []string{"cli:alice ticket.status", "cli:alice ticket.reply", "user:alice ticket.note", "gateway ticket.create"}
		if !slices.Equal(acts, want) {
			t.Fatalf("audit = %v, want %v", acts, want)
		}

		for _, c := range []struct {
			name string
			m    StaffMessage
			want error
		}{
			{"note with a job", StaffMessage{Ref: ref, Kind: KindNote, Author: "a", Actor: "user:a", Text: "x", Job: &job}, ErrInvalid},
			{"reply without", StaffMessage{Ref: ref, Kind: KindReply, Author: "a", Actor: "user:a", Text: "x"}, ErrInvalid},
			{"empty", StaffMessage{Ref: ref, Kind: KindNote, Author: "a", Actor: "user:a"}, ErrInvalid},
			{"not text", StaffMessage{Ref: ref, Kind: KindNote, Author: "a", Actor: "user:a", Text: "a\x00b"}, ErrInvalid},
			{"too long", StaffMessage{Ref: ref, Kind: KindNote, Author: "a", Actor: "user:a", Text: strings.Repeat("x", maxStaffText+1)}, ErrInvalid},
			{"inbound kind", StaffMessage{Ref: ref, Kind: KindInbound, Author: "a", Actor: "user:a", Text: "x"}, ErrInvalid},
			{"no such ticket", StaffMessage{Ref: "T-ZZZZZZ", Kind: KindNote, Author: "a", Actor: "user:a", Text: "x"}, ErrNotFound},
		} {
			if _, err := h.s.AddStaffMessage(ctx, c.m); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		spam := fileTicket(t, h, "Buy now", "cheap", "s@example.org").Ref
		h.s.UpdateTicket(ctx, spam, TicketUpdate{Status: StatusSpam}, "user:a")
		if _, err := h.s.AddStaffMessage(ctx, StaffMessage{Ref: spam, Kind: KindReply, Author: "a", Actor: "user:a", Text: "x", Job: &job}); !errors.Is(err, ErrConflict) {
			t.Errorf("reply to spam: %v", err)
		}
		if _, err := h.s.AddStaffMessage(ctx, StaffMessage{Ref: spam, Kind: KindNote, Author: "a", Actor: "user:a", Text: "x"}); err != nil {
			t.Errorf("note on spam: %v", err)
		}
		h.s.UpdateTicket(ctx, spam, TicketUpdate{Status: StatusClosed}, "user:a")
		if _, err := h.s.AddStaffMessage(ctx, StaffMessage{Ref: spam, Kind: KindNote, Author: "a", Actor: "user:a", Text: "x"}); !errors.Is(err, ErrConflict) {
			t.Errorf("note on closed: %v", err)
		}
		if n := h.count("outbox"); n != 1 {
			t.Errorf("%d outbox jobs after refused replies, want 1", n)
		}
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
	})
}

func TestStatusTransitions(t *testing.T) {
	all := []Status{StatusNew, StatusOpen, StatusPending, StatusSolved, StatusClosed, StatusSpam}
	for _, from := range all {
		for _, to := range all {
			err := CheckTransition(from, to)
			var want error
			switch {
			case from == to:
			case from == StatusClosed:
				want = ErrConflict
			case to == StatusNew:
				want = ErrInvalid
			}
			if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
				t.Errorf("%s → %s: %v, want %v", from, to, err, want)
			}
		}
	}
	if err := CheckTransition(StatusOpen, "bogus"); !errors.Is(err, ErrInvalid) {
		t.Errorf("to bogus: %v", err)
	}
}

func TestUpdateTicket(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		ref := fileTicket(t, h, "Help", "please", "m@example.org").Ref
		tk, err := h.s.UpdateTicket(ctx, ref, TicketUpdate{Status: StatusPending, Assignee: ptr("bob")}, "user:alice")
		if err != nil || tk.Status != StatusPending || tk.Assignee != "bob" {
			t.Fatalf("update = %+v, %v", tk, err)
		}
		// Nothing to change: no event.
		if _, err := h.s.UpdateTicket(ctx, ref, TicketUpdate{Status: StatusPending, Assignee: ptr("bob")}, "user:alice"); err != nil {
			t.Fatal(err)
		}
		if tk, err = h.s.UpdateTicket(ctx, ref, TicketUpdate{Assignee: ptr("")}, "user:alice"); err != nil || tk.Assignee != "" {
			t.Fatalf("unassign = %+v, %v", tk, err)
		}
		if _, err := h.s.UpdateTicket(ctx, ref, TicketUpdate{Status: StatusNew}, "user:alice"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("back to new: %v", err)
		}
		if _, err := h.s.UpdateTicket(ctx, ref, TicketUpdate{Status: StatusClosed}, "user:alice"); err != nil {
			t.Fatal(err)
		}
		for _, u := range []TicketUpdate{{Status: StatusOpen}, {Assignee: ptr("bob")}} {
			if _, err := h.s.UpdateTicket(ctx, ref, u, "user:alice"); !errors.Is(err, ErrConflict) {
				t.Fatalf("change of a closed ticket %+v: %v", u, err)
			}
		}
		if _, err := h.s.UpdateTicket(ctx, "T-ZZZZZZ", TicketUpdate{Status: StatusOpen}, "user:alice"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown ticket: %v", err)
		}
		d, _ := h.s.GetTicket(ctx, ref)
		evs, _ := h.s.QueryAudit(ctx, AuditQuery{TicketID: d.ID, Actor: "user:alice"})
		var got []string
		for _, e := range evs {
			got = append(got, e.Action+" "+e.Detail["from"]+">"+e.Detail["to"])
		}
		want := []string{"ticket.status pending>closed", "ticket.assign bob>", "ticket.assign >bob", "ticket.status new>pending"}
		if !slices.Equal(got, want) {
			t.Fatalf("audit = %q, want %q", got, want)
		}
		page, _ := h.s.QueryAudit(ctx, AuditQuery{Action: ActionTicketAssign, Limit: 1})
		older, _ := h.s.QueryAudit(ctx, AuditQuery{Action: ActionTicketAssign, BeforeSeq: page[0].Seq})
		if len(page) != 1 || len(older) != 1 || older[0].Seq >= page[0].Seq {
			t.Fatalf("audit pages: %d then %d", len(page), len(older))
		}
	})
}

func TestDropJobKeepsIt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		ids, err := h.s.Enqueue(ctx, OutboxJob{Kind: "reply.staff", Recipient: "m@example.org", Payload: []byte("x")},
			OutboxJob{Kind: "reply.staff", Recipient: "n@example.org", Payload: []byte("y")})
		if err != nil {
			t.Fatal(err)
		}
		j, changed, err := h.s.DropJob(ctx, ids[0], "user:admin", "member asked us not to write")
		if err != nil || !changed || j.State != OutboxDropped {
			t.Fatalf("drop = %+v %v %v", j, changed, err)
		}
		if _, changed, err := h.s.DropJob(ctx, ids[0], "user:other", ""); err != nil || changed {
			t.Fatalf("second drop: changed %v, %v", changed, err)
		}
		got, err := h.s.GetOutbox(ctx, ids[0])
		if err != nil || got.State != OutboxDropped || !strings.Contains(got.LastError, "user:admin") {
			t.Fatalf("dropped job = %+v, %v", got, err)
		}
		if err := h.s.Reschedule(ctx, ids[0], "user:admin"); err == nil {
			t.Fatal("a dropped job was rescheduled")
		}
		// Claimed: not droppable while its lease lives.
		if _, err := h.s.Claim(ctx, "w1", time.Minute, 10); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.DropJob(ctx, ids[1], "user:admin", ""); !errors.Is(err, ErrConflict) {
			t.Fatalf("drop of a leased job: %v", err)
		}
		if err := h.s.Ack(ctx, ids[1], "w1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.s.DropJob(ctx, ids[1], "user:admin", ""); !errors.Is(err, ErrConflict) {
			t.Fatalf("drop of a sent job: %v", err)
		}
		if _, _, err := h.s.DropJob(ctx, uuid.New(), "user:admin", ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("drop of no job: %v", err)
		}
		evs, _ := h.s.QueryAudit(ctx, AuditQuery{Action: ActionOutboxDrop})
		if len(evs) != 1 || evs[0].Actor != "user:admin" || evs[0].Detail["reason"] != "member asked us not to write" {
			t.Fatalf("drop events = %+v", evs)
		}
	})
}

// upTo hides the migrations after version max.
type upTo struct {
	fs.FS
	max int
}

func (u upTo) ReadDir(name string) ([]fs.DirEntry, error) {
	es, err := fs.ReadDir(u.FS, name)
	var out []fs.DirEntry
	for _, e := range es {
		if v, _, _ := strings.Cut(e.Name(), "_"); v <= fmt.Sprintf("%04d", u.max) {
			out = append(out, e)
		}
	}
	return out, err
}

// Version 4 indexes what was filed before it and sets its last activity.
func TestMigration4Backfill(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Cleanup(func() { migrationFS = embeddedMigrations })
			migrationFS = upTo{embeddedMigrations, 3}
			h := newHarness(t, backend, Options{})
			migrationFS = embeddedMigrations
			tid, mid := uuid.NewString(), uuid.NewString()
			h.raw(`INSERT INTO tickets (id, ref, status, queue, requester, requester_name, assignee, subject, sensitive, withheld,
				spf, dkim, dmarc, messages, created_at, updated_at) VALUES (?, 'T-OLD234', 'open', 'support', 'm@example.org', '', '', 'Elderly subject', 0, 0, '', '', '', 1, 1000, 5000)`, tid)
			h.raw(`INSERT INTO messages (id, ticket_id, kind, message_id, in_reply_to, refs, from_addr, from_name, subject, envelope, headers,
				auth_results, spf, dkim, dmarc, findings, unscannable, quarantine_id, size, created_at)
				VALUES (?, ?, 'inbound', '', '', '[]', 'm@example.org', '', 's', '{}', '[]', '', '', '', '', '[]', '[]', '', 1, 3000)`, mid, tid)
			h.raw(`INSERT INTO parts (message_id, idx, location, content_type, filename, html, body, withheld, reason)
				VALUES (?, 0, 'body', 'text/plain', '', 0, 'antediluvian words', 0, '')`, mid)
			h.s.Close()
			h.s = h.open(Options{})
			ctx := context.Background()
			for _, q := range []string{"antediluvian", "elderly"} {
				got, err := h.s.QueryTickets(ctx, TicketQuery{Search: q})
				if err != nil || len(got) != 1 || got[0].Ref != "T-OLD234" {
					t.Fatalf("search %q after the upgrade: %v %v", q, refsOf(got), err)
				}
				if got[0].LastActivity != fromMicros(3000) {
					t.Fatalf("last activity %v, want the last message's time", got[0].LastActivity)
				}
			}
			// New tickets are indexed after the old ones.
			fileTicket(t, h, "Newer", "antediluvian too", "n@example.org")
			if got, _ := h.s.QueryTickets(ctx, TicketQuery{Search: "antediluvian"}); len(got) != 2 {
				t.Fatalf("after a new ticket: %v", refsOf(got))
			}
		})
	}
}
