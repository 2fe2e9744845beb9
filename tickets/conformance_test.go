package tickets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestAcceptStoresWhatStaffSee(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		in := sample(1, []byte("age-ciphertext-stand-in"))
		acc := mustAccept(t, h.s, in)
		if acc.Duplicate || acc.Threaded || acc.TicketID.Version() != 7 || acc.QuarantineID == uuid.Nil {
			t.Fatalf("accepted = %+v, want a new ticket with a UUIDv7 and a quarantine item", acc)
		}
		if _, err := ParseRef(acc.Ref); err != nil {
			t.Fatalf("ref %q: %v", acc.Ref, err)
		}
		d, err := h.s.GetTicket(ctx, strings.ToLower(acc.Ref))
		if err != nil {
			t.Fatalf("get ticket: %v", err)
		}
		if d.Status != StatusNew || d.Requester != "member@example.org" || d.Subject != in.Subject || !d.Sensitive || !d.Withheld || d.Auth.SPF != "pass" {
			t.Fatalf("ticket = %+v", d.Ticket)
		}
		if len(d.Messages) != 1 {
			t.Fatalf("messages = %d, want 1", len(d.Messages))
		}
		m := d.Messages[0]
		if m.MessageID != in.MessageID || len(m.Parts) != 2 || m.Parts[0].Text != in.Parts[0].Text || !m.Parts[1].Withheld || m.Parts[1].Text != "" {
			t.Fatalf("message = %+v", m)
		}
		if len(m.Findings) != 1 || m.Findings[0] != (Finding{Type: "ssn", Last4: "6789", Where: "body"}) {
			t.Fatalf("findings = %+v", m.Findings)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Size != int64(len("nothing to see")) || m.Attachments[0].Content != nil {
			t.Fatalf("attachments = %+v", m.Attachments)
		}
		a, err := h.s.GetAttachment(ctx, m.Attachments[0].ID)
		if err != nil || string(a.Content) != "nothing to see" {
			t.Fatalf("get attachment: %v", err)
		}
		if len(d.Quarantine) != 1 || d.Quarantine[0].State != QuarantineHeld || d.Quarantine[0].Sealed != nil {
			t.Fatalf("quarantine = %+v", d.Quarantine)
		}
		q := d.Quarantine[0]
		if got := causesText(q.Causes); got != "ssn,unscannable:encrypted" {
			t.Fatalf("causes = %q", got)
		}
		if want := h.clock.Now().Add(30 * 24 * time.Hour); !q.RetainUntil.Equal(want) {
			t.Fatalf("retain until %v, want %v", q.RetainUntil, want)
		}
		list, err := h.s.ListTickets(ctx, TicketFilter{})
		if err != nil || len(list) != 1 || list[0].Ref != acc.Ref {
			t.Fatalf("list = %+v, %v", list, err)
		}
	})
}

