package reply

import (
	"bytes"
	"strings"
	"testing"

	"github.com/intake-mail/intake/mailproto"
)

// FuzzDecide: no input makes the policy panic, and a reply only ever goes
// to the envelope sender it was given.
func FuzzDecide(f *testing.F) {
	f.Add("ann@member.example", "From", "ann@member.example", "Auto-Submitted", "no")
	f.Add("<>", "Content-Type", "multipart/report", "List-Id", "x")
	f.Add("x@y\r\nBcc: z", "X-Auto-Response-Suppress", "All, OOF", "Precedence", "bulk")
	f.Add("\"a b\"@c.example", "From", "=?utf-8?q?=E2=80=AE?= <a@b>", "Sender", "<>")
	f.Fuzz(func(t *testing.T, env, k1, v1, k2, v2 string) {
		p := testPolicy()
		p.RequireSenderAuth = false
		p.AcknowledgeClean = true
		d := p.Decide(Inbound{EnvelopeFrom: env, Header: map[string][]string{k1: {v1}, k2: {v2}}})
		if d.Reason == "" {
			t.Fatalf("decision without a reason")
		}
		if d.Reply {
			want, ok := mailproto.Deliverable(env)
			if !ok || d.To != want {
				t.Fatalf("reply to %q from envelope %q", d.To, env)
			}
		}
	})
}

// FuzzOutgoing: whatever goes into a reply's fields, the header holds
// exactly our fields, one per line.
func FuzzOutgoing(f *testing.F) {
	f.Add("Org\r\nBcc: x@y", "subject\nX-Evil: 1", "<a@b>\r\nX-Evil: 2", "token\r\n\r\nbody", "body\r\n.\r\n")
	f.Fuzz(func(t *testing.T, name, subject, irt, loop, body string) {
		raw, err := Outgoing{From: "support@support.example", FromName: name, To: "ann@member.example", Subject: subject,
			MessageID: "id@support.example", InReplyTo: irt, LoopToken: loop, Auto: true, Body: body}.Bytes()
		if err != nil {
			return
		}
		head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
		if !ok {
			t.Fatalf("no header/body separator")
		}
		allowed := map[string]bool{"date": true, "from": true, "to": true, "subject": true, "message-id": true,
			"in-reply-to": true, "references": true, "auto-submitted": true, "x-auto-response-suppress": true,
			"x-loop": true, "mime-version": true, "content-type": true, "content-transfer-encoding": true}
		for _, line := range strings.Split(strings.ReplaceAll(string(head), "\r\n ", " "), "\r\n") {
			k, _, ok := strings.Cut(line, ":")
			if !ok || !allowed[strings.ToLower(k)] || strings.ContainsAny(line, "\r\n") {
				t.Fatalf("unexpected header line %q", line)
			}
		}
	})
}
