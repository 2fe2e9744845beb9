package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

func refsOf(ts []tickets.Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Ref
	}
	return out
}

// The queue's views, filters, search and pages, as the web and the API
// ask for them.
func TestListTickets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser("alice", false, tickets.RoleAgent)
		var refs []string // oldest first
		for i := 0; i < 7; i++ {
			refs = append(refs, e.file(fmt.Sprintf("Invoice %s question", []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"}[i]), "about my invoice", "m@example.org", i%2 == 0).Ref)
			time.Sleep(2 * time.Millisecond)
		}
		mustUpdate := func(ref string, p Patch) {
			if _, err := e.d.Update(ctx, agent, ref, p); err != nil {
				t.Fatal(err)
			}
		}
		pending, solved, closed := tickets.StatusPending, tickets.StatusSolved, tickets.StatusClosed
		mustUpdate(refs[0], Patch{Assignee: ptr("alice")})
		mustUpdate(refs[1], Patch{Status: &pending})
		mustUpdate(refs[2], Patch{Status: &solved})
		mustUpdate(refs[3], Patch{Status: &closed})
		mustUpdate(refs[4], Patch{Status: &pending, Assignee: ptr("alice")})

		yes := true
		for _, c := range []struct {
			q    TicketQuery
			want []int
		}{
			{TicketQuery{}, []int{6, 5, 4, 3, 2, 1, 0}},
			{TicketQuery{View: ViewAll}, []int{6, 5, 4, 3, 2, 1, 0}},
			{TicketQuery{View: ViewMine}, []int{4, 0}},
			{TicketQuery{View: ViewUnassigned}, []int{6, 5, 1}},
			{TicketQuery{View: ViewOpen}, []int{6, 5, 0}},
			{TicketQuery{View: ViewPending}, []int{4, 1}},
			{TicketQuery{View: ViewSolved}, []int{2}},
			{TicketQuery{View: ViewPending, Status: tickets.StatusPending}, []int{4, 1}},
			{TicketQuery{View: ViewPending, Status: tickets.StatusNew}, nil},
			{TicketQuery{Status: tickets.StatusClosed}, []int{3}},
			{TicketQuery{Assignee: "alice"}, []int{4, 0}},
			{TicketQuery{Sensitive: &yes}, []int{6, 4, 2, 0}},
			{TicketQuery{Q: "invoice charl"}, []int{2}},
			{TicketQuery{Q: "INVOICE", View: ViewMine}, []int{4, 0}},
			{TicketQuery{Q: refs[5]}, []int{5}},
		} {
			page, err := e.d.ListTickets(ctx, agent, c.q)
			if err != nil {
				t.Fatalf("%+v: %v", c.q, err)
			}
			var want []string
			for _, i := range c.want {
				want = append(want, refs[i])
			}
			if got := refsOf(page.Tickets); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%+v: %v, want %v", c.q, got, want)
			}
			if page.Next != "" {
				t.Errorf("%+v: a next page after the last", c.q)
			}
		}

		// Pages of two: every ticket once, then no next.
		var got []string
		q := TicketQuery{Limit: 2}
		for i := 0; ; i++ {
			page, err := e.d.ListTickets(ctx, agent, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, refsOf(page.Tickets)...)
			if page.Next == "" {
				break
			}
			if i > 10 {
				t.Fatal("paging does not end")
			}
			q.Cursor = page.Next
		}
		if len(got) != 7 || got[0] != refs[6] || got[6] != refs[0] {
			t.Fatalf("pages: %v", got)
		}
		page, _ := e.d.ListTickets(ctx, agent, TicketQuery{Limit: 3})
		b, _ := json.Marshal(page)
		var obj map[string]json.RawMessage
		json.Unmarshal(b, &obj)
		if len(obj) != 2 || string(obj["next"]) == "null" || !strings.HasPrefix(string(obj["tickets"]), "[{") {
			t.Fatalf("page JSON %s", b)
		}
		last, _ := e.d.ListTickets(ctx, agent, TicketQuery{View: ViewSolved, Status: tickets.StatusNew})
		if b, _ := json.Marshal(last); string(b) != `{"tickets":[],"next":null}` {
			t.Fatalf("empty page JSON %s", b)
		}

		for _, c := range []struct {
			q    TicketQuery
			want string
		}{
			{TicketQuery{View: "everything"}, "400 bad_request"},
			{TicketQuery{Status: "bogus"}, "400 bad_request"},
			{TicketQuery{Limit: -1}, "400 bad_request"},
			{TicketQuery{Cursor: "not-a-cursor"}, "400 bad_request"},
			{TicketQuery{Q: strings.Repeat("w ", 9)}, "400 bad_request"},
			{TicketQuery{View: ViewUnassigned, Assignee: "alice"}, "400 bad_request"},
			{TicketQuery{Limit: 100000}, "ok"},
		} {
			if _, err := e.d.ListTickets(ctx, agent, c.q); code(err) != c.want {
				t.Errorf("%+v: %s, want %s", c.q, code(err), c.want)
			}
		}
	})
}

func TestUpdateRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser("bob", false, tickets.RoleAgent)
		e.addUser("gone", true, tickets.RoleAgent)
		e.addUser("pat", false, tickets.RolePrivacy)
		e.addUser("root", false, tickets.RoleAdmin)
		ref := e.file("Help", "please", "m@example.org", false).Ref
		st := func(s tickets.Status) *tickets.Status { return &s }
		for _, c := range []struct {
			name string
			p    Patch
			want string
		}{
			{"nothing", Patch{}, "400 bad_request"},
			{"unknown status", Patch{Status: st("bogus")}, "422 invalid"},
			{"back to new", Patch{Status: st(tickets.StatusNew)}, "ok"}, // it is new: no change
			{"unknown user", Patch{Assignee: ptr("nobody")}, "422 invalid"},
			{"disabled user", Patch{Assignee: ptr("gone")}, "422 invalid"},
			{"privacy only", Patch{Assignee: ptr("pat")}, "422 invalid"},
			{"an admin", Patch{Assignee: ptr("root")}, "ok"},
			{"an agent, pending", Patch{Assignee: ptr("bob"), Status: st(tickets.StatusPending)}, "ok"},
			{"the same again", Patch{Assignee: ptr("bob"), Status: st(tickets.StatusPending)}, "ok"},
			{"back to new now", Patch{Status: st(tickets.StatusNew)}, "422 invalid"},
			{"unassign", Patch{Assignee: ptr("")}, "ok"},
			{"spam", Patch{Status: st(tickets.StatusSpam)}, "ok"},
			{"out of spam", Patch{Status: st(tickets.StatusOpen)}, "ok"},
			{"close", Patch{Status: st(tickets.StatusClosed)}, "ok"},
			{"reopen closed", Patch{Status: st(tickets.StatusOpen)}, "409 conflict"},
			{"assign closed", Patch{Assignee: ptr("bob")}, "409 conflict"},
			{"close closed", Patch{Status: st(tickets.StatusClosed)}, "ok"},
		} {
			if _, err := e.d.Update(ctx, agent, ref, c.p); code(err) != c.want {
				t.Errorf("%s: %s, want %s (%v)", c.name, code(err), c.want, err)
			}
		}
		var got []string
		evs, _ := e.st.QueryAudit(ctx, tickets.AuditQuery{Actor: agent.AuditName()})
		for i := len(evs) - 1; i >= 0; i-- {
			got = append(got, evs[i].Action+":"+evs[i].Detail["to"])
		}
		want := []string{"ticket.assign:root", "ticket.status:pending", "ticket.assign:bob", "ticket.assign:", "ticket.status:spam", "ticket.status:open", "ticket.status:closed"}
		if !slices.Equal(got, want) {
			t.Fatalf("audited %v\nwant     %v", got, want)
		}
		if _, err := e.d.AddNote(ctx, agent, ref, "too late"); code(err) != "409 conflict" {
			t.Errorf("note on a closed ticket: %s", code(err))
		}
		if _, err := e.d.Reply(ctx, agent, ref, "too late"); code(err) != "409 conflict" {
			t.Errorf("reply to a closed ticket: %s", code(err))
		}
		spam := e.file("Buy", "cheap", "s@example.org", false).Ref
		if _, err := e.d.SetStatus(ctx, agent, spam, tickets.StatusSpam); err != nil {
			t.Fatal(err)
		}
		if _, err := e.d.Reply(ctx, agent, spam, "no"); code(err) != "409 conflict" {
			t.Errorf("reply to spam: %s", code(err))
		}
		if _, err := e.d.SetStatus(ctx, agent, "T-ZZZZZZ", tickets.StatusOpen); code(err) != "404 not_found" {
			t.Errorf("unknown ticket: %s", code(err))
		}
	})
}

