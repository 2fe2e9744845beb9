package tickets

import (
	"context"
	"testing"
	"time"
)

// The report's facts come from the audit log and survive retention: a
// quarter's sealed messages by cause, mail sent by kind, each quarantine
// access with its person, purges with their deadline, and the items left
// past theirs; events outside the period are not read.
func TestReportFacts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		start := h.clock.Now()

		before := sample(0, []byte("sealed"))
		mustAccept(t, h.s, before) // on the period's first instant: in
		h.clock.Advance(time.Hour)

		ssnOnly := sample(1, []byte("sealed"))
		ssnOnly.Parts, ssnOnly.Unscannable = ssnOnly.Parts[:1], nil
		a1 := mustAccept(t, h.s, ssnOnly)

		card := sample(2, []byte("sealed"))
		card.Findings = []Finding{{Type: "pan", Last4: "1111", Where: "body"}, {Type: "ssn", Last4: "6789", Where: "subject"}}
		card.Unscannable = []Unscannable{{Where: "attachment:a.zip", Reason: "encrypted"}, {Where: "attachment:b.doc", Reason: "unsupported"}}
		mustAccept(t, h.s, card)

		clean := sample(3, nil)
		clean.Findings, clean.Unscannable, clean.Parts = nil, nil, clean.Parts[:1]
		clean.Parts[0].Text = "nothing here"
		clean.Subject = "hello"
		mustAccept(t, h.s, clean)

		// Mail handed over, by kind; a failed attempt is not sent.
		if _, err := h.s.Enqueue(ctx, OutboxJob{Kind: "reply.sensitive", TicketID: a1.TicketID, Recipient: "m@example.org", Payload: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"reply.sensitive", "reply.sensitive", "reply.staff"} {
			if _, err := h.s.AppendAudit(ctx, AuditEvent{Actor: "outbox:w", Action: "outbox.attempt", Detail: map[string]string{"kind": kind, "result": "sent"}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := h.s.AppendAudit(ctx, AuditEvent{Actor: "outbox:w", Action: "outbox.attempt", Detail: map[string]string{"kind": "reply.staff", "result": "retry"}}); err != nil {
			t.Fatal(err)
		}

		// The officer looks at and purges one item before its deadline;
		// retention purges the rest after theirs.
		if _, err := h.s.FetchQuarantine(ctx, a1.QuarantineID, "user:olga"); err != nil {
			t.Fatal(err)
		}
		if err := h.s.RecordQuarantineOpen(ctx, a1.QuarantineID, "user:olga", false, "no_identity_matched"); err != nil {
			t.Fatal(err)
		}
		if err := h.s.PurgeQuarantine(ctx, a1.QuarantineID, "user:olga"); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(32 * 24 * time.Hour)
		if rep, err := h.s.PurgeExpired(ctx, RetentionPolicy{}); err != nil || rep.QuarantineItems != 2 {
			t.Fatalf("retention purged %+v, %v", rep, err)
		}
		// Filed before the period (so not counted in it), its deadline
		// long past and never purged: overdue at the period's end.
		late := sample(4, []byte("sealed"))
		late.ReceivedAt = start.Add(-40 * 24 * time.Hour)
		lateAcc := mustAccept(t, h.s, late)
		end := h.clock.Now().Add(time.Minute)

		f, err := h.s.ReportFacts(ctx, start, end)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Received) != 4 {
			t.Errorf("received %d, want 4", len(f.Received))
		}
		causes := map[string]int{}
		for _, s := range f.Sealed {
			for _, c := range s.Causes {
				causes[c]++
			}
		}
		wantCauses := map[string]int{"ssn": 3, "pan": 1, "unscannable:encrypted": 2, "unscannable:unsupported": 1}
		if len(f.Sealed) != 3 || len(causes) != len(wantCauses) {
			t.Errorf("sealed %d with causes %v, want 3 with %v", len(f.Sealed), causes, wantCauses)
		}
		for c, n := range wantCauses {
			if causes[c] != n {
				t.Errorf("cause %s: %d, want %d", c, causes[c], n)
			}
		}
		sent := map[string]int{}
		for _, s := range f.Sent {
			sent[s.Kind]++
		}
		if len(sent) != 2 || sent["reply.sensitive"] != 2 || sent["reply.staff"] != 1 {
			t.Errorf("sent %v", sent)
		}
		var acc []string
		for _, a := range f.Accesses {
			acc = append(acc, a.Actor+" "+a.Action)
		}
		if got, want := join(acc), "user:olga quarantine.fetch;user:olga quarantine.open_failed;user:olga quarantine.purge"; got != want {
			t.Errorf("accesses %s, want %s", got, want)
		}
		if len(f.Purges) != 3 {
			t.Fatalf("purges %+v, want 3", f.Purges)
		}
		onTime := 0
		for _, p := range f.Purges {
			if p.Deadline.IsZero() {
				t.Errorf("purge by %s without its deadline", p.Actor)
			}
			if !p.At.After(p.Deadline.Add(PurgeGrace)) {
				onTime++
			}
		}
		if onTime != 1 {
			// olga's, before the deadline; retention's came a day late
			// (the clock jumped 32 days past 30-day deadlines).
			t.Errorf("%d purges on time, want 1", onTime)
		}
		if f.Overdue != 1 || f.Held != 0 {
			t.Errorf("overdue %d, held %d; want 1, 0", f.Overdue, f.Held)
		}
		// Under a legal hold it is kept on purpose: held, not overdue.
		if err := h.s.SetLegalHold(ctx, lateAcc.QuarantineID, true, "user:olga"); err != nil {
			t.Fatal(err)
		}
		if f, err = h.s.ReportFacts(ctx, start, end); err != nil || f.Overdue != 0 || f.Held != 1 {
			t.Errorf("with the hold: overdue %d, held %d (%v); want 0, 1", f.Overdue, f.Held, err)
		}

		// A period after all this reads none of it.
		f, err = h.s.ReportFacts(ctx, end, end.Add(time.Hour))
		if err != nil || len(f.Received)+len(f.Sealed)+len(f.Sent)+len(f.Accesses)+len(f.Purges) != 0 {
			t.Errorf("an empty period: %+v, %v", f, err)
		}
		if _, err := h.s.ReportFacts(ctx, end, end); err == nil {
			t.Error("an empty range was accepted")
		}
	})
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ";"
		}
		out += v
	}
	return out
}