// Threading trusts what cannot be forged (our token) and, for anything
// else, only a verified sender who is the requester or a participant; the
// rest opens a new ticket that links to the one it named (issue 8 item 6).
func TestThreading(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		first := mustAccept(t, h.s, sample(1, nil))
		th := NewThreader(h.secret)
		other := NewThreader([]byte("some-other-secret-of-32-bytes!!!"))
		if err := h.s.AddParticipant(ctx, first.Ref, "CC@Partner.example", "user:agent"); err != nil {
			t.Fatal(err)
		}
		const stranger = "attacker@evil.example"

		reply := func(mod func(in *Inbound)) Accepted {
			in := sample(2, nil)
			in.Subject = "Re: something"
			mod(in)
			in.DedupKey = keyFor(in, "mx1")
			return mustAccept(t, h.s, in)
		}
		from := func(in *Inbound, addr string, verified bool) {
			in.From, in.Envelope.MailFrom, in.SenderVerified = addr, addr, verified
		}
		cases := []struct {
			name    string
			mod     func(in *Inbound)
			want    ThreadedBy // ThreadNew: a new ticket
			related bool       // the new ticket links to the first
			outside bool       // threaded, marked as not a participant
		}{
			{"our token from a stranger, unverified", func(in *Inbound) {
				from(in, stranger, false)
				in.InReplyTo = "<" + th.MessageID(first.TicketID, "support.localhost") + ">"
			}, ThreadToken, false, true},
			{"our token deep in References, requester", func(in *Inbound) {
				in.References = []string{"<x@y>", th.MessageID(first.TicketID, "support.localhost"), "<z@y>"}
			}, ThreadToken, false, false},
			{"a token signed with another key", func(in *Inbound) {
				in.InReplyTo = other.MessageID(first.TicketID, "support.localhost")
			}, ThreadNew, false, false},
			{"In-Reply-To a stored Message-ID, verified requester", func(in *Inbound) {
				in.SenderVerified = true
				in.InReplyTo = "<" + sample1MessageID(t, h, first) + ">"
			}, ThreadHeaders, false, false},
			{"References a stored Message-ID, verified participant", func(in *Inbound) {
				from(in, "cc@partner.example", true)
				in.References = []string{"<unknown@x>", sample1MessageID(t, h, first)}
			}, ThreadHeaders, false, false},
			{"In-Reply-To a stored Message-ID, requester unverified (forgeable From)", func(in *Inbound) {
				in.Envelope.MailFrom = stranger // From says member, envelope says otherwise
				in.InReplyTo = "<" + sample1MessageID(t, h, first) + ">"
			}, ThreadNew, true, false},
			{"References a stored Message-ID, verified stranger", func(in *Inbound) {
				from(in, stranger, true)
				in.References = []string{sample1MessageID(t, h, first)}
			}, ThreadNew, true, false},
			{"subject tag from the verified requester", func(in *Inbound) {
				in.SenderVerified = true
				in.From = "MEMBER@example.org"
				in.Subject = "Re: [" + first.Ref + "] my account"
			}, ThreadSubject, false, false},
			{"subject tag from a forged requester", func(in *Inbound) {
				in.Envelope.MailFrom = stranger
				in.Subject = "Re: [" + first.Ref + "] my account"
			}, ThreadNew, true, false},
			{"subject tag from a verified stranger", func(in *Inbound) {
				from(in, stranger, true)
				in.Subject = "[" + first.Ref + "] injected"
			}, ThreadNew, true, false},
			{"subject tag from the stranger whose token threaded", func(in *Inbound) {
				from(in, stranger, true) // the token made them no participant
				in.Subject = "Re: [" + first.Ref + "] more"
			}, ThreadNew, true, false},
			{"subject tag from a verified participant", func(in *Inbound) {
				from(in, "cc@partner.example", true)
				in.Subject = "Fwd: [" + first.Ref + "] more"
			}, ThreadSubject, false, false},
			{"subject tag from an unverified participant", func(in *Inbound) {
				from(in, "cc@partner.example", false)
				in.Subject = "Fwd: [" + first.Ref + "] more"
			}, ThreadNew, true, false},
			{"lower-case tag is not ours", func(in *Inbound) {
				in.SenderVerified = true
				in.Subject = "[" + strings.ToLower(first.Ref) + "] more"
			}, ThreadNew, false, false},
			{"nothing to thread by", func(in *Inbound) {}, ThreadNew, false, false},
		}
		threaded := 1
		for _, tc := range cases {
			acc := reply(tc.mod)
			if tc.want == ThreadNew {
				if acc.Threaded || acc.TicketID == first.TicketID || acc.Ref == first.Ref {
					t.Errorf("%s: threaded onto %s by %q, want a new ticket", tc.name, acc.Ref, acc.ThreadedBy)
					continue
				}
				d, err := h.s.GetTicket(ctx, acc.Ref)
				if err != nil {
					t.Fatal(err)
				}
				if got := d.RelatedRef == first.Ref; got != tc.related {
					t.Errorf("%s: related ref %q, want a link to %s: %v", tc.name, d.RelatedRef, first.Ref, tc.related)
				}
				if tc.related && d.Related != "possible follow-up of "+first.Ref {
					t.Errorf("%s: related note %q", tc.name, d.Related)
				}
				continue
			}
			threaded++
			if !acc.Threaded || acc.TicketID != first.TicketID || acc.Ref != first.Ref || acc.ThreadedBy != tc.want {
				t.Errorf("%s: got %+v, want threaded onto %s by %q", tc.name, acc, first.Ref, tc.want)
				continue
			}
			d, err := h.s.GetTicket(ctx, first.Ref)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range d.Messages {
				if m.ID == acc.MessageID && m.NotParticipant != tc.outside {
					t.Errorf("%s: message marked not-participant %v, want %v", tc.name, m.NotParticipant, tc.outside)
				}
			}
		}
		d, err := h.s.GetTicket(ctx, first.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if d.Ticket.Messages != threaded || len(d.Messages) != threaded {
			t.Fatalf("ticket holds %d messages (count %d), want %d", len(d.Messages), d.Ticket.Messages, threaded)
		}
		// Mail made nobody a participant: only staff's one row is there.
		if n := h.count("participants"); n != 1 {
			t.Fatalf("%d participant rows, want 1 (added by staff)", n)
		}

		// A reply to a solved ticket reopens it; one to a closed ticket
		// starts a new ticket that links to it.
		if err := h.s.SetStatus(ctx, first.Ref, StatusSolved, "user:agent"); err != nil {
			t.Fatal(err)
		}
		reply(func(in *Inbound) { in.InReplyTo = th.MessageID(first.TicketID, "support.localhost") })
		if d, _ := h.s.GetTicket(ctx, first.Ref); d.Status != StatusOpen {
			t.Fatalf("status after reply to solved = %s, want open", d.Status)
		}
		if err := h.s.SetStatus(ctx, first.Ref, StatusClosed, "user:agent"); err != nil {
			t.Fatal(err)
		}
		acc := reply(func(in *Inbound) { in.InReplyTo = th.MessageID(first.TicketID, "support.localhost") })
		if acc.Threaded {
			t.Fatalf("reply to a closed ticket threaded onto it")
		}
		if d, _ := h.s.GetTicket(ctx, acc.Ref); d.RelatedRef != first.Ref {
			t.Fatalf("reply to a closed ticket: related %q, want %s", d.RelatedRef, first.Ref)
		}
	})
}

