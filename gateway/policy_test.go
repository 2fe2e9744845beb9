package gateway

import "testing"

func TestRcptPolicy(t *testing.T) {
	p := newRcptPolicy(
		[]string{"support.localhost", "Help.Example.ORG."},
		[]string{"billing@other.example"},
		map[string]string{"billing@support.localhost": "billing", "help.example.org": "help"},
		"support")
	cases := []struct {
		rcpt      string
		wantQueue string
		want      Reply
	}{
		{"anyone@support.localhost", "support", Reply{}},
		{"Anyone@SUPPORT.localhost", "support", Reply{}},
		{"billing@support.localhost", "billing", Reply{}},
		{"BILLING@support.localhost.", "billing", Reply{}},
		{"x@help.example.org", "help", Reply{}},
		{"billing@other.example", "support", Reply{}},
		{"Billing@Other.Example", "support", Reply{}},
		{"postmaster@other.example", "support", Reply{}},
		{"postmaster", "support", Reply{}},
		{"sales@other.example", "", replyUnknownUser},
		{"victim@gmail.example", "", replyRelayDenied},
		{"x@support.localhost.evil.example", "", replyRelayDenied},
		{"x%victim.example@support.localhost", "support", Reply{}}, // a local part, never routed
		{"@relay.example:x@support.localhost", "", replyBadRcptSyn},
		{"x@[127.0.0.1]", "", replyBadRcptSyn},
		{"nobody", "", replyBadRcptSyn},
		{"x@", "", replyBadRcptSyn},
	}
	for _, tc := range cases {
		q, r, ok := p.check(tc.rcpt)
		if ok != (tc.want.Code == 0) || q != tc.wantQueue || r != tc.want {
			t.Errorf("check(%q) = %q, %+v, %v; want %q, %+v", tc.rcpt, q, r, ok, tc.wantQueue, tc.want)
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
