package reply

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// Published test numbers only (see the common rules).
const (
	plantedSSN = "489-36-8350"
	plantedPAN = "4111111111111111"
)

// testPolicy is the policy config.Default asks for, spelt out: replies on
// to authenticated senders, one sensitive-data reply a day per address,
// three replies an hour, twenty other replies and two hundred
// sensitive-data replies an hour per organisational domain.
func testPolicy() Policy {
	return Policy{Enabled: true, RequireSenderAuth: true, SensitivePerDay: 1, RepliesPerHour: 3,
		RepliesPerDomainHour: 20, SensitivePerDomainHour: 200}
}

const (
	testGiveUp      = 24 * time.Hour
	testStaffGiveUp = 5 * 24 * time.Hour
)

func testResponder(t testing.TB, mod func(*ResponderOptions)) *Responder {
	t.Helper()
	th := tickets.NewThreader([]byte("0123456789abcdef0123456789abcdef"))
	o := ResponderOptions{
		Policy:        testPolicy(),
		GiveUp:        testGiveUp,
		StaffGiveUp:   testStaffGiveUp,
		From:          "support@support.example",
		OrgName:       "Example Credit Union",
		PostalAddress: "Member Services\nPO Box 100\nSpringfield, IL 62701",
		Phone:         "+1 217 555 0100",
		Hours:         "Monday to Friday, 8am to 6pm Central",
		MessageID:     th.MessageID,
		Now:           func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	}
	if mod != nil {
		mod(&o)
	}
	r, err := NewResponder(o)
	if err != nil {
		t.Fatalf("NewResponder: %v", err)
	}
	return r
}

// composed is the auto-reply for d as the worker sends it: the intent job
// the gateway queues, with the ticket filled in as the store does, and its
// Payload replaced by the message rendered with ref and checked by
// outbound DLP.
func composed(r *Responder, d Decision, facts ScanFacts, inReplyTo string, ticket uuid.UUID, ref string) (tickets.OutboxJob, error) {
	j := r.intentJob(d, facts, safeInReplyTo(inReplyTo))
	j.TicketID, j.Created = ticket, r.o.Now()
	raw, body, err := r.Render(j, ref)
	if err != nil {
		return j, err
	}
	if err := CheckOutbound(context.Background(), r.o.Scanner, raw, body); err != nil {
		return j, err
	}
	j.Payload = raw
	return j, nil
}

// parsed is a composed message read back as a member's client reads it.
type parsed struct {
	hdr  mail.Header
	body string
	raw  string
}

func parseOut(t *testing.T, raw []byte) parsed {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatalf("bare LF in composed message")
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read composed message: %v", err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	return parsed{m.Header, strings.ReplaceAll(string(b), "\r\n", "\n"), string(raw)}
}

// assertNoPlanted fails if any digit sequence of the planted numbers is in
// s, in any spelling; it prints only where, never the text.
func assertNoPlanted(t *testing.T, what, s string) {
	t.Helper()
	digits := regexp.MustCompile(`[^0-9]`).ReplaceAllString(s, "")
	for _, n := range []string{plantedSSN, plantedPAN} {
		d := strings.ReplaceAll(n, "-", "")
		if strings.Contains(s, n) || strings.Contains(digits, d) || strings.Contains(s, d[len(d)-4:]) {
			t.Errorf("%s holds digits of a planted number (ending %s)", what, d[len(d)-4:])
		}
	}
	if ms := scan.Detect([]byte(s)); len(ms) > 0 {
		t.Errorf("%s: scanner finds %s ending %s", what, ms[0].Kind, ms[0].Last4)
	}
}