func sample1MessageID(t *testing.T, h *harness, acc Accepted) string {
	d, err := h.s.GetTicketByID(context.Background(), acc.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	return d.Messages[0].MessageID
}

func TestDedup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		in := sample(1, []byte("sealed"))
		first := mustAccept(t, h.s, in)
		h.clock.Advance(20 * time.Minute) // the sender retries later, via another hop
		again := sample(1, []byte("sealed"))
		again.MessageID = in.MessageID
		again.DedupKey = keyFor(again, "mx2")
		second := mustAccept(t, h.s, again)
		if !second.Duplicate || second.Ref != first.Ref || second.TicketID != first.TicketID || second.MessageID != first.MessageID {
			t.Fatalf("redelivery = %+v, want duplicate of %+v", second, first)
		}
		// The same message to another queue is another delivery.
		other := sample(1, nil)
		other.Queue = "billing"
		other.MessageID = in.MessageID
		other.DedupKey = keyFor(other, "mx1")
		if acc := mustAccept(t, h.s, other); acc.Duplicate {
			t.Fatalf("same Message-ID to another queue treated as duplicate")
		}
		// Look-alikes (issue 15 item 1): the member's Message-ID reused by a
		// stranger, and a device that sends one fixed Message-ID with every
		// message. Each is a message of its own: filed, with its own ref.
		stranger := sample(2, nil)
		stranger.MessageID = in.MessageID
		stranger.Envelope.MailFrom, stranger.From = "stranger@elsewhere.example", "stranger@elsewhere.example"
		stranger.DedupKey = keyFor(stranger, "mx1")
		device := sample(1, []byte("sealed"))
		device.MessageID = in.MessageID
		device.Parts[0].Text = "Second reading: meter 42, SSN ***-**-6789"
		device.DedupKey = keyFor(device, "mx1")
		for name, la := range map[string]*Inbound{"stranger": stranger, "fixed Message-ID": device} {
			acc := mustAccept(t, h.s, la)
			if acc.Duplicate || acc.Ref == first.Ref || acc.Threaded {
				t.Fatalf("%s: %+v, want a new ticket, not the first delivery's %s", name, acc, first.Ref)
			}
		}

		// Many concurrent deliveries of one message (several sessions, or
		// several nodes on PostgreSQL): one ticket, one ref for all.
		s2 := h.open(Options{})
		defer s2.Close()
		burst := sample(99, []byte("sealed"))
		refs := make([]string, 16)
		var wg sync.WaitGroup
		for i := range refs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s := h.s
				if i%2 == 1 {
					s = s2
				}
				cp := *burst
				acc, err := s.Accept(ctx, &cp)
				if err != nil {
					t.Errorf("concurrent accept: %v", err)
					return
				}
				refs[i] = acc.Ref
			}(i)
		}
		wg.Wait()
		for _, r := range refs {
			if r != refs[0] {
				t.Fatalf("concurrent deliveries got refs %v, want one", refs)
			}
		}
		if n := h.count("tickets"); n != 5 {
			t.Fatalf("%d tickets, want 5", n)
		}
		if n := h.count("quarantine"); n != 3 {
			t.Fatalf("%d quarantine items, want 3", n)
		}
	})
}

