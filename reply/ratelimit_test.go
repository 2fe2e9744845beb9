package reply

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestRateLimitPerMailbox: bob, bob+1, bob+x, b.o.b and BOB are one
// mailbox and get one sensitive-data reply a day between them (issue 15
// item 7), through the store's Limits charged in the accept.
func TestRateLimitPerMailbox(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newReplyEnv(t, backend, sinkOptions{}, nil)
		spellings := []string{"bob@bigmail.example", "bob+1@bigmail.example", "bob+x@bigmail.example", "b.o.b@bigmail.example", "BOB@bigmail.example", "Bob.+2@BigMail.example"}
		queued := 0
		for _, addr := range spellings {
			_, acc := accept(t, e.store, e.resp, memberInbound(addr, ssnFacts))
			queued += len(acc.Jobs)
		}
		if queued != 1 {
			t.Fatalf("%d sensitive-data replies to one mailbox in six spellings, want 1", queued)
		}
		// The policy sees the count too, so the reason is the right one.
		if d, _ := accept(t, e.store, e.resp, memberInbound("bob+y@bigmail.example", ssnFacts)); d.Reply || d.Reason != ReasonRateSensitive {
			t.Fatalf("decision for another spelling: %+v", d)
		}
		// The store enforces it by itself too (several nodes, stale reads):
		// a job built for another spelling is refused at commit.
		job := e.resp.intentJob(Decision{Reply: true, Template: TemplateSensitive, To: "b.ob+z@bigmail.example"}, ssnFacts, "")
		if ids, err := e.store.Enqueue(context.Background(), job); err != nil || len(ids) != 0 {
			t.Fatalf("store queued a second reply to the mailbox: %v %v", ids, err)
		}
		// Someone else at the same provider is another mailbox.
		if _, acc := accept(t, e.store, e.resp, memberInbound("bobby@bigmail.example", ssnFacts)); len(acc.Jobs) != 1 {
			t.Fatalf("bobby got %d replies, want 1", len(acc.Jobs))
		}
	})
}

// TestRateLimitPerDomain: local parts at one organisational domain get at
// most the domain's hourly cap of sensitive-data replies, which is their
// own and far larger than the other replies' (a busy hour at one big
// provider must not leave its members unanswered); notes to the domain
// cannot use up the sensitive-data replies' share; an hour later the
// domain is answered again.
func TestRateLimitPerDomain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		e := newReplyEnv(t, backend, sinkOptions{}, nil)
		capN := e.resp.o.Policy.RepliesPerDomainHour
		if capN != 20 {
			t.Fatalf("default domain cap %d, want 20", capN)
		}
		// Withheld notes first, from other mailboxes of the domain (some at
		// a subdomain: one organisational domain), until the domain's cap.
		notes := 0
		for i := range capN + 5 {
			addr := fmt.Sprintf("staff%d@bigmail.example", i)
			if i%2 == 1 {
				addr = fmt.Sprintf("staff%d@eu.bigmail.example", i)
			}
			_, acc := accept(t, e.store, e.resp, memberInbound(addr, ScanFacts{Withheld: true}))
			notes += len(acc.Jobs)
		}
		if notes != capN {
			t.Fatalf("%d withheld notes to one domain in an hour, want the cap %d", notes, capN)
		}
		// With the default caps, thirty members at the provider are all
		// told, past the other replies' cap of twenty.
		sensitive := 0
		for i := range 30 {
			_, acc := accept(t, e.store, e.resp, memberInbound(fmt.Sprintf("early%d@bigmail.example", i), ssnFacts))
			sensitive += len(acc.Jobs)
		}
		if sensitive != 30 {
			t.Fatalf("thirty members at one provider got %d sensitive-data replies, want 30", sensitive)
		}
		// The sensitive-data replies' own cap, lowered to see it work.
		sensCap := 45
		e.resp.o.Policy.SensitivePerDomainHour = sensCap
		var reasons []string
		for i := range 30 {
			d, acc := accept(t, e.store, e.resp, memberInbound(fmt.Sprintf("user%d@bigmail.example", i), ssnFacts))
			sensitive += len(acc.Jobs)
			if !d.Reply {
				reasons = append(reasons, d.Reason)
			}
		}
		if sensitive != sensCap {
			t.Fatalf("sixty local parts got %d sensitive-data replies, want the cap %d", sensitive, sensCap)
		}
		for _, r := range reasons {
			if r != ReasonRateDomain {
				t.Fatalf("reason %q, want %q", r, ReasonRateDomain)
			}
		}
		// Another domain is not held back.
		if _, acc := accept(t, e.store, e.resp, memberInbound("ann@member.example", ssnFacts)); len(acc.Jobs) != 1 {
			t.Fatalf("another domain got %d replies", len(acc.Jobs))
		}
		e.clock.Advance(61 * time.Minute)
		if _, acc := accept(t, e.store, e.resp, memberInbound("user99@bigmail.example", ssnFacts)); len(acc.Jobs) != 1 {
			t.Fatalf("the domain is not answered an hour later")
		}
	})
}

// TestNoReplyToMaskedSender: an envelope sender whose local part is a
// number is masked by the gateway; nothing is queued to the masked (or any)
// address (issue 8 item 8). The gateway logs why with the ticket's ref
// (gateway's TestMaskedSenderLogged).
func TestNoReplyToMaskedSender(t *testing.T) {
	e := newReplyEnv(t, "sqlite", sinkOptions{}, nil)
	in := memberInbound("************1111@member.example", ssnFacts)
	in.SenderMasked = true
	d, acc := accept(t, e.store, e.resp, in)
	if d.Reply || d.Reason != ReasonMaskedSender || len(acc.Jobs) != 0 || len(e.jobs(t)) != 0 {
		t.Fatalf("decision %+v, %d jobs", d, len(acc.Jobs))
	}
}
