package reply

import (
	"testing"

	"github.com/intake-mail/intake/scan"
)

func TestDecide(t *testing.T) {
	base := DefaultPolicy()
	base.OwnAddresses = []string{"support@support.example"}
	base.OwnDomains = []string{"support.example"}
	base.LoopToken = "intake-loop.support.example"

	ack := base
	ack.AcknowledgeClean = true
	noAuth := base
	noAuth.RequireSenderAuth = false
	off := base
	off.Enabled = false

	spf := Auth{SPF: "pass"}
	ssn := ScanFacts{Kinds: []scan.Kind{scan.KindSSN}}
	pan := ScanFacts{Kinds: []scan.Kind{scan.KindPAN}}
	withheld := ScanFacts{Withheld: true}
	hdr := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = append(m[kv[i]], kv[i+1])
		}
		return m
	}
	member := "ann@member.example"

	tests := []struct {
		name   string
		policy Policy
		in     Inbound
		want   Decision
	}{
		{"ssn from authenticated member", base,
			Inbound{EnvelopeFrom: member, Header: hdr("From", "Ann <ann@member.example>"), Auth: spf, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"card number", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: pan},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"withheld attachment", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: withheld},
			Decision{true, TemplateWithheld, ReasonWithheld, member}},
		{"sensitive and withheld: sensitive wins", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: ScanFacts{Kinds: []scan.Kind{scan.KindPAN}, Withheld: true}},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"clean, acknowledgements off", base,
			Inbound{EnvelopeFrom: member, Auth: spf},
			Decision{Reason: ReasonNothingToSay}},
		{"clean, acknowledgements on", ack,
			Inbound{EnvelopeFrom: member, Auth: spf},
			Decision{true, TemplateAcknowledge, ReasonAcknowledge, member}},
		{"replies disabled", off,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: ssn},
			Decision{Reason: ReasonDisabled}},
		{"null sender", base,
			Inbound{EnvelopeFrom: "", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonNullSender}},
		{"null sender in brackets", base,
			Inbound{EnvelopeFrom: "<>", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonNullSender}},
		{"sender with a space is not an address", base,
			Inbound{EnvelopeFrom: "ann @member.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonInvalidSender}},
		{"sender with CRLF", base,
			Inbound{EnvelopeFrom: "ann@member.example\r\nBcc: x@y.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonInvalidSender}},
		{"MAILER-DAEMON envelope", base,
			Inbound{EnvelopeFrom: "MAILER-DAEMON@mx.member.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonBounceSender}},
		{"postmaster in From only", base,
			Inbound{EnvelopeFrom: member, Header: hdr("From", "Postmaster <postmaster@member.example>"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonBounceSender}},
		{"bare MAILER-DAEMON From", base,
			Inbound{EnvelopeFrom: member, Header: hdr("From", "MAILER-DAEMON (Mail Delivery System)"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonBounceSender}},
		{"LISTSERV", base,
			Inbound{EnvelopeFrom: "LISTSERV@lists.member.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonListSender}},
		{"majordomo", base,
			Inbound{EnvelopeFrom: "majordomo@lists.member.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonListSender}},
		{"-request", base,
			Inbound{EnvelopeFrom: "members-request@lists.member.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonListSender}},
		{"owner-", base,
			Inbound{EnvelopeFrom: "owner-members@lists.member.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonListSender}},
		{"mailman bounces with VERP detail", base,
			Inbound{EnvelopeFrom: "members-bounces+ann=member.example@lists.member.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonListSender}},
		{"no-reply", base,
			Inbound{EnvelopeFrom: "no-reply@bank.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonNoReplySender}},
		{"noreply in From", base,
			Inbound{EnvelopeFrom: member, Header: hdr("From", "<NoReply@bank.example>"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonNoReplySender}},
		{"do_not_reply", base,
			Inbound{EnvelopeFrom: "do_not_reply@bank.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonNoReplySender}},
		{"DoNotReply in Sender", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Sender", "DoNotReply@bank.example"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonNoReplySender}},
		{"our own From address as envelope", base,
			Inbound{EnvelopeFrom: "Support@Support.Example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonOwnAddress}},
		{"any address in our domain", base,
			Inbound{EnvelopeFrom: "billing@support.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonOwnAddress}},
		{"our address in From", base,
			Inbound{EnvelopeFrom: member, Header: hdr("From", "support@support.example"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonOwnAddress}},
		{"own address beats bounce", base,
			Inbound{EnvelopeFrom: "mailer-daemon@support.example", Auth: spf, Scan: ssn},
			Decision{Reason: ReasonOwnAddress}},
		{"loop token in X-Loop", base,
			Inbound{EnvelopeFrom: member, Header: hdr("X-Loop", "INTAKE-LOOP.support.example"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonLoop}},
		{"foreign X-Loop is not ours", base,
			Inbound{EnvelopeFrom: member, Header: hdr("X-Loop", "helpdesk.other.example"), Auth: spf, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"Auto-Submitted: auto-replied", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Auto-Submitted", "auto-replied"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonAutoSubmitted}},
		{"Auto-Submitted: auto-generated with parameter", base,
			Inbound{EnvelopeFrom: member, Header: hdr("auto-submitted", "auto-generated; owner-email=x@y.example"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonAutoSubmitted}},
		{"Auto-Submitted: No is a human", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Auto-Submitted", " No "), Auth: spf, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"Auto-Submitted empty is not no", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Auto-Submitted", ""), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonAutoSubmitted}},
		{"delivery report", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Content-Type", `multipart/report; report-type=delivery-status; boundary="b"`), Auth: spf, Scan: withheld},
			Decision{Reason: ReasonDeliveryReport}},
		{"delivery report, sloppy Content-Type", base,
			Inbound{EnvelopeFrom: member, Header: hdr("CONTENT-TYPE", `Multipart/Report; boundary=`), Auth: spf, Scan: withheld},
			Decision{Reason: ReasonDeliveryReport}},
		{"Precedence: bulk", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Precedence", "bulk"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonPrecedence}},
		{"Precedence: junk", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Precedence", "Junk"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonPrecedence}},
		{"Precedence: list", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Precedence", "list"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonPrecedence}},
		{"Precedence: auto_reply", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Precedence", "auto_reply"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonPrecedence}},
		{"Precedence: first-class is fine", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Precedence", "first-class"), Auth: spf, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"List-Id", base,
			Inbound{EnvelopeFrom: member, Header: hdr("List-Id", "<members.lists.example>"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonListHeader}},
		{"list-unsubscribe in lower case", base,
			Inbound{EnvelopeFrom: member, Header: hdr("list-unsubscribe", "<mailto:x@y.example>"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonListHeader}},
		{"X-Auto-Response-Suppress: All", base,
			Inbound{EnvelopeFrom: member, Header: hdr("X-Auto-Response-Suppress", "All"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonSuppressed}},
		{"X-Auto-Response-Suppress: DR, OOF", base,
			Inbound{EnvelopeFrom: member, Header: hdr("X-Auto-Response-Suppress", "DR, OOF"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonSuppressed}},
		{"X-Auto-Response-Suppress: DR, NDR only", base,
			Inbound{EnvelopeFrom: member, Header: hdr("X-Auto-Response-Suppress", "DR, NDR"), Auth: spf, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"X-Autoreply", base,
			Inbound{EnvelopeFrom: member, Header: hdr("X-Autoreply", "yes"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonAutoreplyHeader}},
		{"X-Autorespond", base,
			Inbound{EnvelopeFrom: member, Header: hdr("x-autorespond", "vacation"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonAutoreplyHeader}},
		{"bounce sender beats list header", base,
			Inbound{EnvelopeFrom: "postmaster@member.example", Header: hdr("List-Id", "<l>", "Precedence", "bulk"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonBounceSender}},
		{"loop beats auto-submitted", base,
			Inbound{EnvelopeFrom: member, Header: hdr("Auto-Submitted", "auto-replied", "X-Loop", "intake-loop.support.example"), Auth: spf, Scan: ssn},
			Decision{Reason: ReasonLoop}},
		{"list mail that is clean: list rule first", ack,
			Inbound{EnvelopeFrom: member, Header: hdr("List-Post", "<mailto:l@x.example>"), Auth: spf},
			Decision{Reason: ReasonListHeader}},
		{"SPF fail, no DMARC", base,
			Inbound{EnvelopeFrom: member, Auth: Auth{SPF: "fail"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"SPF softfail", base,
			Inbound{EnvelopeFrom: member, Auth: Auth{SPF: "softfail", DMARC: "fail"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"no verdicts at all", base,
			Inbound{EnvelopeFrom: member, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"aligned DMARC pass from header", base,
			Inbound{EnvelopeFrom: "bounces-ann@mail.member.example", Header: hdr("From", "ann@member.example"), Auth: Auth{SPF: "none", DMARC: "pass"}, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, "bounces-ann@mail.member.example"}},
		{"aligned DMARC pass with domain given", base,
			Inbound{EnvelopeFrom: "ann@eu.member.example", Auth: Auth{DMARC: "pass", DMARCDomain: "member.example"}, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, "ann@eu.member.example"}},
		{"DMARC pass for another domain is not ours to trust", base,
			Inbound{EnvelopeFrom: "victim@innocent.example", Header: hdr("From", "spammer@spam.example"), Auth: Auth{SPF: "fail", DMARC: "pass"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"DMARC pass, public suffix is not alignment", base,
			Inbound{EnvelopeFrom: "x@a.co.uk", Auth: Auth{DMARC: "pass", DMARCDomain: "b.co.uk"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"auth not required", noAuth,
			Inbound{EnvelopeFrom: member, Auth: Auth{SPF: "fail"}, Scan: withheld},
			Decision{true, TemplateWithheld, ReasonWithheld, member}},
		{"sensitive reply already sent today", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: ssn, History: History{SensitiveLast24h: 1}},
			Decision{Reason: ReasonRateSensitive}},
		{"withheld note not limited by the daily sensitive cap", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: withheld, History: History{SensitiveLast24h: 1, RepliesLastHour: 1}},
			Decision{true, TemplateWithheld, ReasonWithheld, member}},
		{"hourly cap reached", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: withheld, History: History{RepliesLastHour: 3}},
			Decision{Reason: ReasonRateHourly}},
		{"hourly cap never stops the sensitive-data reply", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: ssn, History: History{RepliesLastHour: 3}},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"hourly cap also stops acknowledgements", ack,
			Inbound{EnvelopeFrom: member, Auth: spf, History: History{RepliesLastHour: 5}},
			Decision{Reason: ReasonRateHourly}},
		{"unauthenticated is reported before the rate limit", base,
			Inbound{EnvelopeFrom: member, Scan: ssn, History: History{SensitiveLast24h: 3}},
			Decision{Reason: ReasonNotAuthenticated}},
		{"reply goes to the envelope, never to Reply-To", base,
			Inbound{EnvelopeFrom: "<Ann@Member.Example>", Header: hdr("From", "ann@member.example", "Reply-To", "victim@elsewhere.example"), Auth: spf, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, "Ann@member.example"}},
		{"everything at once: disabled first", off,
			Inbound{EnvelopeFrom: "", Header: hdr("List-Id", "x", "Auto-Submitted", "auto-generated")},
			Decision{Reason: ReasonDisabled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.policy.Decide(tt.in)
			if got != tt.want {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecideZeroPolicyNeverReplies(t *testing.T) {
	d := Policy{}.Decide(Inbound{EnvelopeFrom: "ann@member.example", Auth: Auth{SPF: "pass"}, Scan: ScanFacts{Withheld: true}})
	if d.Reply || d.Reason != ReasonDisabled {
		t.Fatalf("zero Policy: %+v", d)
	}
}