func TestTemplatesRender(t *testing.T) {
	r := testResponder(t, nil)
	ticket := uuid.New()
	for _, tc := range []struct {
		template string
		facts    ScanFacts
		want     []string
	}{
		{TemplateSensitive, ScanFacts{Kinds: []scan.Kind{scan.KindSSN}}, []string{"a Social Security number", "PO Box 100", "Springfield, IL 62701", "+1 217 555 0100", "Monday to Friday", "T-7K3F9Q", "by post or by telephone"}},
		{TemplateSensitive, ScanFacts{Kinds: []scan.Kind{scan.KindPAN, scan.KindSSN}, Withheld: true}, []string{"a Social Security number and a payment card number", "could not be checked"}},
		{TemplateSensitive, ScanFacts{Kinds: []scan.Kind{scan.KindPAN}}, []string{"contained a payment card number."}},
		{TemplateWithheld, ScanFacts{Withheld: true}, []string{"could not be checked", "T-7K3F9Q", "PO Box 100", "+1 217 555 0100"}},
		{TemplateAcknowledge, ScanFacts{}, []string{"We have received your message", "T-7K3F9Q"}},
	} {
		t.Run(tc.template, func(t *testing.T) {
			d := Decision{Reply: true, Template: tc.template, To: "ann@member.example"}
			job, err := composed(r, d, tc.facts, "<CAF=abc@mail.member.example>", ticket, "T-7K3F9Q")
			if err != nil {
				t.Fatalf("compose: %v", err)
			}
			p := parseOut(t, job.Payload)
			for _, l := range strings.Split(p.body, "\n") {
				if len(l) > 78 {
					t.Errorf("body line of %d bytes: not wrapped", len(l))
				}
			}
			flat := strings.Join(strings.Fields(p.body), " ")
			for _, w := range tc.want {
				if !strings.Contains(flat, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			if tc.template != TemplateWithheld && tc.facts.Withheld == false && strings.Contains(p.body, "could not be checked") {
				t.Errorf("withheld note in a reply without a withheld part")
			}
			subj := p.hdr.Get("Subject")
			if !strings.HasSuffix(subj, "[T-7K3F9Q]") {
				t.Errorf("subject %q does not end with the ref", subj)
			}
			for k, v := range map[string]string{
				"Auto-Submitted":            "auto-replied",
				"X-Auto-Response-Suppress":  "All",
				"X-Loop":                    "support@support.example",
				"In-Reply-To":               "<CAF=abc@mail.member.example>",
				"References":                "<CAF=abc@mail.member.example>",
				"To":                        "<ann@member.example>",
				"Content-Type":              "text/plain; charset=utf-8",
				"Content-Transfer-Encoding": "quoted-printable",
				"MIME-Version":              "1.0",
			} {
				if got := p.hdr.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			from, err := mail.ParseAddress(p.hdr.Get("From"))
			if err != nil || from.Address != "support@support.example" || from.Name != "Example Credit Union" {
				t.Errorf("From = %q (%v)", p.hdr.Get("From"), err)
			}
			th := tickets.NewThreader([]byte("0123456789abcdef0123456789abcdef"))
			if id, ok := th.TicketFromMessageID(p.hdr.Get("Message-ID")); !ok || id != ticket {
				t.Errorf("Message-ID %q does not carry the signed ticket token", p.hdr.Get("Message-ID"))
			}
			if job.Kind != KindAutoPrefix+tc.template || job.Recipient != "ann@member.example" || job.TicketID != ticket {
				t.Errorf("job = kind %q recipient %q", job.Kind, job.Recipient)
			}
			if !job.GiveUpAt.Equal(job.NextAttempt.Add(testGiveUp)) {
				t.Errorf("give up at %v, want a day after %v", job.GiveUpAt, job.NextAttempt)
			}
			// Per mailbox and per domain; the sensitive-data reply has a cap
			// of its own at each.
			wantLimits := 2
			if tc.template == TemplateSensitive {
				wantLimits = 4
			}
			if len(job.Limits) != wantLimits {
				t.Errorf("%d limits on the job, want %d", len(job.Limits), wantLimits)
			}
		})
	}
}

// TestTemplatesHostileInputs renders every template with everything a
// member or a careless admin controls set to hostile values, and checks no
// planted number escapes, no header is injected, and the scan is clean.
func TestTemplatesHostileInputs(t *testing.T) {
	r := testResponder(t, func(o *ResponderOptions) {
		o.OrgName = "Evil Org\r\nBcc: thief@evil.example"
		o.Phone = "+1 217 555 0100\nX-Injected: yes"
		o.Hours = "9-5\r\n\r\nfake body"
		o.PostalAddress = "PO Box 1\r\n\r\n\r\nSpringfield\x00\x1b[31m"
		o.Scanner = fullScanner()
	})
	hostileIDs := []string{
		"<" + plantedSSN + "@evil.example>",
		"<" + plantedPAN + "@evil.example>",
		"<a@b>\r\nBcc: thief@evil.example",
		"<4111-1111-1111-1111.x@evil.example>",
		"<" + strings.Repeat("x", 400) + "@evil.example>",
		"no brackets or at sign " + plantedSSN,
	}
	in := Inbound{
		EnvelopeFrom: "ann@member.example",
		Header: map[string][]string{
			"Subject":    {"my SSN is " + plantedSSN + " and card " + plantedPAN},
			"Reply-To":   {"thief@evil.example"},
			"From":       {"Ann " + plantedSSN + " <ann@member.example>"},
			"Message-Id": {hostileIDs[0]},
		},
		Auth: Auth{SPF: "pass"},
		Scan: ScanFacts{Kinds: []scan.Kind{scan.KindSSN, scan.KindPAN}, Withheld: true},
	}
	ticket := uuid.New()
	for _, name := range templateNames {
		for i, id := range hostileIDs {
			in.Header["Message-Id"] = []string{id}
			d, intentJob := r.Intent(context.Background(), in)
			if !d.Reply || intentJob == nil {
				t.Fatalf("no reply: %s", d.Reason)
			}
			// What the gateway queued keeps no hostile Message-ID.
			if strings.Contains(string(intentJob.Payload), "evil") || strings.Contains(string(intentJob.Payload), "8350") {
				t.Fatalf("id %d: the intent keeps a hostile Message-ID", i)
			}
			d.Template = name
			job, err := composed(r, d, in.Scan, firstValue(in.Header, "Message-ID"), ticket, "T-7K3F9Q")
			if err != nil {
				t.Fatalf("%s, id %d: %v", name, i, err)
			}
			p := parseOut(t, job.Payload)
			assertNoPlanted(t, name+" raw", p.raw)
			assertNoPlanted(t, name+" body", p.body)
			if err := CheckOutbound(context.Background(), fullScanner(), job.Payload, p.body); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			for _, k := range []string{"Bcc", "X-Injected"} {
				if p.hdr.Get(k) != "" {
					t.Errorf("%s: header %s injected", name, k)
				}
			}
			if got := p.hdr.Get("To"); got != "<ann@member.example>" {
				t.Errorf("%s: To = %q, want the envelope sender", name, got)
			}
			// The hostile org name stays, flattened, in the display name;
			// the member's Reply-To and text appear nowhere.
			for _, k := range []string{"To", "Cc", "Bcc", "Reply-To"} {
				if strings.Contains(p.hdr.Get(k), "thief") {
					t.Errorf("%s: %s names the thief", name, k)
				}
			}
			if strings.Contains(p.raw, "my SSN") || strings.Contains(p.raw, "Ann ") || strings.Contains(p.body, "fake body\n") {
				t.Errorf("%s: member or injected text in the reply", name)
			}
			if irt := p.hdr.Get("In-Reply-To"); irt != "" && irt != "<a@b>" {
				t.Errorf("%s: hostile In-Reply-To kept: %d bytes", name, len(irt))
			}
		}
	}
}

func TestSensitiveRecipientBlocked(t *testing.T) {
	r := testResponder(t, nil)
	d := Decision{Reply: true, Template: TemplateSensitive, To: plantedPAN + "@member.example"}
	_, err := composed(r, d, ScanFacts{Kinds: []scan.Kind{scan.KindPAN}}, "", uuid.New(), "T-7K3F9Q")
	if !errors.Is(err, ErrSensitiveOutbound) {
		t.Fatalf("reply to an address holding a card number: err = %v, want ErrSensitiveOutbound", err)
	}
	if strings.Contains(err.Error(), plantedPAN[:12]) {
		t.Fatalf("error text holds the number")
	}
}

func TestTemplateOverrides(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("acknowledge.txt", `{{define "subject"}}Got it [{{.Ref}}]{{end}}Dear member, we have it: {{.Ref}}.`)
	r := testResponder(t, func(o *ResponderOptions) { o.TemplatesDir = dir })
	job, err := composed(r, Decision{Reply: true, Template: TemplateAcknowledge, To: "ann@member.example"}, ScanFacts{}, "", uuid.New(), "T-AAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	p := parseOut(t, job.Payload)
	if p.hdr.Get("Subject") != "Got it [T-AAAAAA]" || !strings.Contains(p.body, "Dear member, we have it: T-AAAAAA.") {
		t.Errorf("override not used: subject %q", p.hdr.Get("Subject"))
	}

	for _, bad := range []struct{ name, src, want string }{
		{"leaks a number", `{{define "subject"}}x{{end}}Call us and quote 4111 1111 1111 1111.`, "outbound"},
		{"no subject", `Hello {{.Ref}}`, "subject"},
		{"unknown field", `{{define "subject"}}x{{end}}{{.MemberSubject}}`, "MemberSubject"},
		{"syntax", `{{define "subject"}}x{{end}}{{if}}`, "parse"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			d := t.TempDir()
			if err := os.WriteFile(filepath.Join(d, "sensitive.txt"), []byte(bad.src), 0o600); err != nil {
				t.Fatal(err)
			}
			th := tickets.NewThreader([]byte("0123456789abcdef0123456789abcdef"))
			_, err := NewResponder(ResponderOptions{Policy: testPolicy(), From: "support@support.example", TemplatesDir: d, MessageID: th.MessageID,
				GiveUp: testGiveUp, StaffGiveUp: testStaffGiveUp})
			if err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Fatalf("NewResponder = %v, want an error about %q", err, bad.want)
			}
			if strings.Contains(err.Error(), "4111 1111") {
				t.Fatalf("error text holds the number")
			}
		})
	}
}

func TestLongSubjectFolds(t *testing.T) {
	raw, err := Outgoing{From: "support@support.example", To: "ann@member.example", MessageID: "id@support.example",
		Subject: strings.Repeat("Ünïcödé subject words ", 20), Body: "x"}.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\r\n") {
		if len(l) > 998 {
			t.Fatalf("header line of %d bytes", len(l))
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || dec != strings.TrimSpace(strings.Repeat("Ünïcödé subject words ", 20)) {
		t.Fatalf("subject does not survive folding: %q (%v)", dec, err)
	}
}

func TestOrgNameDefaultsToDomain(t *testing.T) {
	r := testResponder(t, func(o *ResponderOptions) { o.OrgName = " " })
	job, err := composed(r, Decision{Reply: true, Template: TemplateWithheld, To: "ann@member.example"}, ScanFacts{Withheld: true}, "", uuid.New(), "T-7K3F9Q")
	if err != nil {
		t.Fatal(err)
	}
	if p := parseOut(t, job.Payload); !strings.Contains(p.body, "writing to support.example.") {
		t.Fatalf("no organisation named in the reply")
	}
}

func TestFoundPhrase(t *testing.T) {
	for _, tc := range []struct {
		kinds []scan.Kind
		want  string
	}{
		{[]scan.Kind{scan.KindSSN}, "a Social Security number"},
		{[]scan.Kind{scan.KindPAN, scan.KindPAN}, "a payment card number"},
		{[]scan.Kind{scan.KindPAN, scan.KindSSN}, "a Social Security number and a payment card number"},
		{[]scan.Kind{"iban"}, "a sensitive number"},
		{nil, "a sensitive number"},
	} {
		if got := foundPhrase(tc.kinds); got != tc.want {
			t.Errorf("foundPhrase(%v) = %q, want %q", tc.kinds, got, tc.want)
		}
	}
}

// TestSensitiveReplyPronoun: "we removed it", or "them" when two kinds of
// number were found.
func TestSensitiveReplyPronoun(t *testing.T) {
	r := testResponder(t, nil)
	for _, tc := range []struct {
		kinds []scan.Kind
		want  string
	}{
		{[]scan.Kind{scan.KindSSN}, "we removed it before"},
		{[]scan.Kind{scan.KindPAN, scan.KindPAN}, "we removed it before"},
		{[]scan.Kind{scan.KindSSN, scan.KindPAN}, "we removed them before"},
	} {
		job, err := composed(r, Decision{Reply: true, Template: TemplateSensitive, To: "ann@member.example"}, ScanFacts{Kinds: tc.kinds}, "", uuid.New(), "T-7K3F9Q")
		if err != nil {
			t.Fatal(err)
		}
		body := strings.Join(strings.Fields(parseOut(t, job.Payload).body), " ")
		if !strings.Contains(body, tc.want) {
			t.Errorf("kinds %v: reply lacks %q:\n%s", tc.kinds, tc.want, body)
		}
	}
}