// A masked requester cannot be answered: its address held a number.
func TestReplyToMaskedAddress(t *testing.T) {
	e := newEnv(t, "sqlite")
	ref := e.file("Help", "please", "****1111@example.org", false).Ref
	if _, err := e.d.Reply(context.Background(), agent, ref, "hello"); code(err) != "422 invalid" {
		t.Fatalf("reply to a masked address: %s", code(err))
	}
	d, _ := New(Options{Store: e.st})
	if _, err := d.Reply(context.Background(), agent, ref, "hello"); AsError(err).Status != 503 {
		t.Fatalf("reply without a replier: %s", code(err))
	}
}

// Hold and purge twice answer the same and are audited once.
func TestQuarantineIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a := e.file("S", "***-**-8350", "m@example.org", true)
		b := e.file("S", "***-**-8350", "m@example.org", true)
		for i := 0; i < 2; i++ {
			it, err := e.d.SetLegalHold(ctx, privacy, a.QuarantineID, true)
			if err != nil || !it.LegalHold {
				t.Fatalf("hold %d: %+v, %v", i, it, err)
			}
			it, err = e.d.Purge(ctx, privacy, b.QuarantineID)
			if err != nil || it.State != tickets.QuarantinePurged {
				t.Fatalf("purge %d: %+v, %v", i, it, err)
			}
		}
		if n, m := len(e.events(tickets.ActionQuarantineHold)), len(e.events(tickets.ActionQuarantinePurge)); n != 1 || m != 1 {
			t.Fatalf("%d hold and %d purge events, want one each", n, m)
		}
		if _, err := e.d.SetLegalHold(ctx, privacy, b.QuarantineID, true); code(err) != "409 conflict" {
			t.Fatalf("hold of a purged item: %s", code(err))
		}
		if _, err := e.d.FetchSealed(ctx, privacy, b.QuarantineID); code(err) != "404 not_found" {
			t.Fatalf("fetch of a purged item: %s", code(err))
		}
		it, err := e.d.FetchSealed(ctx, privacy, a.QuarantineID)
		if err != nil || len(it.Sealed) == 0 {
			t.Fatalf("fetch: %v", err)
		}
		if err := e.d.RecordOpen(ctx, privacy, a.QuarantineID, false, "no identity matched!"); code(err) != "422 invalid" {
			t.Fatalf("a reason that is not a code: %s", code(err))
		}
		if err := e.d.RecordOpen(ctx, privacy, a.QuarantineID, false, "no_identity_matched"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []uuid.UUID{uuid.New()} {
			if _, err := e.d.SetLegalHold(ctx, privacy, id, true); code(err) != "404 not_found" {
				t.Fatalf("hold of nothing: %s", code(err))
			}
			if _, err := e.d.Purge(ctx, privacy, id); code(err) != "404 not_found" {
				t.Fatalf("purge of nothing: %s", code(err))
			}
		}
		items, err := e.d.ListQuarantine(ctx, privacy, QuarantineQuery{State: tickets.QuarantinePurged})
		if err != nil || len(items) != 1 || items[0].ID != b.QuarantineID {
			t.Fatalf("purged items: %v %v", items, err)
		}
	})
}

