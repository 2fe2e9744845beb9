package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// panBlindScanner is the real scanner with its card rule disabled: its
// PAN findings are dropped and the numbers they masked are put back, as a
// detector bug would leave them. unmask maps each masked form to what it
// hid (the test's own published numbers).
type panBlindScanner struct {
	sc     Scanner
	unmask map[string]string
}

func (b panBlindScanner) Scan(ctx context.Context, raw []byte) (*scan.Result, error) {
	res, err := b.sc.Scan(ctx, raw)
	if res == nil {
		return res, err
	}
	restore := func(s string) string {
		for masked, orig := range b.unmask {
			s = strings.ReplaceAll(s, masked, orig)
		}
		return s
	}
	res.Subject = restore(res.Subject)
	res.Findings = dropPANs(res.Findings)
	for i := range res.Parts {
		p := &res.Parts[i]
		p.Text, p.Findings = restore(p.Text), dropPANs(p.Findings)
	}
	return res, err
}

func dropPANs(fs []scan.Finding) []scan.Finding {
	var out []scan.Finding
	for _, f := range fs {
		if f.Type != scan.KindPAN {
			out = append(out, f)
		}
	}
	return out
}

// guardedNumbers are the cards of guardMessage, as written there.
var guardedNumbers = []string{"4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005"}

// guardMessage holds cards in the subject and the body, and the note in
// an attachment, pay.txt.
func guardMessage(note string) string {
	urlNote := base64.StdEncoding.EncodeToString([]byte(note))
	innocent := base64.StdEncoding.EncodeToString([]byte("Order 112-4567890-1234567 of 2026-03-15 10:22:31, $1,234.56.\r\n"))
	return message([]string{
		"From: Member <m@member.example>",
		"To: help@support.localhost",
		"Subject: card 4111 1111 1111 1111",
		"Date: Mon, 2 Jan 2006 15:04:05 -0700",
		"Message-ID: <guard-1@member.example>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="b1"`,
	}, "--b1\n"+
		"Content-Type: text/plain; charset=utf-8\n\n"+
		"Please charge 5555-5555-5555-4444 for the renewal.\n"+
		"--b1\n"+
		"Content-Type: text/plain; name=pay.txt\n"+
		"Content-Disposition: attachment; filename=pay.txt\n"+
		"Content-Transfer-Encoding: base64\n\n"+
		urlNote+"\n"+
		"--b1\n"+
		"Content-Type: text/plain; name=order.txt\n"+
		"Content-Disposition: attachment; filename=order.txt\n"+
		"Content-Transfer-Encoding: base64\n\n"+
		innocent+"\n"+
		"--b1--\n")
}

