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