func TestOutboxRetryDrop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ids, err := e.st.Enqueue(ctx, tickets.OutboxJob{Kind: "reply.staff", Recipient: "m@example.org", Payload: []byte("x")},
			tickets.OutboxJob{Kind: "reply.received", Recipient: "n@example.org", Payload: []byte("y")})
		if err != nil {
			t.Fatal(err)
		}
		// The second fails for good.
		if _, err := e.st.Claim(ctx, "w", time.Minute, 10); err != nil {
			t.Fatal(err)
		}
		if err := e.st.Fail(ctx, ids[1], "w", "550 5.1.1 no such user"); err != nil {
			t.Fatal(err)
		}
		if err := e.st.Retry(ctx, ids[0], "w", time.Now().Add(time.Hour), "421 try later"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.d.DropJob(ctx, admin, ids[0], "card 4111 1111 1111 1111"); code(err) != "422 sensitive_content" {
			t.Fatalf("a reason holding a number: %s", code(err))
		}
		for i := 0; i < 2; i++ {
			j, err := e.d.DropJob(ctx, admin, ids[0], "member asked\nnot to be written to")
			if err != nil || j.State != "dropped" || !strings.Contains(j.LastError, "user:root") {
				t.Fatalf("drop %d: %+v, %v", i, j, err)
			}
		}
		evs := e.events(tickets.ActionOutboxDrop)
		if len(evs) != 1 || evs[0].Actor != "user:root" || evs[0].Detail["reason"] != "member asked not to be written to" {
			t.Fatalf("drop events = %+v", evs)
		}
		if _, err := e.d.RetryJob(ctx, admin, ids[0]); code(err) != "409 conflict" {
			t.Fatalf("retry of a dropped job: %s", code(err))
		}
		j, err := e.d.RetryJob(ctx, admin, ids[1])
		if err != nil || j.State != "pending" {
			t.Fatalf("retry of a failed job: %+v, %v", j, err)
		}
		if _, err := e.d.RetryJob(ctx, admin, uuid.New()); code(err) != "404 not_found" {
			t.Fatalf("retry of nothing: %s", code(err))
		}
		dropped, err := e.d.ListOutbox(ctx, admin, OutboxQuery{State: tickets.OutboxDropped})
		if err != nil || len(dropped) != 1 || dropped[0].ID != ids[0].String() {
			t.Fatalf("dropped jobs: %+v, %v", dropped, err)
		}
		if _, err := e.d.ListOutbox(ctx, admin, OutboxQuery{State: "lost"}); code(err) != "400 bad_request" {
			t.Fatalf("unknown state: %s", code(err))
		}
	})
}

func TestListAudit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a := e.file("One", "x", "m@example.org", false)
		b := e.file("Two", "y", "m@example.org", false)
		for i := 0; i < 3; i++ {
			if _, err := e.d.AddNote(ctx, agent, a.Ref, fmt.Sprintf("note %d", i)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.d.AddNote(ctx, admin, b.Ref, "other"); err != nil {
			t.Fatal(err)
		}
		page, err := e.d.ListAudit(ctx, admin, AuditQuery{Ref: a.Ref, Limit: 2})
		if err != nil || len(page.Events) != 2 || page.Next == nil || page.Events[0].Action != tickets.ActionTicketNote {
			t.Fatalf("first page: %+v, %v", page, err)
		}
		rest, err := e.d.ListAudit(ctx, admin, AuditQuery{Ref: a.Ref, Cursor: *page.Next})
		if err != nil || len(rest.Events) != 2 || rest.Next != nil || rest.Events[1].Action != tickets.ActionTicketCreate {
			t.Fatalf("second page: %+v, %v", rest, err)
		}
		byActor, _ := e.d.ListAudit(ctx, admin, AuditQuery{Actor: "user:root"})
		byAction, _ := e.d.ListAudit(ctx, admin, AuditQuery{Action: tickets.ActionTicketNote, Since: time.Now().Add(-time.Hour)})
		if len(byActor.Events) != 1 || len(byAction.Events) != 4 {
			t.Fatalf("%d events by root, %d notes", len(byActor.Events), len(byAction.Events))
		}
		if _, err := e.d.ListAudit(ctx, admin, AuditQuery{Cursor: "zzz"}); code(err) != "400 bad_request" {
			t.Fatalf("bad cursor: %s", code(err))
		}
		rep, err := e.d.VerifyAudit(ctx, admin)
		if err != nil || !rep.OK {
			t.Fatalf("verify: %+v, %v", rep, err)
		}
	})
}