func TestAcceptRollsBackOnFailure(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		mustAccept(t, h.s, sample(0, []byte("sealed")))
		before := map[string]int{}
		tables := []string{"tickets", "messages", "parts", "attachments", "quarantine", "dedup", "audit", "outbox", "participants"}
		for _, tb := range tables {
			before[tb] = h.count(tb)
		}
		// A fault after the rows are written, before the jobs and the
		// audit: an error, a panic, by DedupKey.
		boom := errors.New("disk gone")
		var faultMu sync.Mutex
		faults := map[string]string{}
		fault := func(in *Inbound, kind string) {
			faultMu.Lock()
			faults[in.DedupKey] = kind
			faultMu.Unlock()
		}
		coreOf(h.s).acceptFault = func(in *Inbound) error {
			faultMu.Lock()
			kind := faults[in.DedupKey]
			faultMu.Unlock()
			switch kind {
			case "error":
				return boom
			case "panic":
				panic("bug")
			}
			return nil
		}
		in := sample(1, []byte("sealed"))
		in.Outbox = []OutboxJob{{Kind: "reply.sensitive", Recipient: "member@example.org"}}
		fault(in, "error")
		if _, err := h.s.Accept(ctx, in); !errors.Is(err, boom) || IsInvalid(err) {
			t.Fatalf("accept with a fault mid-transaction: %v, want our fault wrapping the cause", err)
		}
		panicky := sample(2, []byte("sealed"))
		fault(panicky, "panic")
		if _, err := h.s.Accept(ctx, panicky); err == nil {
			t.Fatalf("accept panicking mid-transaction succeeded")
		}
		for _, tb := range tables {
			if n := h.count(tb); n != before[tb] {
				t.Errorf("table %s: %d rows after failed accepts, want %d (half-written)", tb, n, before[tb])
			}
		}
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK {
			t.Fatalf("audit after rollback: %+v, %v", rep, err)
		}
		// The dedup key was not kept: the sender's retry files the message.
		fault(in, "")
		if acc := mustAccept(t, h.s, in); acc.Duplicate || len(acc.Jobs) != 1 {
			t.Fatalf("retry after failure = %+v", acc)
		}

		// Concurrent accepts where some fail: the failures do not sink the
		// others sharing their commit.
		var wg sync.WaitGroup
		results := make([]error, 40)
		for i := range results {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				in := sample(100+i, []byte("sealed"))
				if i%4 == 0 {
					fault(in, "error")
				}
				_, results[i] = h.s.Accept(ctx, in)
			}(i)
		}
		wg.Wait()
		for i, err := range results {
			if (i%4 == 0) != (err != nil) {
				t.Errorf("accept %d: err = %v", i, err)
			}
		}
		if n, want := h.count("tickets"), before["tickets"]+1+30; n != want {
			t.Fatalf("%d tickets, want %d", n, want)
		}
	})
}

func TestOversizeFieldsRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		cases := map[string]func(in *Inbound){
			"subject":      func(in *Inbound) { in.Subject = strings.Repeat("x", DefaultLimits.Subject+1) },
			"part text":    func(in *Inbound) { in.Parts[0].Text = strings.Repeat("y", DefaultLimits.Text+1) },
			"message id":   func(in *Inbound) { in.MessageID = strings.Repeat("m", 999) + "@x" },
			"header value": func(in *Inbound) { in.Headers[0].Value = strings.Repeat("h", DefaultLimits.Header+1) },
			"last4":        func(in *Inbound) { in.Findings[0].Last4 = "456789" },
			"finding type": func(in *Inbound) { in.Findings[0].Type = "phone" },
			"no queue":     func(in *Inbound) { in.Queue = "" },
			"references":   func(in *Inbound) { in.References = make([]string, DefaultLimits.References+1) },
		}
		for name, mod := range cases {
			in := sample(1, nil)
			mod(in)
			_, err := h.s.Accept(context.Background(), in)
			if !IsInvalid(err) {
				t.Errorf("%s: err = %v, want invalid", name, err)
			}
		}
		if n := h.count("tickets"); n != 0 {
			t.Fatalf("%d tickets after refused input", n)
		}
	})
}

func TestOutboxLeases(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		const jobs = 60
		for i := 0; i < jobs; i += 10 {
			batch := make([]OutboxJob, 10)
			for j := range batch {
				batch[j] = OutboxJob{Kind: "reply.sensitive", Recipient: fmt.Sprintf("m%d@example.org", i+j), Payload: []byte("{}")}
			}
			if _, err := h.s.Enqueue(ctx, batch...); err != nil {
				t.Fatal(err)
			}
		}
		// Two claimers (two stores: two nodes on PostgreSQL) race; every
		// job is handed out exactly once.
		s2 := h.open(Options{})
		defer s2.Close()
		var mu sync.Mutex
		seen := map[uuid.UUID]string{}
		var wg sync.WaitGroup
		for w, s := range []Store{h.s, s2} {
			wg.Add(1)
			go func(owner string, s Store) {
				defer wg.Done()
				for {
					got, err := s.Claim(ctx, owner, time.Minute, 7)
					if err != nil {
						t.Errorf("claim: %v", err)
						return
					}
					if len(got) == 0 {
						return
					}
					for _, j := range got {
						mu.Lock()
						if prev, dup := seen[j.ID]; dup {
							t.Errorf("job %s claimed by %s and %s", j.ID, prev, owner)
						}
						seen[j.ID] = owner
						mu.Unlock()
						if j.LeaseOwner != owner || j.Attempts != 1 {
							t.Errorf("claimed job = %+v", j)
						}
						if err := s.Ack(ctx, j.ID, owner); err != nil {
							t.Errorf("ack: %v", err)
						}
					}
				}
			}(fmt.Sprintf("worker-%d", w), s)
		}
		wg.Wait()
		if len(seen) != jobs {
			t.Fatalf("%d jobs claimed, want %d", len(seen), jobs)
		}

		// Lease expiry: a crashed worker's job goes to another, and the
		// first can no longer settle it.
		ids, _ := h.s.Enqueue(ctx, OutboxJob{Kind: "reply.sensitive", Recipient: "x@example.org"})
		a, _ := h.s.Claim(ctx, "a", time.Minute, 10)
		if len(a) != 1 || a[0].ID != ids[0] || a[0].TakenOverFrom != "" {
			t.Fatalf("claim a = %+v", a)
		}
		if b, _ := h.s.Claim(ctx, "b", time.Minute, 10); len(b) != 0 {
			t.Fatalf("leased job claimed again: %+v", b)
		}
		h.clock.Advance(61 * time.Second)
		b, _ := h.s.Claim(ctx, "b", time.Minute, 10)
		if len(b) != 1 || b[0].Attempts != 2 || b[0].TakenOverFrom != "a" {
			t.Fatalf("claim after expiry = %+v", b)
		}
		if err := h.s.Ack(ctx, ids[0], "a"); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("ack by expired owner: %v, want ErrLeaseLost", err)
		}
		// Retry schedules; the job is not due before then.
		next := h.clock.Now().Add(5 * time.Minute)
		if err := h.s.Retry(ctx, ids[0], "b", next, "451 4.3.0 try later"); err != nil {
			t.Fatal(err)
		}
		if c, _ := h.s.Claim(ctx, "c", time.Minute, 10); len(c) != 0 {
			t.Fatalf("job claimed before its next attempt")
		}
		h.clock.Advance(5 * time.Minute)
		c, _ := h.s.Claim(ctx, "c", time.Minute, 10)
		if len(c) != 1 || c[0].LastError != "451 4.3.0 try later" {
			t.Fatalf("claim after retry time = %+v", c)
		}
		if err := h.s.Fail(ctx, ids[0], "c", "550 5.1.1 no such user"); err != nil {
			t.Fatal(err)
		}
		j, err := h.s.GetOutbox(ctx, ids[0])
		if err != nil || j.State != OutboxFailed {
			t.Fatalf("failed job = %+v, %v", j, err)
		}
		// Past its give-up time a retry fails the job.
		ids, _ = h.s.Enqueue(ctx, OutboxJob{Kind: "reply.sensitive", Recipient: "y@example.org", GiveUpAt: h.clock.Now().Add(time.Hour)})
		h.s.Claim(ctx, "d", time.Minute, 10)
		if err := h.s.Retry(ctx, ids[0], "d", h.clock.Now().Add(2*time.Hour), "timeout"); err != nil {
			t.Fatal(err)
		}
		if j, _ := h.s.GetOutbox(ctx, ids[0]); j.State != OutboxFailed {
			t.Fatalf("retry past give-up left job %s", j.State)
		}
	})
}

