package gateway

import (
	"context"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

func TestAcceptedMailBecomesMaskedTicket(t *testing.T) {
	e := newEnv(t)
	msg := message([]string{
		"From: Member <m@member.example>",
		"To: help@support.localhost",
		"Subject: my card 4111 1111 1111 1111",
		"Message-ID: <accept-1@member.example>",
		"X-Intake-Verdict: clean",
		"X-Intake-Queue: vip",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
	}, "Hello,\nmy SSN is 078-05-1123, please update my account.\n")
	code, text := sendMail(t, e.addr, "m@member.example", []string{"help@support.localhost"}, msg)
	ref := refOf(t, code, text)

	d := e.ticket(ref)
	if d.Queue != "support" || !d.Sensitive {
		t.Errorf("ticket queue %q sensitive %v", d.Queue, d.Sensitive)
	}
	if strings.Contains(d.Subject, "4111 1111 1111 1111") || !strings.Contains(d.Subject, "1111") {
		t.Errorf("subject not masked to the last four: %q", scan.MaskString(d.Subject))
	}
	if len(d.Messages) != 1 {
		t.Fatalf("%d messages", len(d.Messages))
	}
	m := d.Messages[0]
	body := ""
	for _, p := range m.Parts {
		body += p.Text
	}
	if strings.Contains(body, "078-05-1123") || !strings.Contains(body, "1123") {
		t.Errorf("body not masked: %q", scan.MaskString(body))
	}
	types := map[string]bool{}
	for _, f := range m.Findings {
		types[f.Type] = true
	}
	if !types["ssn"] || !types["pan"] {
		t.Errorf("findings %+v, want ssn and pan", m.Findings)
	}
	for _, h := range m.Headers {
		if strings.HasPrefix(strings.ToLower(h.Name), "x-intake-") {
			t.Errorf("sender-supplied %s kept", h.Name)
		}
	}
	if m.Envelope.MailFrom != "m@member.example" || m.Envelope.ClientIP != "127.0.0.1" {
		t.Errorf("envelope %+v", m.Envelope)
	}
	if !strings.HasPrefix(m.AuthResults, "mx.support.localhost;") {
		t.Errorf("Authentication-Results %q", m.AuthResults)
	}

	// The original is sealed, with our trace fields on top and the
	// sender's X-Intake-* fields gone, and only the identity opens it.
	if m.QuarantineID == [16]byte{} {
		t.Fatal("sensitive message has no quarantine item")
	}
	item, err := e.store.get().OpenQuarantine(context.Background(), m.QuarantineID, "test")
	if err != nil {
		t.Fatal(err)
	}
	idFile := e.dir + "/test-identity.txt"
	if err := tickets.WriteIdentityFile(idFile, e.identity); err != nil {
		t.Fatal(err)
	}
	raw, err := tickets.OpenSealed(item.Sealed, idFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "Received: from client.member.example ([127.0.0.1])") {
		t.Errorf("sealed original does not start with our Received: %.80q", raw)
	}
	if !strings.Contains(string(raw), "\r\nAuthentication-Results: mx.support.localhost;") {
		t.Error("sealed original lacks our Authentication-Results")
	}
	if strings.Contains(strings.ToLower(string(raw)), "x-intake-") {
		t.Error("sealed original keeps sender-supplied X-Intake-* fields")
	}
	if !strings.Contains(string(raw), "078-05-1123") {
		t.Error("sealed original is not the original")
	}
}

func TestCleanMailKeepsNoOriginal(t *testing.T) {
	e := newEnv(t)
	ref := mustQueue(t, e.addr, "m@member.example", []string{"billing@support.localhost"},
		simpleMessage("invoice question", "Where is my invoice?\n"))
	d := e.ticket(ref)
	if d.Queue != "billing" || d.Sensitive || d.Withheld {
		t.Errorf("ticket %+v", d.Ticket)
	}
	if q := d.Messages[0].QuarantineID; q != [16]byte{} {
		t.Error("clean message was sealed")
	}
	if !strings.Contains(d.Messages[0].Parts[len(d.Messages[0].Parts)-1].Text, "Where is my invoice?") {
		t.Errorf("parts %+v", d.Messages[0].Parts)
	}
}

func TestRedeliveryMakesNoSecondTicket(t *testing.T) {
	e := newEnv(t)
	msg := simpleMessage("same", "sent twice\n")
	ref1 := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, msg)
	ref2 := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, msg)
	if ref1 != ref2 {
		t.Errorf("redelivery filed %s after %s", ref2, ref1)
	}
	if n := len(e.tickets()); n != 1 {
		t.Errorf("%d tickets", n)
	}
}

func TestRecipientsInTwoQueues(t *testing.T) {
	e := newEnv(t)
	code, text := sendMail(t, e.addr, "m@member.example",
		[]string{"billing@support.localhost", "help@support.localhost"}, simpleMessage("both", "hi\n"))
	if code != 250 || strings.Count(text, "T-") != 2 {
		t.Fatalf("%d %q, want two refs", code, text)
	}
	queues := map[string]bool{}
	for _, tk := range e.tickets() {
		queues[tk.Queue] = true
	}
	if !queues["billing"] || !queues["support"] || len(queues) != 2 {
		t.Errorf("queues %v", queues)
	}
}
