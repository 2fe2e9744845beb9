package desk

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

// Every staff action × every role: allowed, or 403 (401 with no name),
// and each allowed change audited under the actor's own name.
func TestRoleMatrix(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser("bob", false, tickets.RoleAgent)
		type fixture struct {
			ref  string
			att  uuid.UUID
			item uuid.UUID
			job  uuid.UUID
			// withheld is an item whose message has a withheld part.
			withheld uuid.UUID
		}
		// Each call gets things of its own, so that one allowed call
		// does not change what the next finds.
		setup := func() fixture {
			acc := e.file("Help with my account", "My SSN is ***-**-8350.", "member@example.org", true)
			ids, err := e.st.Enqueue(ctx, tickets.OutboxJob{Kind: "reply.staff", TicketID: acc.TicketID, Recipient: "member@example.org", Payload: []byte("x")})
			if err != nil {
				t.Fatal(err)
			}
			d := e.ticket(acc.Ref)
			return fixture{ref: acc.Ref, att: d.Messages[0].Attachments[0].ID, item: acc.QuarantineID, job: ids[0],
				withheld: e.fileWithheld("My statement").QuarantineID}
		}
		type call struct {
			name   string
			who    []tickets.Role // roles any of which allows it
			action string         // audit action an allowed call writes, "" for reads
			run    func(a Actor, f fixture) error
		}
		tk := []tickets.Role{tickets.RoleAgent, tickets.RoleAdmin}
		pv := []tickets.Role{tickets.RolePrivacy}
		ad := []tickets.Role{tickets.RoleAdmin}
		calls := []call{
			{"ListTickets", tk, "", func(a Actor, f fixture) error { _, err := e.d.ListTickets(ctx, a, TicketQuery{}); return err }},
			{"ShowTicket", tk, "", func(a Actor, f fixture) error { _, err := e.d.ShowTicket(ctx, a, f.ref); return err }},
			{"AddNote", tk, tickets.ActionTicketNote, func(a Actor, f fixture) error { _, err := e.d.AddNote(ctx, a, f.ref, "called back"); return err }},
			{"Reply", tk, tickets.ActionTicketReply, func(a Actor, f fixture) error { _, err := e.d.Reply(ctx, a, f.ref, "Fixed."); return err }},
			{"Assign", tk, tickets.ActionTicketAssign, func(a Actor, f fixture) error { _, err := e.d.Assign(ctx, a, f.ref, "bob"); return err }},
			{"SetStatus", tk, tickets.ActionTicketStatus, func(a Actor, f fixture) error {
				_, err := e.d.SetStatus(ctx, a, f.ref, tickets.StatusPending)
				return err
			}},
			{"Update", tk, tickets.ActionTicketStatus, func(a Actor, f fixture) error {
				st := tickets.StatusSolved
				_, err := e.d.Update(ctx, a, f.ref, Patch{Status: &st})
				return err
			}},
			{"Assignees", tk, "", func(a Actor, f fixture) error { _, err := e.d.Assignees(ctx, a); return err }},
			{"Attachment", tk, ActionAttachmentDownload, func(a Actor, f fixture) error { _, err := e.d.Attachment(ctx, a, f.att); return err }},
			{"ListQuarantine", pv, tickets.ActionQuarantineView, func(a Actor, f fixture) error { _, err := e.d.ListQuarantine(ctx, a, QuarantineQuery{}); return err }},
			{"GetQuarantine", pv, tickets.ActionQuarantineView, func(a Actor, f fixture) error { _, err := e.d.GetQuarantine(ctx, a, f.item); return err }},
			{"FetchSealed", pv, tickets.ActionQuarantineFetch, func(a Actor, f fixture) error { _, err := e.d.FetchSealed(ctx, a, f.item); return err }},
			{"RecordOpen", pv, tickets.ActionQuarantineOpen, func(a Actor, f fixture) error { return e.d.RecordOpen(ctx, a, f.item, true, "") }},
			{"ReleasePart", pv, tickets.ActionQuarantineRelease, func(a Actor, f fixture) error {
				_, err := e.d.ReleasePart(ctx, a, f.withheld, PartRelease{Where: "attachment:statement.txt", Filename: "statement.txt",
					ContentType: "text/plain; charset=utf-8", Content: []byte("Balance: 12.40")})
				return err
			}},
			{"Hold", pv, tickets.ActionQuarantineHold, func(a Actor, f fixture) error { _, err := e.d.SetLegalHold(ctx, a, f.item, true); return err }},
			{"Purge", pv, tickets.ActionQuarantinePurge, func(a Actor, f fixture) error { _, err := e.d.Purge(ctx, a, f.item); return err }},
			{"ListOutbox", ad, "", func(a Actor, f fixture) error { _, err := e.d.ListOutbox(ctx, a, OutboxQuery{}); return err }},
			{"RetryJob", ad, tickets.ActionOutboxRetry, func(a Actor, f fixture) error { _, err := e.d.RetryJob(ctx, a, f.job); return err }},
			{"DropJob", ad, tickets.ActionOutboxDrop, func(a Actor, f fixture) error { _, err := e.d.DropJob(ctx, a, f.job, "test"); return err }},
			{"ListAudit", ad, "", func(a Actor, f fixture) error { _, err := e.d.ListAudit(ctx, a, AuditQuery{}); return err }},
			{"VerifyAudit", ad, "", func(a Actor, f fixture) error { _, err := e.d.VerifyAudit(ctx, a); return err }},
		}
		actors := []Actor{agent, privacy, admin, nobody,
			actor("both", tickets.RoleAdmin, tickets.RolePrivacy),
			{Via: "api"}, // no one: not logged in
			{Name: "carl", Roles: []tickets.Role{tickets.RoleAgent}, Via: "cli"},
		}
		for _, c := range calls {
			for _, a := range actors {
				want := "403 forbidden"
				for _, r := range c.who {
					if a.Has(r) {
						want = "ok"
					}
				}
				if a.Name == "" {
					want = "401 unauthenticated"
				}
				f := setup()
				before := len(e.events(c.action))
				got := code(c.run(a, f))
				if got != want {
					t.Errorf("%s as %s %v: %s, want %s", c.name, a.AuditName(), a.Roles, got, want)
					continue
				}
				if c.action == "" {
					continue
				}
				evs := e.events(c.action)
				switch {
				case want != "ok" && len(evs) != before:
					t.Errorf("%s as %s: refused, yet %d %s events were written", c.name, a.AuditName(), len(evs)-before, c.action)
				case want == "ok" && (len(evs) != before+1 || evs[0].Actor != a.AuditName()):
					t.Errorf("%s as %s: %d new %s events (newest by %q), want one by %q", c.name, a.AuditName(), len(evs)-before, c.action, evs[0].Actor, a.AuditName())
				}
			}
		}
	})
}
