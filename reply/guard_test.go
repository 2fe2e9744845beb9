package reply

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// blindScanner is the real scanner with its findings thrown away: a
// disabled detector rule, as far as outbound DLP can tell.
type blindScanner struct{ sc Scanner }

func (b blindScanner) Scan(ctx context.Context, raw []byte) (*scan.Result, error) {
	res, err := b.sc.Scan(ctx, raw)
	if res != nil {
		res.Findings = nil
		for i := range res.Parts {
			res.Parts[i].Findings = nil
		}
	}
	return res, err
}

// TestSecondCheckRefusesStaffReply: a staff reply whose number the scan
// check misses (the scanner blinded, and a card in a URL path, which the
// precise detector leaves alone on purpose) is refused up front by the
// second check: nothing queued, and the error names the kind, not the
// digits.
func TestSecondCheckRefusesStaffReply(t *testing.T) {
	r := testResponder(t, func(o *ResponderOptions) { o.Scanner = blindScanner{fullScanner()} })
	body := "Please pay at https://pay.example/cards/" + plantedPAN + " today."
	if ms := scan.Detect([]byte(body)); len(ms) != 0 {
		t.Fatalf("the precise detector finds this URL case now; pick another miss")
	}
	job, err := r.StaffJob(context.Background(), StaffReply{TicketID: uuid.New(), Ref: "T-7K3F9Q", To: "ann@member.example",
		Subject: "Re: payment", Body: body})
	if !errors.Is(err, ErrSensitiveOutbound) {
		t.Fatalf("staff reply with a card the scan check misses: err = %v, job %d bytes", err, len(job.Payload))
	}
	if !strings.Contains(err.Error(), "second check") || !strings.Contains(err.Error(), "card number") {
		t.Errorf("error does not say the second check found a card: %q", scan.MaskString(err.Error()))
	}
	if strings.Contains(err.Error(), plantedPAN) || strings.Contains(err.Error(), "1111") {
		t.Errorf("error holds digits of the number")
	}
	if job.Payload != nil {
		t.Errorf("a job was made")
	}
}

// TestSecondCheckFailsOutboxJob: whatever reached the outbox, a number the
// scanner misses (blinded here) in a base64 body, where the header-only
// direct check cannot see it, is refused right before signing: the job
// fails with a clear reason and nothing reaches the smarthost.
func TestSecondCheckFailsOutboxJob(t *testing.T) {
	e := newReplyEnv(t, "sqlite", sinkOptions{}, func(o *WorkerOptions) { o.Scanner = blindScanner{fullScanner()} })
	body := base64.StdEncoding.EncodeToString([]byte("Your card 4111 1111 1111 1111 is on file.\r\n"))
	payload := []byte("From: <support@support.example>\r\nTo: <ann@member.example>\r\nSubject: x\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + body + "\r\n")
	if _, err := e.store.Enqueue(context.Background(), tickets.OutboxJob{Kind: KindStaff, TicketID: uuid.New(), Recipient: "ann@member.example", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	e.runOnce(t)
	js := e.jobs(t)
	if len(js) != 1 || js[0].State != tickets.OutboxFailed {
		t.Fatalf("want one failed job, got %d (state %v)", len(js), js[0].State)
	}
	if !strings.Contains(js[0].LastError, "second check") || !strings.Contains(js[0].LastError, "card number") {
		t.Errorf("last error does not say why: %q", scan.MaskString(js[0].LastError))
	}
	if strings.Contains(js[0].LastError, "1111") {
		t.Errorf("last error holds digits of the number")
	}
	if got := e.attemptResults(t); len(got) != 1 || got[0] != resultBlocked {
		t.Errorf("attempts audited as %v, want one %q", got, resultBlocked)
	}
	if len(e.sink.messages()) != 0 {
		t.Fatalf("the message was sent")
	}
}

// TestSecondCheckPassesOurReplies: every template, composed as sent, and
// an ordinary staff reply pass the second check (no false alarm on what
// we write ourselves: dates, phone numbers, references, Message-IDs).
func TestSecondCheckPassesOurReplies(t *testing.T) {
	r := testResponder(t, nil)
	for _, name := range templateNames {
		d := Decision{Reply: true, Template: name, To: "member@example.com"}
		job, err := composed(r, d, ScanFacts{Kinds: []scan.Kind{scan.KindSSN, scan.KindPAN}, Withheld: true}, "<m1@member.example>", uuid.New(), "T-7K3F9Q")
		if err != nil {
			t.Fatalf("template %s: %v", name, err)
		}
		if err := secondCheck(job.Payload, ""); err != nil {
			t.Errorf("template %s: %v", name, err)
		}
	}
	job, err := r.StaffJob(context.Background(), StaffReply{TicketID: uuid.New(), Ref: "T-7K3F9Q", To: "ann@member.example",
		Subject: "Re: order 112-4567890-1234567", Body: "Your card **** **** **** 1111 was charged $1,234.56 on 2026-11-25 10:22:31.\nCall +1 217 555 0100."})
	if err != nil {
		t.Fatalf("ordinary staff reply refused: %v", err)
	}
	if err := secondCheck(job.Payload, ""); err != nil {
		t.Errorf("ordinary staff reply: %v", err)
	}
}
