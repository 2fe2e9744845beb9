package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// A ticket's thread: the member's mail, the auto-reply that went out, a
// note and a staff reply, in order, each with its kind, and the outgoing
// ones with their delivery state.
func TestThread(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		acc := e.file("Card question", "My card is **** **** **** 1111, help.", "member@example.org", true)
		memberID := e.ticket(acc.Ref).Messages[0].MessageID
		// An auto-reply as reply/ queues one: the message itself.
		raw, err := reply.Outgoing{From: "support@support.localhost", To: "member@example.org", Subject: "We received your message [" + acc.Ref + "]",
			MessageID: "auto-1@support.localhost", InReplyTo: memberID, Auto: true, Date: time.Now(),
			Body: "Please do not send card numbers by email.\nCall us instead."}.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.Enqueue(ctx, tickets.OutboxJob{Kind: "reply.sensitive", TicketID: acc.TicketID, Recipient: "member@example.org", Payload: raw}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		note, err := e.d.AddNote(ctx, agent, acc.Ref, "Member is a known customer.")
		if err != nil {
			t.Fatal(err)
		}
		if note.Kind != tickets.KindNote || note.From != "alice" || note.Text != "Member is a known customer." || note.Delivery != nil {
			t.Fatalf("note = %+v", note)
		}
		select {
		case <-e.st.Wake():
		default:
		}
		rep, err := e.d.Reply(ctx, agent, strings.ToLower(acc.Ref), "We have blocked the card.\nRegards")
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-e.st.Wake():
		default:
			t.Error("a queued reply did not wake the outbox worker")
		}
		if rep.Kind != tickets.KindReply || rep.Delivery == nil || rep.Delivery.State != DeliveryPending || rep.To != "member@example.org" {
			t.Fatalf("reply = %+v", rep)
		}

		v, err := e.d.ShowTicket(ctx, agent, acc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, m := range v.Messages {
			kinds = append(kinds, string(m.Kind))
		}
		if got := strings.Join(kinds, ","); got != "inbound,auto_reply,note,reply" {
			t.Fatalf("thread kinds %s", got)
		}
		in, auto, r := v.Messages[0], v.Messages[1], v.Messages[3]
		if in.Text != "My card is **** **** **** 1111, help." || len(in.Findings) != 1 || in.Findings[0].Last4 != "8350" {
			t.Fatalf("inbound = %+v", in)
		}
		if auto.Notice != "sensitive" || auto.Delivery.State != DeliveryPending || !strings.Contains(auto.Text, "do not send card numbers") ||
			!strings.Contains(auto.Subject, acc.Ref) || auto.To != "member@example.org" {
			t.Fatalf("auto-reply = %+v", auto)
		}
		if v.Status != tickets.StatusOpen {
			t.Fatalf("status after a reply to a new ticket: %s", v.Status)
		}

		// The reply's mail: threaded to the member's message, the ref in
		// its subject, not marked automatic.
		job, err := e.st.GetOutbox(ctx, r.Delivery.Job)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(job.Payload))
		if err != nil {
			t.Fatal(err)
		}
		h := msg.Header
		if h.Get("In-Reply-To") != "<"+memberID+">" || h.Get("References") != "<"+memberID+">" || h.Get("Auto-Submitted") != "" ||
			!strings.Contains(h.Get("Subject"), "["+acc.Ref+"]") || !strings.HasPrefix(h.Get("Subject"), "Re: ") {
			t.Fatalf("reply header: %v", h)
		}
		if job.Kind != reply.KindStaff || job.Recipient != "member@example.org" {
			t.Fatalf("reply job = %s to %s", job.Kind, job.Recipient)
		}

		// Delivered: the thread says so.
		claimed, err := e.st.Claim(ctx, "w", time.Minute, 10)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claim: %d jobs, %v", len(claimed), err)
		}
		for _, j := range claimed {
			if err := e.st.Ack(ctx, j.ID, "w"); err != nil {
				t.Fatal(err)
			}
		}
		v, _ = e.d.ShowTicket(ctx, agent, acc.Ref)
		if v.Messages[1].Delivery.State != DeliverySent || v.Messages[3].Delivery.State != DeliverySent || v.Messages[3].Delivery.Attempts != 1 {
			t.Fatalf("after delivery: %+v / %+v", v.Messages[1].Delivery, v.Messages[3].Delivery)
		}

		// The JSON every caller gets: the contract's fields on each message.
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var obj struct {
			Ref      string           `json:"ref"`
			Messages []map[string]any `json:"messages"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			t.Fatal(err)
		}
		for i, m := range obj.Messages {
			for _, k := range []string{"id", "kind", "from", "at", "text", "findings", "withheld"} {
				if _, ok := m[k]; !ok {
					t.Errorf("message %d lacks %q", i, k)
				}
			}
		}
		if obj.Ref != acc.Ref {
			t.Fatalf("ref %q", obj.Ref)
		}
		if _, err := e.d.ShowTicket(ctx, agent, "T-ZZZZZZ"); code(err) != "404 not_found" {
			t.Fatalf("unknown ticket: %s", code(err))
		}
		if _, err := e.d.ShowTicket(ctx, agent, "nonsense"); code(err) != "400 bad_request" {
			t.Fatalf("malformed ref: %s", code(err))
		}
	})
}

func TestWithheldPartsInPlainWords(t *testing.T) {
	m := tickets.Message{Parts: []tickets.Part{
		{Where: "body", Text: "hello"},
		{Where: "body", HTML: true, Text: "hello (from HTML)"},
		{Where: "attachment:scan.pdf", Withheld: true, Reason: "encrypted"},
	}, Unscannable: []tickets.Unscannable{{Where: "attachment:scan.pdf", Reason: "encrypted"}, {Where: "attachment:x.zip", Reason: "archive_bomb"}}}
	v := messageView(m)
	if v.Text != "hello" || !v.Withheld || len(v.WithheldParts) != 2 || !strings.Contains(v.WithheldParts[0].Why, "encrypted") ||
		!strings.Contains(v.WithheldParts[1].Why, "archive bomb") || v.Findings == nil {
		t.Fatalf("view = %+v", v)
	}
}

// staticRenderer renders every intent as one fixed message (the real one
// is reply.Responder.Render, where auto-replies are queued as intents).
type staticRenderer struct{ raw []byte }

func (r staticRenderer) Render(tickets.OutboxJob, string) ([]byte, string, error) {
	return r.raw, "", nil
}

// An auto-reply queued as an intent shows the text it is sent with.
func TestAutoReplyIntentRendered(t *testing.T) {
	intent := []byte(`{"intent":1,"template":"sensitive","kinds":["ssn"]}`)
	raw, err := reply.Outgoing{From: "support@support.localhost", To: "m@example.org", Subject: "About your message [T-ABCDEF]",
		MessageID: "x@support.localhost", Auto: true, Body: "Do not send numbers by email."}.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	j := tickets.OutboxJob{ID: uuid.New(), Kind: "reply.sensitive", Recipient: "m@example.org", Payload: intent, State: tickets.OutboxPending}
	v := autoReplyView("T-ABCDEF", j, staticRenderer{raw})
	if v.Text != "Do not send numbers by email." || v.Subject != "About your message [T-ABCDEF]" || v.Notice != "sensitive" {
		t.Fatalf("rendered intent: %+v", v)
	}
	if v := autoReplyView("T-ABCDEF", j, nil); v.Text != "" || v.Notice != "sensitive" || v.Delivery.State != DeliveryPending {
		t.Fatalf("intent without a renderer: %+v", v)
	}
	// A number in what would be shown is masked, never shown whole.
	raw, _ = reply.Outgoing{From: "support@support.localhost", To: "m@example.org", Subject: "x", MessageID: "x@support.localhost",
		Body: "card 4111 1111 1111 1111"}.Bytes()
	if v := autoReplyView("T-ABCDEF", j, staticRenderer{raw}); strings.Contains(strings.ReplaceAll(v.Text, " ", ""), "4111111111111111") {
		t.Fatalf("a full number shown")
	}

	// With the real Responder, where it renders intents.
	e := newEnv(t, "sqlite")
	if _, ok := e.d.rep.(autoRenderer); !ok {
		t.Skip("this reply.Responder queues auto-replies rendered, not as intents")
	}
	acc := e.file("Help", "***-**-8350", "member@example.org", true)
	if _, err := e.st.Enqueue(context.Background(), tickets.OutboxJob{Kind: "reply.sensitive", TicketID: acc.TicketID, Recipient: "member@example.org", Payload: intent}); err != nil {
		t.Fatal(err)
	}
	tv, err := e.d.ShowTicket(context.Background(), agent, acc.Ref)
	if err != nil || len(tv.Messages) != 2 || tv.Messages[1].Text == "" || !strings.Contains(tv.Messages[1].Subject+tv.Messages[1].Text, acc.Ref) {
		t.Fatalf("real render: %v %+v", err, tv.Messages)
	}
}