func TestRateLimits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		l := Limit{Key: "reply:sensitive:member@example.org", Max: 1, Window: 24 * time.Hour}
		// Inside Accept: the first message's reply is queued, the second's
		// is not, and the counter is shared by the second store (node).
		s2 := h.open(Options{})
		defer s2.Close()
		job := []OutboxJob{{Kind: "reply.sensitive", Recipient: "member@example.org", Limits: []Limit{l}}}
		in := sample(1, nil)
		in.Outbox = job
		if acc := mustAccept(t, h.s, in); len(acc.Jobs) != 1 || acc.JobsLimited != 0 {
			t.Fatalf("first accept = %+v", acc)
		}
		in = sample(2, nil)
		in.Outbox = job
		if acc := mustAccept(t, s2, in); len(acc.Jobs) != 0 || acc.JobsLimited != 1 {
			t.Fatalf("second accept = %+v, want its reply limited", acc)
		}
		h.clock.Advance(24*time.Hour + time.Second)
		if ok, err := h.s.Allow(ctx, l); !ok || err != nil {
			t.Fatalf("allow after the window: %v, %v", ok, err)
		}
		// Concurrent Allow on two nodes: exactly Max succeed.
		hourly := Limit{Key: "reply:all:member@example.org", Max: 5, Window: time.Hour}
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(s Store) {
				defer wg.Done()
				ok, err := s.Allow(ctx, hourly)
				if err != nil {
					t.Errorf("allow: %v", err)
				}
				if ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}([]Store{h.s, s2}[i%2])
		}
		wg.Wait()
		if allowed != 5 {
			t.Fatalf("%d of 20 allowed, want 5", allowed)
		}
		if n, err := h.s.CountEvents(ctx, hourly.Key, h.clock.Now().Add(-time.Hour)); err != nil || n != 5 {
			t.Fatalf("count events = %d, %v", n, err)
		}
	})
}

