package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// captured is what the store and the reply policy were handed for one
// message.
type captured struct {
	verified bool   // tickets.Inbound.SenderVerified
	from     string // tickets.Inbound.From
	masked   bool   // reply.Inbound.SenderMasked
	envelope string // reply.Inbound.EnvelopeFrom
}

// recordingReplier is the real responder, with what the gateway asked it
// kept by subject.
type recordingReplier struct {
	r   *reply.Responder
	mu  sync.Mutex
	got map[string]reply.Inbound
}

func (rr *recordingReplier) Intent(ctx context.Context, in reply.Inbound) (reply.Decision, *tickets.OutboxJob) {
	rr.mu.Lock()
	if vs := in.Header["Subject"]; len(vs) > 0 {
		rr.got[vs[0]] = in
	}
	rr.mu.Unlock()
	return rr.r.Intent(ctx, in)
}

// TestSenderVerifiedAndMasked: SenderVerified is true only when the From
// address itself is proven (DMARC pass for its domain, or SPF pass of an
// envelope equal to it, in any case and behind any display name), and the
// reply policy is told SenderMasked only when masking changed the envelope
// sender.
func TestSenderVerifiedAndMasked(t *testing.T) {
	rr := &recordingReplier{got: map[string]reply.Inbound{}}
	e := newEnv(t, func(o *Options) {
		rr.r = testResponder(t, nil)
		o.Replies = rr
	})
	var mu sync.Mutex
	stored := map[string]*tickets.Inbound{}
	e.store.watch(func(in *tickets.Inbound) {
		mu.Lock()
		stored[in.Subject] = in
		mu.Unlock()
	})
	sign := authZone(t, e)
	msg := func(subject string, from ...string) string {
		h := []string{}
		for _, f := range from {
			h = append(h, "From: "+f)
		}
		h = append(h, "To: help@support.localhost", "Subject: "+subject,
			fmt.Sprintf("Message-ID: <%s-%d@member.example>", subject, time.Now().UnixNano()))
		return message(h, "hello\n")
	}
	cases := []struct {
		subject  string
		mailFrom string
		msg      string
		verified bool
		masked   bool
	}{
		// SPF pass, no DMARC record: the From must be the envelope.
		{"display-name-and-case", "m@nodmarc.example", msg("display-name-and-case", `"Member, M." <M@NoDMARC.Example>`), true, false},
		{"encoded-name", "m@nodmarc.example", msg("encoded-name", "=?windows-1252?Q?Jos=E9?= <m@nodmarc.example>"), true, false},
		{"other-address-same-domain", "m@nodmarc.example", msg("other-address-same-domain", "boss@nodmarc.example"), false, false},
		{"no-from", "m@nodmarc.example", msg("no-from"), false, false},
		{"two-from-fields", "m@nodmarc.example", msg("two-from-fields", "m@nodmarc.example", "m@nodmarc.example"), false, false},
		// DMARC pass proves the From domain, whoever the envelope is.
		{"dmarc-pass-dkim", "fwd@forged.example", sign(msg("dmarc-pass-dkim", "Member <m@member.example>")), true, false},
		// A From list the address parser cannot take falls back to the
		// envelope, whose domain DMARC did not evaluate.
		{"dmarc-pass-from-list", "carol@nodmarc.example", sign(msg("dmarc-pass-from-list", "a@member.example, b@member.example")), false, false},
		{"spf-fail", "x@forged.example", msg("spf-fail", "x@forged.example"), false, false},
		{"null-sender", "", msg("null-sender", "m@nodmarc.example"), false, false},
		// A local part that reads as a card number is masked: the reply
		// side must never write to it.
		{"masked-envelope", "4111111111111111@nodmarc.example", msg("masked-envelope", "4111111111111111@nodmarc.example"), false, true},
	}
	for _, tc := range cases {
		t.Run(tc.subject, func(t *testing.T) {
			mustQueue(t, e.addr, tc.mailFrom, []string{"help@support.localhost"}, tc.msg)
			mu.Lock()
			in, ok := stored[tc.subject]
			mu.Unlock()
			rr.mu.Lock()
			ri, asked := rr.got[tc.subject]
			rr.mu.Unlock()
			if !ok || !asked {
				t.Fatalf("store handed the message %v, reply policy asked %v", ok, asked)
			}
			c := captured{verified: in.SenderVerified, from: in.From, masked: ri.SenderMasked, envelope: ri.EnvelopeFrom}
			if c.verified != tc.verified {
				t.Errorf("SenderVerified = %v, want %v (From %q)", c.verified, tc.verified, c.from)
			}
			if c.masked != tc.masked {
				t.Errorf("SenderMasked = %v, want %v", c.masked, tc.masked)
			}
			for _, v := range append([]string{c.envelope, c.from}, strings.Join(ri.Header["From"], " ")) {
				if strings.Contains(v, "4111111111111111") {
					t.Error("the full number reached the store or the reply policy")
				}
			}
		})
	}
}

// TestMaskedSenderLogged: a member whose envelope sender was masked gets
// no reply, and the log says why with the ticket's ref, so staff can see
// it (issue 8 item 8).
func TestMaskedSenderLogged(t *testing.T) {
	e := newEnv(t, withReplies(t))
	authZone(t, e)
	ref := mustQueue(t, e.addr, "4111111111111111@nodmarc.example", []string{"help@support.localhost"},
		fromMessage("4111111111111111@nodmarc.example", "masked"))
	found := false
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, `"reason":"masked_sender"`) && strings.Contains(line, `"ticket":"`+ref+`"`) && strings.Contains(line, `"level":"INFO"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("no log line names %s with reason masked_sender", ref)
	}
	if n := len(e.outbox()); n != 0 {
		t.Errorf("%d replies queued for a masked sender", n)
	}
	if strings.Contains(e.logs.String(), "4111111111111111") {
		t.Error("logs hold the number")
	}
}