// spellings are the ways a number may sit in a file: as written, digits
// alone, and either in UTF-16.
func spellings(n string) [][]byte {
	digits := digitsOnly(n)
	return [][]byte{[]byte(n), []byte(digits), utf16le(n), utf16le(digits)}
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// noNumberIn fails when any guarded number, in any spelling, is in b.
func noNumberIn(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, n := range guardedNumbers {
		for _, sp := range spellings(n) {
			if bytes.Contains(b, sp) {
				t.Errorf("%s holds the card ending %s", where, n[len(n)-4:])
			}
		}
	}
}

// TestSecondCheckKeepsMissedNumberOut: the precise scanner's card rule is
// disabled (its findings dropped, the numbers unmasked) and one card sits
// in a URL, which the scanner leaves alone on purpose. Through a real SMTP
// conversation into a real SQLite store, the second check still keeps every
// number out of the database, its WAL and every stored field: the subject
// is replaced, the parts are withheld with reason second_check, the
// attachment holding one is not kept, and the original, which the scanner
// thought clean, is sealed whole.
func TestSecondCheckKeepsMissedNumberOut(t *testing.T) {
	blind := func(o *Options) {
		o.Scanner = panBlindScanner{sc: o.Scanner, unmask: map[string]string{
			"**** **** **** 1111": "4111 1111 1111 1111",
			"****-****-****-4444": "5555-5555-5555-4444",
		}}
	}
	e := newEnv(t, blind)
	ref := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, guardMessage("Pay here: https://pay.example/cards/378282246310005\r\n"))

	// What the store kept.
	d := e.ticket(ref)
	if len(d.Messages) != 1 {
		t.Fatalf("want 1 message, got %d", len(d.Messages))
	}
	m := d.Messages[0]
	if d.Subject != withheldValue || m.Subject != withheldValue {
		t.Errorf("subject not withheld: ticket %q, message %q", scan.MaskString(d.Subject), scan.MaskString(m.Subject))
	}
	if !d.Withheld {
		t.Error("ticket not marked withheld")
	}
	parts := map[string]tickets.Part{}
	for _, p := range m.Parts {
		parts[p.Where] = p
	}
	for _, where := range []string{"body", "attachment:pay.txt"} {
		p, ok := parts[where]
		if !ok || !p.Withheld || p.Reason != reasonSecondCheck || p.Text != "" {
			t.Errorf("part %s: kept %v, withheld %v, reason %q, %d bytes of text", where, ok, p.Withheld, p.Reason, len(p.Text))
		}
	}
	if p := parts["attachment:order.txt"]; p.Withheld || !strings.Contains(p.Text, "112-4567890-1234567") {
		t.Errorf("the innocent attachment was withheld too (reason %q)", p.Reason)
	}
	var names []string
	for _, a := range m.Attachments {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "order.txt" {
		t.Errorf("attachments kept: %v, want only order.txt", names)
	}
	withheld := map[string]bool{}
	for _, u := range m.Unscannable {
		if u.Reason == reasonSecondCheck {
			withheld[u.Where] = true
		}
	}
	for _, where := range []string{"subject", "body", "attachment:pay.txt"} {
		if !withheld[where] {
			t.Errorf("no second_check entry for %s in %v", where, m.Unscannable)
		}
	}
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	noNumberIn(t, "the stored ticket", js)
	for _, n := range guardedNumbers {
		if strings.Contains(digitsOnly(string(js)), digitsOnly(n)) {
			t.Errorf("the stored ticket's digits hold the card ending %s", n[len(n)-4:])
		}
	}

	// The original is sealed whole, for the privacy officer.
	if m.QuarantineID == uuid.Nil || len(d.Quarantine) != 1 {
		t.Fatalf("the original was not sealed (%d quarantine items)", len(d.Quarantine))
	}
	causes := map[tickets.Cause]bool{}
	for _, c := range d.Quarantine[0].Causes {
		causes[c] = true
	}
	if !causes[tickets.CauseUnscannable(reasonSecondCheck)] {
		t.Errorf("quarantine causes %v lack second_check", d.Quarantine[0].Causes)
	}
	item, err := e.store.get().OpenQuarantine(context.Background(), m.QuarantineID, "test")
	if err != nil {
		t.Fatal(err)
	}
	idFile := t.TempDir() + "/identity.txt"
	writeIdentity(t, e, idFile)
	if raw := openSealed(t, item.Sealed, idFile); !strings.Contains(raw, "Subject: card 4111 1111 1111 1111") || !strings.Contains(raw, "5555-5555-5555-4444") {
		t.Error("the sealed original is not the whole original")
	}

	// Counted and logged, by rule, without the digits.
	if metrics := e.metricsText(); !strings.Contains(metrics, `intake_second_check_total{rule="card_luhn_prefix"}`) {
		t.Error("intake_second_check_total not counted")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"msg":"second check withheld a field the scanner passed"`) || !strings.Contains(logs, `"rule":"card_luhn_prefix"`) {
		t.Error("no warning names the rule")
	}
	noNumberIn(t, "the logs", []byte(logs))

	// Every file of the data directory, WAL included, now and after close.
	for _, f := range filesUnder(t, e.dir) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		noNumberIn(t, f, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx)
	if err := e.store.get().Close(); err != nil {
		t.Fatal(err)
	}
	e.store.set(nil)
	for _, f := range filesUnder(t, e.dir) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		noNumberIn(t, f, b)
	}
}

// TestSecondCheckQuietOnMaskedMail: with the real scanner, the same
// message is masked by it and the second check has nothing to say: no
// part withheld for second_check, nothing counted.
func TestSecondCheckQuietOnMaskedMail(t *testing.T) {
	e := newEnv(t)
	ref := mustQueue(t, e.addr, "m@member.example", []string{"help@support.localhost"}, guardMessage("Pay at the counter.\r\n"))
	for _, m := range e.ticket(ref).Messages {
		for _, u := range m.Unscannable {
			if u.Reason == reasonSecondCheck {
				t.Errorf("second check fired on masked mail at %s", u.Where)
			}
		}
	}
	if strings.Contains(e.metricsText(), "intake_second_check_total{") {
		t.Error("second check counted on masked mail")
	}
}

// TestSecondCheckEveryField: a number in every field of an Inbound the
// store would keep is withheld there: display fields replaced, identifiers
// emptied, parts withheld with their attachments dropped; what is clean
// stays as it was.
func TestSecondCheckEveryField(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler), metrics: newMetrics(nil)}
	card := "4111\t1111\t1111\t1111" // a separator a detector may not know
	in := &tickets.Inbound{
		Queue:       "support",
		Envelope:    tickets.Envelope{MailFrom: card + "@member.example", Rcpts: []string{"help@support.localhost", "x" + card + "@support.localhost"}, ClientIP: "127.0.0.1", Helo: "h " + card},
		MessageID:   "id " + card + "@member.example",
		InReplyTo:   "irt " + card,
		References:  []string{"ok@member.example", "ref " + card},
		Subject:     "card " + card,
		From:        card + "@member.example",
		FromName:    "Ann " + card,
		Headers:     []tickets.Header{{Name: "Date", Value: "Mon, 2 Jan 2006 15:04:05 -0700"}, {Name: "To", Value: "x " + card}},
		AuthResults: "mx; spf=pass smtp.mailfrom=" + card,
		Parts: []tickets.Part{
			{Where: "body", ContentType: "text/plain", Text: "Hello, card " + card},
			{Where: "attachment:" + card + ".txt", ContentType: "text/plain", Filename: card + ".txt", Text: "fine"},
			{Where: "attachment:data.bin", ContentType: "application/octet-stream", Filename: "data.bin"},
			{Where: "attachment:ok.txt", ContentType: "text/plain", Filename: "ok.txt", Text: "nothing"},
		},
		Attachments: []tickets.Attachment{
			{Name: card + ".txt", ContentType: "text/plain", Content: []byte("fine")},
			{Name: "data.bin", ContentType: "application/octet-stream", Content: utf16le("card " + card)},
			{Name: "ok.txt", ContentType: "text/plain", Content: []byte("nothing")},
		},
		Findings:       []tickets.Finding{{Type: "ssn", Last4: "8350", Where: "attachment:" + card}},
		SenderVerified: true,
	}
	withheld := s.secondCheck(&transaction{sessionID: "t"}, in)
	if len(withheld) == 0 {
		t.Fatal("nothing withheld")
	}
	js, _ := json.Marshal(in)
	if strings.Contains(digitsOnly(string(js)), "4111111111111111") {
		t.Errorf("a field still holds the number: %s", scan.MaskString(strings.ReplaceAll(string(js), "\t", " ")))
	}
	if in.Subject != withheldValue || in.FromName != withheldValue || in.Envelope.Helo != withheldValue || in.AuthResults != withheldValue {
		t.Error("a display field was not replaced by the placeholder")
	}
	if in.From != "" || in.Envelope.MailFrom != "" || in.MessageID != "" || in.InReplyTo != "" || in.SenderVerified {
		t.Error("an identifier was not emptied (or the sender still counts as verified)")
	}
	if len(in.References) != 1 || in.Envelope.Rcpts[0] != "help@support.localhost" || in.Headers[0].Value != "Mon, 2 Jan 2006 15:04:05 -0700" || in.Envelope.ClientIP != "127.0.0.1" {
		t.Error("a clean value was changed")
	}
	for i, want := range []bool{true, true, true, false} {
		p := in.Parts[i]
		if p.Withheld != want || (want && (p.Reason != reasonSecondCheck || p.Text != "")) {
			t.Errorf("part %d: withheld %v reason %q, want withheld %v", i, p.Withheld, p.Reason, want)
		}
	}
	if len(in.Attachments) != 1 || in.Attachments[0].Name != "ok.txt" {
		t.Errorf("attachments kept: %d, want only ok.txt", len(in.Attachments))
	}
	n := 0
	for _, u := range in.Unscannable {
		if u.Reason == reasonSecondCheck {
			n++
		}
	}
	if n != len(withheld) {
		t.Errorf("in.Unscannable has %d second_check entries, withheld %d", n, len(withheld))
	}
}
