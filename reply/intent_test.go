package reply

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

// TestIntentHoldsNoMessage: what the gateway queues in the accept is the
// decision alone (template, kinds, withheld, a safe Message-ID), never a
// rendered message, so nothing is composed or scanned on the store's
// writer; the store fills in the ticket.
func TestIntentHoldsNoMessage(t *testing.T) {
	e := newReplyEnv(t, "sqlite", sinkOptions{}, nil)
	in := memberInbound("ann@member.example", ScanFacts{Kinds: ssnFacts.Kinds, Withheld: true}, "Subject", "my number is "+plantedSSN)
	_, acc := accept(t, e.store, e.resp, in)
	if len(acc.Jobs) != 1 {
		t.Fatalf("%d jobs", len(acc.Jobs))
	}
	j, err := e.store.GetOutbox(context.Background(), acc.Jobs[0])
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := parseIntent(j.Payload)
	if err != nil || !ok {
		t.Fatalf("payload is not an intent (%v)", err)
	}
	want := intent{Version: intentVersion, Template: TemplateSensitive, Kinds: ssnFacts.Kinds, Withheld: true, InReplyTo: in.Header["Message-ID"][0]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("intent %+v, want %+v", got, want)
	}
	if j.TicketID != acc.TicketID || j.Kind != KindAutoPrefix+TemplateSensitive || j.Recipient != "ann@member.example" {
		t.Errorf("job kind %q ticket %v recipient %q", j.Kind, j.TicketID, j.Recipient)
	}
	for _, text := range []string{"Subject", "my number", acc.Ref, "PO Box"} {
		if bytes.Contains(j.Payload, []byte(text)) {
			t.Errorf("the queued job holds %q: rendered at accept", text)
		}
	}
	assertNoPlanted(t, "queued payload", string(j.Payload))
}

// TestReplyRenderedWithCommittedRef: a message that threads onto an
// existing ticket is answered with that ticket's ref and Message-ID,
// which only the accept's transaction knew; the worker renders with what
// it committed.
func TestReplyRenderedWithCommittedRef(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newReplyEnv(t, backend, sinkOptions{}, nil)
		_, first := accept(t, e.store, e.resp, memberInbound("ann@member.example", ssnFacts))
		th := tickets.NewThreader(testSecret)
		ours := th.MessageID(first.TicketID, "support.example")

		// Her next message answers our reply and has an attachment we
		// could not read: it files on her ticket, and she is told so.
		in := memberInbound("ann@member.example", ScanFacts{Withheld: true})
		d, job := e.resp.Intent(context.Background(), in)
		if !d.Reply || job == nil {
			t.Fatalf("decision %+v", d)
		}
		second, err := e.store.Accept(context.Background(), &tickets.Inbound{
			Queue: "support", Envelope: tickets.Envelope{MailFrom: "ann@member.example"}, From: "ann@member.example",
			Subject: "Re: your message", DedupKey: "committed-ref-" + uuid.NewString(),
			MessageID: in.Header["Message-ID"][0], InReplyTo: "<" + ours + ">",
			Outbox: []tickets.OutboxJob{*job},
		})
		if err != nil || !second.Threaded || second.TicketID != first.TicketID || len(second.Jobs) != 1 {
			t.Fatalf("second message: %+v, %v", second, err)
		}
		if n := e.runOnce(t); n != 2 {
			t.Fatalf("worker sent %d, want 2", n)
		}
		var msg *mail.Message
		for _, m := range e.sink.messages() {
			if p := parseOut(t, m.data); strings.HasPrefix(p.hdr.Get("Subject"), "An attachment to your message") {
				msg = &mail.Message{Header: p.hdr}
			}
		}
		if msg == nil {
			t.Fatal("no withheld note at the smarthost")
		}
		if !strings.HasSuffix(msg.Header.Get("Subject"), "["+first.Ref+"]") {
			t.Errorf("note's subject %q lacks the ticket's ref %s", msg.Header.Get("Subject"), first.Ref)
		}
		if id, ok := th.TicketFromMessageID(msg.Header.Get("Message-ID")); !ok || id != first.TicketID {
			t.Errorf("note's Message-ID does not thread to the ticket")
		}
	})
}

// TestWorkerFailsIntentItCannotRender: an intent whose ticket is gone, or
// a worker with no responder, fails the job (audited, counted), never
// sends something half made, and never retries what cannot improve.
func TestWorkerFailsIntentItCannotRender(t *testing.T) {
	e := newReplyEnv(t, "sqlite", sinkOptions{}, nil)
	job := e.resp.intentJob(Decision{Reply: true, Template: TemplateWithheld, To: "ann@member.example"}, ScanFacts{Withheld: true}, "")
	job.TicketID = uuid.New() // no such ticket
	if _, err := e.store.Enqueue(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	e.runOnce(t)
	js := e.jobs(t)
	if len(js) != 1 || js[0].State != tickets.OutboxFailed || !strings.Contains(js[0].LastError, "ticket is gone") {
		t.Fatalf("job %+v", js)
	}

	_, acc := accept(t, e.store, e.resp, memberInbound("bob@member.example", ScanFacts{Withheld: true}))
	e.worker.o.Responder = nil
	e.runOnce(t)
	for _, j := range e.jobs(t) {
		if j.ID == acc.Jobs[0] && (j.State != tickets.OutboxFailed || !strings.Contains(j.LastError, "no responder")) {
			t.Fatalf("job without a responder: %+v", j)
		}
	}
	if len(e.sink.messages()) != 0 {
		t.Fatal("sent")
	}
	if got := e.attemptResults(t); len(got) != 2 || got[0] != resultFailed || got[1] != resultFailed {
		t.Errorf("audited attempts %v", got)
	}
}

// TestWorkerSendsRenderedAutoReply: an auto-reply queued rendered (by a
// version before intents, still pending at an upgrade) is sent as it is,
// after outbound DLP.
func TestWorkerSendsRenderedAutoReply(t *testing.T) {
	e := newReplyEnv(t, "sqlite", sinkOptions{}, nil)
	old, err := composed(e.resp, Decision{Reply: true, Template: TemplateSensitive, To: "ann@member.example"}, ssnFacts, "", uuid.New(), "T-OLDREF")
	if err != nil {
		t.Fatal(err)
	}
	old.Limits = nil
	if _, err := e.store.Enqueue(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	e.runOnce(t)
	got := e.sink.messages()
	if len(got) != 1 || !bytes.HasSuffix(got[0].data, old.Payload) {
		t.Fatalf("%d messages; the queued message was not sent as it was", len(got))
	}
}
