package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intake-mail/intake/config"
	"github.com/intake-mail/intake/tickets"
)

// captured is what the BeforeAccept hook saw of one message.
type captured struct {
	verified bool
	masked   bool
	from     string
	envelope string
}

func captureHook(mu *sync.Mutex, got map[string]captured) envOption {
	return func(_ *config.SMTP, o *Options) {
		o.Hooks = append(o.Hooks, func(_ context.Context, d *Delivery, in *tickets.Inbound) error {
			mu.Lock()
			defer mu.Unlock()
			subj := ""
			if vs := d.Header["Subject"]; len(vs) > 0 {
				subj = vs[0]
			}
			got[subj] = captured{verified: in.SenderVerified, masked: d.SenderMasked, from: in.From, envelope: d.EnvelopeFrom}
			return nil
		})
	}
}

// TestSenderVerifiedAndMasked: SenderVerified is true only when the From
// address itself is proven (DMARC pass for its domain, or SPF pass of an
// envelope equal to it, in any case and behind any display name), and
// SenderMasked only when masking changed the envelope sender.
func TestSenderVerifiedAndMasked(t *testing.T) {
	var mu sync.Mutex
	got := map[string]captured{}
	e := newEnv(t, captureHook(&mu, got))
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
			c, ok := got[tc.subject]
			mu.Unlock()
			if !ok {
				t.Fatal("hook not called")
			}
			if c.verified != tc.verified {
				t.Errorf("SenderVerified = %v, want %v (From %q)", c.verified, tc.verified, c.from)
			}
			if c.masked != tc.masked {
				t.Errorf("SenderMasked = %v, want %v", c.masked, tc.masked)
			}
			if strings.Contains(c.envelope, "4111111111111111") || strings.Contains(c.from, "4111111111111111") {
				t.Error("the full number reached the hook")
			}
		})
	}
}
