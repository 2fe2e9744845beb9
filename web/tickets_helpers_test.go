package web

import (
	"context"
	"crypto/rand"
	"net/url"
	"testing"

	"github.com/intake-mail/intake/tickets"
)

// Tickets for the page and API tests, filed through the store's Accept as
// the gateway files them (already scanned and masked: the gateway's part
// is tested end to end in cmd/intake).

type mail struct {
	subject, body, from, fromName string
	findings                      []tickets.Finding
	withheld                      []tickets.Part // parts kept from staff, with their reason
	attachments                   []tickets.Attachment
	extra                         []tickets.Part // more readable parts (attachment text)
	verified                      bool
	auth                          tickets.AuthVerdicts
	inReplyTo                     string // a Message-ID this answers
	subjectRef                    string // a ref named in the subject
	sealed                        []byte // the sealed original; nil: a stand-in when one is needed
	replyDecision                 string // what the gateway decided about the auto-reply
}

// file files m as a new message and returns what the store answered.
func (e *testEnv) file(m mail) tickets.Accepted {
	e.t.Helper()
	if m.from == "" {
		m.from = "member@member.example"
	}
	in := &tickets.Inbound{
		Queue:          "support",
		Envelope:       tickets.Envelope{MailFrom: m.from, Rcpts: []string{"help@support.localhost"}, ClientIP: "192.0.2.7"},
		MessageID:      letters(16) + "@member.example",
		InReplyTo:      m.inReplyTo,
		Subject:        m.subject,
		From:           m.from,
		FromName:       m.fromName,
		Parts:          append([]tickets.Part{{Where: "body", ContentType: "text/plain", Text: m.body}}, m.extra...),
		Attachments:    m.attachments,
		Findings:       m.findings,
		Auth:           m.auth,
		SenderVerified: m.verified,
		ReplyDecision:  m.replyDecision,
	}
	if m.subjectRef != "" {
		in.Subject += " [" + m.subjectRef + "]"
	}
	for _, p := range m.withheld {
		p.Withheld = true
		in.Parts = append(in.Parts, p)
		in.Unscannable = append(in.Unscannable, tickets.Unscannable{Where: p.Where, Reason: p.Reason})
	}
	if len(m.findings) > 0 || len(m.withheld) > 0 {
		in.Sealed = []byte("age-encryption.org/v1 sealed stand-in")
	}
	if m.sealed != nil {
		in.Sealed = m.sealed
	}
	in.DedupKey = tickets.DedupKey(in.Queue, in.Envelope.MailFrom, in.MessageID, []byte(in.MessageID))
	acc, err := e.store.Accept(context.Background(), in)
	if err != nil {
		e.t.Fatalf("accept: %v", err)
	}
	return acc
}

// detail is ref's stored ticket.
func (e *testEnv) detail(ref string) *tickets.TicketDetail {
	e.t.Helper()
	d, err := e.store.GetTicket(context.Background(), ref)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// formOf is a form of key, value pairs.
func formOf(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// letters is a random string of n lower-case letters (no digits: a
// Message-ID of digits could look like a number).
func letters(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}

// staffEnv is an environment with an agent (ann), a second agent (bob),
// a privacy officer (pat) and an admin (root), ann logged in.
func staffEnv(t *testing.T) (*testEnv, *browser) {
	t.Helper()
	e := newEnv(t)
	e.user("ann", tickets.RoleAgent)
	e.user("bob", tickets.RoleAgent)
	e.user("pat", tickets.RolePrivacy)
	e.user("root", tickets.RoleAdmin)
	b := e.browser()
	b.login("ann", testPassword)
	return e, b
}
