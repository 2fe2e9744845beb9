package reply

import (
	"testing"

	"github.com/intake-mail/intake/scan"
)

func TestDecide(t *testing.T) {
	base := testPolicy()
	base.OwnAddresses = []string{"support@support.example"}
	base.OwnDomains = []string{"support.example"}
	base.LoopToken = "intake-loop.support.example"

	ack := base
	ack.AcknowledgeClean = true
	noAuth := base
	noAuth.RequireSenderAuth = false
	off := base
	off.Enabled = false
	noDomain := base
	noDomain.RepliesPerDomainHour, noDomain.SensitivePerDomainHour = 0, 0

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
		// Issue 15 item 6: the reply goes to the envelope sender, so that
		// address itself must be proven, not only the From domain.
		{"DKIM replay: DMARC pass for the signer, envelope is someone else", base,
			Inbound{EnvelopeFrom: "victim@bigmail.example", Header: hdr("From", "Attacker <attacker@bigmail.example>"), Auth: Auth{SPF: "fail", DMARC: "pass", DMARCDomain: "bigmail.example"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"DMARC pass and the envelope is the From address", base,
			Inbound{EnvelopeFrom: "attacker@bigmail.example", Header: hdr("From", "Attacker <attacker@bigmail.example>"), Auth: Auth{SPF: "fail", DMARC: "pass", DMARCDomain: "bigmail.example"}, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, "attacker@bigmail.example"}},
		{"DMARC pass, envelope equals From but for case", base,
			Inbound{EnvelopeFrom: "Ann@Member.Example", Header: hdr("From", "ann@MEMBER.example"), Auth: Auth{SPF: "none", DMARC: "pass"}, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, "Ann@member.example"}},
		{"DMARC pass proves From, not a bounce address in the same domain", base,
			Inbound{EnvelopeFrom: "bounces-ann@mail.member.example", Header: hdr("From", "ann@member.example"), Auth: Auth{SPF: "none", DMARC: "pass"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"DMARC pass without a From to compare", base,
			Inbound{EnvelopeFrom: "ann@eu.member.example", Auth: Auth{DMARC: "pass", DMARCDomain: "member.example"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"DMARC pass for another domain than From's", base,
			Inbound{EnvelopeFrom: member, Header: hdr("From", member), Auth: Auth{DMARC: "pass", DMARCDomain: "other.example"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"DMARC pass with two authors", base,
			Inbound{EnvelopeFrom: member, Header: hdr("From", member+", bob@member.example"), Auth: Auth{DMARC: "pass"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"DMARC pass for another domain is not ours to trust", base,
			Inbound{EnvelopeFrom: "victim@innocent.example", Header: hdr("From", "spammer@spam.example"), Auth: Auth{SPF: "fail", DMARC: "pass"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		{"SPF pass for the envelope's domain", base,
			Inbound{EnvelopeFrom: member, Header: hdr("From", "other@elsewhere.example"), Auth: Auth{SPF: "pass", SPFDomain: "MEMBER.example."}, Scan: ssn},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"SPF pass for another identity (HELO) is not the envelope's", base,
			Inbound{EnvelopeFrom: member, Auth: Auth{SPF: "pass", SPFDomain: "mx.relay.example"}, Scan: ssn},
			Decision{Reason: ReasonNotAuthenticated}},
		// Issue 8 item 8: never write to an address we had to mask.
		{"masked envelope sender", base,
			Inbound{EnvelopeFrom: "************1111@member.example", Auth: spf, Scan: ssn, SenderMasked: true},
			Decision{Reason: ReasonMaskedSender}},
		{"masked envelope sender, even unauthenticated and clean", ack,
			Inbound{EnvelopeFrom: "***-**-8350@member.example", SenderMasked: true},
			Decision{Reason: ReasonMaskedSender}},
		// Issue 15 item 7: one organisational domain gets a bounded share.
		{"domain's hourly cap stops a withheld note", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: withheld, History: History{DomainLastHour: 20}},
			Decision{Reason: ReasonRateDomain}},
		{"under the domain's cap", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: withheld, History: History{DomainLastHour: 19}},
			Decision{true, TemplateWithheld, ReasonWithheld, member}},
		{"domain's cap of sensitive-data replies", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: ssn, History: History{DomainLastHour: 200, DomainSensitiveLastHour: 200}},
			Decision{Reason: ReasonRateDomain}},
		// One big provider's members in a busy hour: the sensitive-data
		// reply's cap is its own, far above the other replies' cap.
		{"sensitive-data replies go on past the other replies' domain cap", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: ssn, History: History{DomainLastHour: 20, DomainSensitiveLastHour: 20}},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"under the sensitive-data replies' domain cap", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: ssn, History: History{DomainLastHour: 250, DomainSensitiveLastHour: 199}},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"notes to the domain never use up the sensitive-data reply's turn", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: ssn, History: History{DomainLastHour: 40, DomainSensitiveLastHour: 3}},
			Decision{true, TemplateSensitive, ReasonSensitive, member}},
		{"the address's own cap is reported before the domain's", base,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: ssn, History: History{SensitiveLast24h: 1, DomainSensitiveLastHour: 20}},
			Decision{Reason: ReasonRateSensitive}},
		{"domain cap of zero sends none", noDomain,
			Inbound{EnvelopeFrom: member, Auth: spf, Scan: ssn},
			Decision{Reason: ReasonRateDomain}},
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

// TestMailboxKey: spellings of one mailbox share a rate-limit key; other
// mailboxes do not.
func TestMailboxKey(t *testing.T) {
	same := [][]string{
		{"bob@bigmail.example", "bob+1@bigmail.example", "bob+x@bigmail.example", "b.o.b@bigmail.example",
			"BOB@BigMail.Example", "<Bob.+tag@bigmail.example.>", "b.o.b+x.y@BIGMAIL.example"},
		{"jose@xn--bcher-kva.example", "jose@bücher.example", "José@bücher.example"[:0] + "jose@BÜCHER.example"},
	}
	for _, group := range same {
		want := mailboxKey(group[0])
		for _, a := range group[1:] {
			if got := mailboxKey(a); got != want {
				t.Errorf("mailboxKey(%q) = %q, want %q (as %q)", a, got, want, group[0])
			}
		}
	}
	differ := [][2]string{
		{"bob@bigmail.example", "bobby@bigmail.example"},
		{"bob@bigmail.example", "bob@other.example"},
		{"mary-jane@bigmail.example", "mary-ann@bigmail.example"}, // "-" is not a sub-address here
		{"+bob@bigmail.example", "+alice@bigmail.example"},        // a leading "+" is the name itself
	}
	for _, d := range differ {
		if mailboxKey(d[0]) == mailboxKey(d[1]) {
			t.Errorf("%q and %q share a key", d[0], d[1])
		}
	}
	// The store's counters follow the mailbox; the domain's follow the
	// organisational domain.
	if anyKey("bob+1@bigmail.example") != anyKey("B.O.B@bigmail.example") || sensitiveKey("bob+x@bigmail.example") != sensitiveKey("bob@bigmail.example") {
		t.Errorf("counter keys differ for one mailbox")
	}
	if domainAnyKey("a@eu.bigmail.example") != domainAnyKey("b@BIGMAIL.example") || domainAnyKey("a@x.co.uk") == domainAnyKey("a@y.co.uk") {
		t.Errorf("domain keys do not follow the organisational domain")
	}
}

// TestSafeInReplyTo: a member's Message-ID that held a number is never
// echoed, masked or not (issue 15 item 9's knock-on).
func TestSafeInReplyTo(t *testing.T) {
	for i, tc := range []struct {
		id   string
		keep bool
	}{
		{"<abc.123@mail.member.example>", true},
		{"<CAF=x9Qk_0a@mail.gmail.com>", true},
		{"<1732528800.12345@mx.member.example>", true},           // a Unix time: ten digits
		{"<e2e-7-1764061234567891234@member.test>", true},        // twenty digits: no card
		{"<20261125100000.4F2A1C0B5@mx.member.example>", true},   // Postfix style; fourteen digits, no card's first digit
		{"<card-************1111@member.example>", false},        // masked by the gateway
		{"<ssn-***-**-8350.1@member.example>", false},            // masked by the gateway
		{"<card-4111111111111111@member.example>", false},        // unmasked: the number itself
		{"<visa-4111-1111-1111-1111-x@member.example>", false},   // grouped
		{"<4111.1111.1111.1111.20261125@member.example>", false}, // whole groups, a date after
		{"<x-489-36-8350-ssn@member.example>", false},            // an SSN's nine digits
		{"<no-at-sign>", false},
		{"", false},
	} {
		if got := safeInReplyTo(tc.id); (got != "") != tc.keep || tc.keep && got != tc.id {
			// The case's index only: the id may hold a full test number.
			t.Errorf("case %d: kept=%v, want %v", i, got != "", tc.keep)
		}
	}
}
