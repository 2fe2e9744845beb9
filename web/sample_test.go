package web

import (
	"context"
	"testing"
	"time"

	"github.com/intake-mail/intake/desk"
	"github.com/intake-mail/intake/tickets"
)

// sampleQueue files a queue that looks like a working day's: a ticket
// whose SSN was masked, one with an encrypted attachment withheld, a long
// subject, a follow-up of another ticket, an assigned one, a solved one,
// and a ticket with a thread (a note, a staff reply). It returns the refs
// by name.
func sampleQueue(t *testing.T, e *testEnv) map[string]string {
	t.Helper()
	ctx := context.Background()
	refs := map[string]string{}
	step := func() { e.clock.Advance(7 * time.Minute) }

	refs["solved"] = e.file(mail{subject: "Statement for March", fromName: "Grace Hopper", from: "grace@member.example",
		body: "Could you send me the statement for March?\nThanks, Grace", verified: true,
		auth: tickets.AuthVerdicts{SPF: "pass", DKIM: "pass", DMARC: "pass"}}).Ref
	step()
	refs["assigned"] = e.file(mail{subject: "Change of address", fromName: "Alan Turing", from: "alan@member.example",
		body: "I moved. My new address is 1 Bletchley Park, Milton Keynes.", verified: true,
		auth: tickets.AuthVerdicts{SPF: "pass", DMARC: "pass"}}).Ref
	step()
	refs["withheld"] = e.file(mail{subject: "Loan papers attached", fromName: "Ada Lovelace", from: "ada@member.example",
		body:     "Hello,\n\nplease find the signed loan papers attached. The PDF has a password; I will call you with it.\n\nAda",
		auth:     tickets.AuthVerdicts{SPF: "softfail", DKIM: "none", DMARC: "none"},
		withheld: []tickets.Part{{Where: "attachment:loan-papers.pdf", ContentType: "application/pdf", Reason: "encrypted"}},
		attachments: []tickets.Attachment{{Name: "photo-of-id-card.txt", ContentType: "text/plain",
			Content: []byte("front side, scanned")}}}).Ref
	step()
	refs["long"] = e.file(mail{subject: "A very long subject line that goes on and on about a card that was declined at the grocery store twice this week although the account had money",
		from: "someone.with.a.rather.long.address@subdomain.member-mail.example", verified: true,
		auth: tickets.AuthVerdicts{SPF: "pass", DKIM: "pass", DMARC: "pass"},
		body: "Thisisonelonglinewithoutanyspacesatallthatwouldwidenthepageifitwerenotwrappedbythestylesheetbecausesomemailprogramsdothisallthetime and then some words.\n\nSecond paragraph."}).Ref
	step()
	refs["sensitive"] = e.file(mail{subject: "My card ending 1111 was charged twice", fromName: "Margaret Hamilton", from: "margaret@member.example",
		body:     "Hi,\n\nmy card **** **** **** 1111 was charged twice for the same purchase.\nMy SSN is ***-**-8350 if you need it.\n\nThank you,\nMargaret",
		findings: []tickets.Finding{{Type: "pan", Last4: "1111", Where: "body"}, {Type: "ssn", Last4: "8350", Where: "body"}},
		verified: true, auth: tickets.AuthVerdicts{SPF: "pass", DKIM: "pass", DMARC: "pass"}}).Ref
	step()
	refs["followup"] = e.file(mail{subject: "Re: Statement for March", from: "grace@member.example", fromName: "Grace Hopper",
		body: "One more thing: the April one too, please.", subjectRef: refs["solved"],
		auth: tickets.AuthVerdicts{SPF: "fail", DMARC: "fail"}}).Ref
	step()

	agent := cliAgent("ann")
	if _, err := e.desk.SetStatus(ctx, agent, refs["solved"], tickets.StatusSolved); err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.Assign(ctx, agent, refs["assigned"], "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.AddNote(ctx, agent, refs["assigned"], "Called the member; the address is confirmed.\nUpdate the core system."); err != nil {
		t.Fatal(err)
	}
	step()
	if _, err := e.desk.Reply(ctx, agent, refs["assigned"], "Dear Mr Turing,\n\nwe have updated your address.\n\nKind regards,\nAnn"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.SetStatus(ctx, agent, refs["assigned"], tickets.StatusPending); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(3 * time.Minute)
	return refs
}

// cliAgent is an agent acting from the command line (to set up state).
func cliAgent(name string) desk.Actor {
	return desk.Actor{Name: name, Roles: []tickets.Role{tickets.RoleAgent}, Via: "cli"}
}
