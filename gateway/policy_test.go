package gateway

import (
	"strings"
	"testing"
)

// TestRcptPolicy is the recipient rule as a table: with addresses
// listed only they are taken (and postmaster at each of our domains);
// with none, every address at the domains.
func TestRcptPolicy(t *testing.T) {
	type rc struct {
		rcpt      string
		wantQueue string
		want      Reply
	}
	cases := []struct {
		name               string
		domains, addresses []string
		rcpts              []rc
	}{
		{"domains alone: every address at them", []string{"support.localhost", "Help.Example.ORG."}, nil, []rc{
			{"anyone@support.localhost", "support", Reply{}},
			{"Anyone@SUPPORT.localhost", "support", Reply{}},
			{"billing@support.localhost", "billing", Reply{}},
			{"BILLING@support.localhost.", "billing", Reply{}},
			{"x@help.example.org", "help", Reply{}},
			{"postmaster", "support", Reply{}},
			{"victim@gmail.example", "", replyRelayDenied},
			{"x@support.localhost.evil.example", "", replyRelayDenied},
			{"x%victim.example@support.localhost", "support", Reply{}}, // a local part, never routed
			{"@relay.example:x@support.localhost", "", replyBadRcptSyn},
			{"x@[127.0.0.1]", "", replyBadRcptSyn},
			{"nobody", "", replyBadRcptSyn},
			{"x@", "", replyBadRcptSyn},
		}},
		// The example: domains and addresses together mean only
		// the addresses; nobody@ the domain is an unknown user.
		{"domains and addresses: only the addresses", []string{"support.example"}, []string{"help@support.example", "billing@support.example"}, []rc{
			{"help@support.example", "support", Reply{}},
			{"Billing@Support.Example", "billing", Reply{}},
			{"nobody@support.example", "", replyUnknownUser},
			{"postmaster@support.example", "support", Reply{}},
			{"postmaster", "support", Reply{}},
			{"help@other.example", "", replyRelayDenied},
		}},
		{"addresses alone", nil, []string{"billing@other.example"}, []rc{
			{"billing@other.example", "support", Reply{}},
			{"Billing@Other.Example", "support", Reply{}},
			{"postmaster@other.example", "support", Reply{}},
			{"sales@other.example", "", replyUnknownUser},
			{"anyone@support.localhost", "", replyRelayDenied},
		}},
		// A listed domain with no address of its own is ours (postmaster,
		// 550 rather than 554) but takes no other address.
		{"a domain beside addresses elsewhere", []string{"a.example"}, []string{"help@b.example"}, []rc{
			{"help@b.example", "support", Reply{}},
			{"anyone@a.example", "", replyUnknownUser},
			{"postmaster@a.example", "support", Reply{}},
			{"anyone@b.example", "", replyUnknownUser},
			{"anyone@c.example", "", replyRelayDenied},
		}},
	}
	queues := map[string]string{"billing@support.localhost": "billing", "help.example.org": "help", "billing@support.example": "billing"}
	for _, tc := range cases {
		p := newRcptPolicy(tc.domains, tc.addresses, queues, "support")
		for _, c := range tc.rcpts {
			q, r, ok := p.check(c.rcpt)
			if ok != (c.want.Code == 0) || q != c.wantQueue || r != c.want {
				t.Errorf("%s: check(%q) = %q, %+v, %v; want %q, %+v", tc.name, c.rcpt, q, r, ok, c.wantQueue, c.want)
			}
		}
	}
}

func TestRecipientRuleInWords(t *testing.T) {
	for _, tc := range []struct {
		domains, addresses []string
		want               []string
		not                []string
	}{
		{[]string{"support.localhost"}, nil, []string{"every address at support.localhost is accepted", "554 5.7.1"}, []string{"only"}},
		{[]string{"support.example"}, []string{"help@support.example", "billing@support.example"},
			[]string{"only these addresses are accepted: billing@support.example, help@support.example", "postmaster@", "any other address at support.example is refused (550 5.1.1)"},
			[]string{"every address"}},
		{nil, []string{"help@b.example"}, []string{"only these addresses are accepted: help@b.example"}, []string{"support.localhost"}},
		{nil, nil, []string{"no recipient is accepted"}, nil},
	} {
		got := RecipientRule(tc.domains, tc.addresses)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("RecipientRule(%v, %v) = %q, lacks %q", tc.domains, tc.addresses, got, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(got, w) {
				t.Errorf("RecipientRule(%v, %v) = %q, says %q", tc.domains, tc.addresses, got, w)
			}
		}
	}
}

// TestRcptPolicyIDN: a domain is one domain in either spelling
// (mailproto.NormDomain), so an SMTPUTF8 client writing the U-label
// reaches the A-label we are configured with, and nothing else does.
func TestRcptPolicyIDN(t *testing.T) {
	p := newRcptPolicy([]string{"xn--bcher-kva.example"}, nil, nil, "support")
	for rcpt, want := range map[string]bool{
		"help@bücher.example":          true,
		"help@BÜCHER.example.":         true,
		"help@xn--bcher-kva.example":   true,
		"help@bucher.example":          false,
		"help@xn--bcher-kva.example.x": false,
	} {
		if _, _, ok := p.check(rcpt); ok != want {
			t.Errorf("check(%q) accepted = %v, want %v", rcpt, ok, want)
		}
	}
}
