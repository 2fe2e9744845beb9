package reply

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

// The worker sends a notification only if, when it sends, the account is
// enabled and still asks for it at that very address: one whose address
// changed since it was queued, or who was disabled, gets nothing (the job
// ends not_wanted, never tried). What is sent names the ticket and links
// to it, from our address, marked auto-generated.
func TestWorkerSendsNotificationsStillWanted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		e := newReplyEnv(t, backend, sinkOptions{}, func(o *WorkerOptions) {
			o.Notifier = &Notifier{Store: o.Store.(tickets.Store), From: "support@support.example", OrgName: "Example Credit Union",
				BaseURL: func() string { return "https://desk.example/" }, Domains: []string{"staff.example"}}
		})
		users := map[string]tickets.User{}
		for _, n := range []string{"ann", "bob", "cat"} {
			u, err := e.store.CreateUser(ctx, tickets.User{Name: n, Roles: []tickets.Role{tickets.RoleAgent}}, "cli:test")
			if err != nil {
				t.Fatal(err)
			}
			users[n] = u
			if _, err := e.store.SetNotifySettings(ctx, tickets.NotifySettings{UserID: u.ID, Email: n + "@staff.example", NewTicket: true}, "user:"+n); err != nil {
				t.Fatal(err)
			}
		}
		_, acc := accept(t, e.store, e.resp, memberInbound("member@member.example", ScanFacts{}))
		// After queueing: bob moves his mail elsewhere, cat is disabled.
		if _, err := e.store.SetNotifySettings(ctx, tickets.NotifySettings{UserID: users["bob"].ID, Email: "bob@staff.example", NewTicket: false}, "user:bob"); err != nil {
			t.Fatal(err)
		}
		yes := true
		if _, err := e.store.UpdateUser(ctx, "cat", tickets.UserChange{Disabled: &yes}, "cli:test"); err != nil {
			t.Fatal(err)
		}
		e.runOnce(t)

		var notes []sunk
		for _, m := range e.sink.messages() {
			if strings.Contains(string(m.data), "Auto-Submitted: auto-generated") {
				notes = append(notes, m)
			}
		}
		if len(notes) != 1 || !slices.Equal(notes[0].to, []string{"ann@staff.example"}) {
			t.Fatalf("notifications sent: %d (%v), want one to ann", len(notes), notes)
		}
		msg := string(notes[0].data)
		for _, want := range []string{"From: \"Example Credit Union\" <support@support.example>", "[" + acc.Ref + "] New ticket: masked subject",
			"https://desk.example/t/" + acc.Ref} {
			if !strings.Contains(msg, want) {
				t.Errorf("the notification lacks %q:\n%s", want, msg)
			}
		}
		results := e.attemptResults(t)
		notWanted := 0
		for _, r := range results {
			if r == resultNotWanted {
				notWanted++
			}
		}
		if notWanted != 2 {
			t.Errorf("attempt results %v, want two not_wanted (bob, cat)", results)
		}
	})
}
