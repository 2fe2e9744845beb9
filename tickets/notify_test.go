package tickets

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
)

// Notifications are queued in the accept's transaction: a new ticket for
// every account that works tickets and watches its queue, a follow-up for
// the assignee only; disabled accounts, privacy-only accounts, accounts
// without an address and other queues get nothing; the hourly bound holds.
func TestNotificationsQueuedWithAccept(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		set := func(u User, email string, newTicket, followup bool, queues ...string) {
			t.Helper()
			if _, err := h.s.SetNotifySettings(ctx, NotifySettings{UserID: u.ID, Email: email, NewTicket: newTicket, Followup: followup, Queues: queues}, "user:"+u.Name); err != nil {
				t.Fatalf("set notify settings of %s: %v", u.Name, err)
			}
		}
		ann := mustUser(t, h.s, "ann", RoleAgent)
		bob := mustUser(t, h.s, "bob", RoleAgent)
		cat := mustUser(t, h.s, "cat", RoleAdmin)
		pat := mustUser(t, h.s, "pat", RolePrivacy)
		dan := mustUser(t, h.s, "dan", RoleAgent)
		eve := mustUser(t, h.s, "eve", RoleAgent)
		set(ann, "ann@staff.example", true, true)
		set(bob, "bob@staff.example", true, false, "billing") // another queue
		set(cat, "cat@staff.example", true, false, "support", "billing")
		set(pat, "pat@staff.example", true, true) // cannot read tickets
		set(dan, "dan@staff.example", true, true)
		set(eve, "", true, true) // no address
		yes := true
		if _, err := h.s.UpdateUser(ctx, "dan", UserChange{Disabled: &yes}, "cli:root"); err != nil {
			t.Fatal(err)
		}

		got, err := h.s.GetNotifySettings(ctx, cat.ID)
		if err != nil || got.Email != "cat@staff.example" || !got.NewTicket || got.Followup || !slices.Equal(got.Queues, []string{"billing", "support"}) {
			t.Fatalf("cat's settings read back as %+v, %v", got, err)
		}
		if none, err := h.s.GetNotifySettings(ctx, mustUser(t, h.s, "new", RoleAgent).ID); err != nil || none.NewTicket || none.Email != "" || none.User != "new" {
			t.Fatalf("a user who never chose: %+v, %v", none, err)
		}

		first := sample(1, nil)
		acc := mustAccept(t, h.s, first)
		recipients := func() map[string]string {
			t.Helper()
			jobs, err := h.s.TicketJobs(ctx, acc.TicketID)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, j := range jobs {
				var p NotifyPayload
				if err := json.Unmarshal(j.Payload, &p); err != nil || p.V != 1 {
					t.Fatalf("job %s payload %q: %v", j.Kind, j.Payload, err)
				}
				out[j.Recipient] += j.Kind + ";"
			}
			return out
		}
		want := map[string]string{"ann@staff.example": KindNotifyNewTicket + ";", "cat@staff.example": KindNotifyNewTicket + ";"}
		if got := recipients(); !mapsEqual(got, want) {
			t.Fatalf("new ticket notified %v, want %v", got, want)
		}
		if len(acc.Notifications) != 2 || len(acc.Jobs) != 0 {
			t.Fatalf("accepted lists %d notifications and %d jobs, want 2 and none (Jobs are the gateway's)", len(acc.Notifications), len(acc.Jobs))
		}

		// A follow-up on an unassigned ticket tells nobody; once bob has
		// it, a follow-up tells him only if he asked, and ann (who asked)
		// only when it is hers.
		followup := func(i int) {
			t.Helper()
			in := sample(i, nil)
			in.SenderVerified = true
			in.InReplyTo = "<" + first.MessageID + ">"
			in.DedupKey = keyFor(in, "mx1")
			if a := mustAccept(t, h.s, in); !a.Threaded {
				t.Fatalf("follow-up %d did not thread", i)
			}
		}
		followup(2)
		if got := recipients(); !mapsEqual(got, want) {
			t.Fatalf("after a follow-up on an unassigned ticket: %v", got)
		}
		if _, err := h.s.UpdateTicket(ctx, acc.Ref, TicketUpdate{Assignee: ptr("bob")}, "user:cat"); err != nil {
			t.Fatal(err)
		}
		followup(3)
		if got := recipients(); !mapsEqual(got, want) {
			t.Fatalf("bob did not ask for follow-ups, yet: %v", got)
		}
		if _, err := h.s.UpdateTicket(ctx, acc.Ref, TicketUpdate{Assignee: ptr("ann")}, "user:cat"); err != nil {
			t.Fatal(err)
		}
		followup(4)
		want["ann@staff.example"] += KindNotifyFollowup + ";"
		if got := recipients(); !mapsEqual(got, want) {
			t.Fatalf("after a follow-up on ann's ticket: %v, want %v", got, want)
		}

		// The change of settings is audited, without the address.
		evs, err := h.s.QueryAudit(ctx, AuditQuery{Action: ActionUserNotify})
		if err != nil || len(evs) != 6 {
			t.Fatalf("%d user.notify events, want 6 (%v)", len(evs), err)
		}
		for _, e := range evs {
			for _, v := range e.Detail {
				if v == "ann@staff.example" {
					t.Fatalf("the audit detail holds the address: %v", e.Detail)
				}
			}
		}

		// At most notifyPerHour an hour for one account.
		for i := 0; i < notifyPerHour; i++ {
			mustAccept(t, h.s, sample(100+i, nil))
		}
		jobs, err := h.s.ListOutbox(ctx, OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, j := range jobs {
			if j.Recipient == "cat@staff.example" && j.Kind == KindNotifyNewTicket {
				n++
			}
		}
		if n != notifyPerHour {
			t.Fatalf("cat got %d new-ticket notifications in an hour, want the bound %d", n, notifyPerHour)
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