func TestRetentionPurge(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		old := mustAccept(t, h.s, sample(1, []byte("sealed-old")))
		h.clock.Advance(10 * 24 * time.Hour)
		young := mustAccept(t, h.s, sample(2, []byte("sealed-young")))
		closed := mustAccept(t, h.s, sample(3, nil))
		if err := h.s.SetStatus(ctx, closed.Ref, StatusClosed, "user:agent"); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(21 * 24 * time.Hour) // the old item is 31 days old

		rep, err := h.s.PurgeExpired(ctx, RetentionPolicy{ClosedTicketsAfter: 30 * 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if rep.QuarantineItems != 1 || rep.Tickets != 0 {
			t.Fatalf("purge report = %+v, want one item", rep)
		}
		if it, err := h.s.GetQuarantine(ctx, old.QuarantineID); err != nil || it.State != QuarantinePurged {
			t.Fatalf("old item = %+v, %v", it, err)
		}
		if _, err := h.s.OpenQuarantine(ctx, old.QuarantineID, "cli:test"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("opening a purged item: %v", err)
		}
		if it, err := h.s.OpenQuarantine(ctx, young.QuarantineID, "cli:test"); err != nil || string(it.Sealed) != "sealed-young" {
			t.Fatalf("young item: %v", err)
		}
		h.clock.Advance(10 * 24 * time.Hour)
		rep, err = h.s.PurgeExpired(ctx, RetentionPolicy{ClosedTicketsAfter: 30 * 24 * time.Hour})
		if err != nil || rep.Tickets != 1 || rep.QuarantineItems != 1 {
			t.Fatalf("second purge = %+v, %v", rep, err)
		}
		if _, err := h.s.GetTicket(ctx, closed.Ref); !errors.Is(err, ErrNotFound) {
			t.Fatalf("closed ticket after retention: %v", err)
		}
		events, err := h.s.ListAudit(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range events {
			actions[e.Action]++
		}
		if actions[ActionRetentionPurge] != 2 || actions[ActionTicketPurge] != 1 || actions[ActionQuarantineFetch] != 1 {
			t.Fatalf("audit actions = %v", actions)
		}
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
	})
}

func TestAuditVerifyCatchesTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper string
		args   []any
	}{
		{"edited detail", "UPDATE audit SET detail = ? WHERE seq = 3", []any{`{"ref":"T-AAAAAA"}`}},
		{"edited actor", "UPDATE audit SET actor = 'nobody' WHERE seq = 2", nil},
		{"deleted middle event", "DELETE FROM audit WHERE seq = 4", nil},
		{"deleted last event", "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)", nil},
		{"deleted first event", "DELETE FROM audit WHERE seq = 1", nil},
	}
	forEachBackend(t, func(t *testing.T, h *harness) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h := newHarness(t, h.backend, Options{})
				ctx := context.Background()
				for i := 0; i < 3; i++ {
					mustAccept(t, h.s, sample(i, []byte("sealed")))
				}
				if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK || rep.Tickets != 3 || rep.Items != 3 || rep.Messages != 3 {
					t.Fatalf("before tampering: %+v, %v", rep, err)
				}
				if n := h.raw(tc.tamper, tc.args...); n != 1 {
					t.Fatalf("tamper touched %d rows", n)
				}
				rep, err := h.s.VerifyAudit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK || len(rep.Problems) == 0 {
					t.Fatalf("verify after %s: %+v, want problems", tc.name, rep)
				}
			})
		}
	})
}

func TestSchemaNewerThanBinaryRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		h.s.Close()
		h.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)", SchemaVersion()+1)
		_, err := Open(context.Background(), h.options(Options{}))
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("open with a newer schema: %v, want ErrSchemaTooNew", err)
		}
	})
}

func TestFailedMigrationLeavesSchemaAsItWas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		h.s.Close()
		orig := migrationFS
		defer func() { migrationFS = orig }()
		migrationFS = brokenMigrations{orig}
		_, err := Open(context.Background(), h.options(Options{}))
		if err == nil || !strings.Contains(err.Error(), "9999_broken.sql") {
			t.Fatalf("open with a broken migration: %v", err)
		}
		migrationFS = orig
		s := h.open(Options{})
		defer s.Close()
		var v int64
		if err := one(coreOf(s).read.QueryRow(context.Background(), "SELECT MAX(version) FROM schema_migrations"), &v); err != nil || v != SchemaVersion() {
			t.Fatalf("schema version after failed migration = %d, %v", v, err)
		}
		if _, err := coreOf(s).read.Query(context.Background(), "SELECT * FROM half_made"); err == nil {
			t.Fatalf("table from the failed migration exists")
		}
	})
}

// A batch member that fails makes SQLite's writer run the batch again (see
// runBatch); the others' jobs are still queued once each, on their own
// tickets.
func TestAcceptQueuesJobsOnceWhenBatchReruns(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		boom := errors.New("disk gone")
		const n = 48
		var failing sync.Map
		coreOf(h.s).acceptFault = func(in *Inbound) error {
			if _, ok := failing.Load(in.DedupKey); ok {
				return boom
			}
			return nil
		}
		results := make([]Accepted, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				in := sample(200+i, []byte("sealed"))
				in.Outbox = []OutboxJob{{Kind: "reply.sensitive", Recipient: "member@example.org", Payload: []byte("intent")}}
				if i%3 == 0 {
					failing.Store(in.DedupKey, true)
				}
				results[i], errs[i] = h.s.Accept(ctx, in)
			}(i)
		}
		wg.Wait()
		for i := 0; i < n; i++ {
			if (i%3 == 0) != errors.Is(errs[i], boom) {
				t.Errorf("accept %d: err = %v", i, errs[i])
			}
			if i%3 != 0 && len(results[i].Jobs) != 1 {
				t.Errorf("accept %d: %d jobs queued, want 1", i, len(results[i].Jobs))
			}
		}
		if got, want := h.count("outbox"), n-n/3; got != want {
			t.Fatalf("%d outbox jobs, want %d", got, want)
		}
		if got, want := h.count("tickets"), n-n/3; got != want {
			t.Fatalf("%d tickets, want %d", got, want)
		}
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK {
			t.Fatalf("audit: %+v, %v", rep, err)
		}
	})
}

// A download of the ciphertext is quarantine.fetch; whether the identity
// then opened it is reported and recorded apart, a failure with a reason
// code and nothing else (issue 8 item 8, issue 11 item 1).
func TestQuarantineFetchAndOpenOutcome(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		acc := mustAccept(t, h.s, sample(1, []byte("sealed")))
		it, err := h.s.FetchQuarantine(ctx, acc.QuarantineID, "user:officer")
		if err != nil || string(it.Sealed) != "sealed" {
			t.Fatalf("fetch: %v", err)
		}
		if err := h.s.RecordQuarantineOpen(ctx, acc.QuarantineID, "user:officer", false, "no_identity_matched"); err != nil {
			t.Fatal(err)
		}
		if err := h.s.RecordQuarantineOpen(ctx, acc.QuarantineID, "user:officer", true, ""); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"", "card 4111 1111", "Decrypt failed: bad header", strings.Repeat("x", 65)} {
			if err := h.s.RecordQuarantineOpen(ctx, acc.QuarantineID, "user:officer", false, bad); !IsInvalid(err) {
				t.Errorf("reason %d bytes long: %v, want refused", len(bad), err)
			}
		}
		if err := h.s.RecordQuarantineOpen(ctx, uuid.New(), "user:officer", true, ""); !errors.Is(err, ErrNotFound) {
			t.Errorf("outcome for an unknown item: %v", err)
		}
		events, _ := h.s.ListAudit(ctx, 0, 0)
		var got []string
		for _, e := range events {
			if e.ItemID == acc.QuarantineID.String() && e.Actor == "user:officer" {
				got = append(got, e.Action+" "+e.Detail["reason"])
				if e.TicketID != acc.TicketID.String() || e.Detail["ref"] != acc.Ref {
					t.Errorf("%s event names ticket %s ref %s", e.Action, e.TicketID, e.Detail["ref"])
				}
			}
		}
		want := "quarantine.fetch |quarantine.open_failed no_identity_matched|quarantine.open "
		if strings.Join(got, "|") != want {
			t.Fatalf("events %q, want %q", strings.Join(got, "|"), want)
		}
	})
}
