package tickets

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16LE encodes s as UTF-16LE bytes, as a part labelled utf-16 carries.
func utf16LE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// Whatever bytes a sender can send, the store files (issue 15 item 2):
// PostgreSQL refuses NUL and invalid UTF-8 in TEXT, and refused them on
// every retry (451 until the sender bounced the mail). Text is repaired
// with U+FFFD and the message says which fields; raw content keeps its
// bytes.
func TestAnyBytesAreFiled(t *testing.T) {
	shapes := []struct {
		name     string
		mod      func(in *Inbound)
		repaired []string // fields named on the message
		check    func(t *testing.T, m Message)
	}{
		{"quoted-printable =00 in the body", func(in *Inbound) {
			in.Parts[0].Text = "Hello=\x00world, SSN ***-**-6789"
		}, []string{"parts[0].text"}, func(t *testing.T, m Message) {
			if m.Parts[0].Text != "Hello=\uFFFDworld, SSN ***-**-6789" {
				t.Errorf("body = %q", m.Parts[0].Text)
			}
		}},
		{"raw NULs", func(in *Inbound) {
			in.Parts[0].Text = "\x00\x00line\x00"
		}, []string{"parts[0].text"}, func(t *testing.T, m Message) {
			if m.Parts[0].Text != "\uFFFD\uFFFDline\uFFFD" {
				t.Errorf("body = %q", m.Parts[0].Text)
			}
		}},
		{"CSV attachment holding a NUL", func(in *Inbound) {
			csv := []byte("name,amount\r\nann,\x0012\r\n")
			in.Parts = append(in.Parts, Part{Where: "attachment:data\x00.csv", ContentType: "text/csv", Filename: "data\x00.csv", Text: string(csv)})
			in.Attachments = []Attachment{{Name: "data\x00.csv", ContentType: "text/csv", Content: csv}}
		}, []string{"parts[2].where", "parts[2].filename", "parts[2].text", "attachments[0].name"}, func(t *testing.T, m Message) {
			if m.Attachments[0].Name != "data\uFFFD.csv" || m.Parts[2].Text != "name,amount\r\nann,\uFFFD12\r\n" {
				t.Errorf("attachment %q, part %q", m.Attachments[0].Name, m.Parts[2].Text)
			}
		}},
		{"UTF-16 text with U+0000, and its raw bytes as an attachment", func(in *Inbound) {
			raw := utf16LE("Total\x00 due: 12\n")
			in.Parts = append(in.Parts, Part{Where: "attachment:note.txt", ContentType: "text/plain; charset=utf-16le", Filename: "note.txt", Text: "Total\x00 due: 12\n"})
			in.Attachments = []Attachment{{Name: "note.txt", ContentType: "text/plain", Content: raw}}
		}, []string{"parts[2].text"}, func(t *testing.T, m Message) {
			if m.Parts[2].Text != "Total\uFFFD due: 12\n" {
				t.Errorf("part = %q", m.Parts[2].Text)
			}
		}},
		{"subject with a NUL (from an encoded word)", func(in *Inbound) {
			in.Subject = "Help\x00me"
			in.Headers = append(in.Headers, Header{Name: "Subject", Value: "Help\x00me"})
		}, []string{"subject", "headers[2].value"}, func(t *testing.T, m Message) {
			if m.Subject != "Help\uFFFDme" {
				t.Errorf("subject = %q", m.Subject)
			}
		}},
		{"Message-ID, In-Reply-To and References holding 0xFF", func(in *Inbound) {
			in.MessageID = "abc\xff\xfe@member.example"
			in.InReplyTo = "<x\xff@member.example>"
			in.References = []string{"<ok@member.example>", "<y\xff@member.example>"}
		}, []string{"message_id", "in_reply_to", "references[1]"}, func(t *testing.T, m Message) {
			if m.MessageID != "abc\uFFFD@member.example" || m.InReplyTo != "x\uFFFD@member.example" || m.References[1] != "y\uFFFD@member.example" {
				t.Errorf("ids = %q, %q, %q", m.MessageID, m.InReplyTo, m.References)
			}
		}},
		{"invalid UTF-8 in names, addresses and the envelope", func(in *Inbound) {
			in.FromName = "Jos\xe9"
			in.From = "jos\xe9@example.org"
			in.Envelope.MailFrom = "jos\xe9@example.org"
			in.Envelope.Helo = "mx\x00.example"
		}, []string{"envelope.mail_from", "envelope.helo", "from", "from_name"}, func(t *testing.T, m Message) {
			if m.FromName != "Jos\uFFFD" || m.From != "jos\uFFFD@example.org" || m.Envelope.Helo != "mx\uFFFD.example" {
				t.Errorf("from %q %q, helo %q", m.FromName, m.From, m.Envelope.Helo)
			}
		}},
	}
	forEachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		for i, sh := range shapes {
			in := sample(10+i, []byte("sealed \x00\xff original"))
			sh.mod(in)
			in.DedupKey = keyFor(in, "mx1")
			before := *in
			acc, err := h.s.Accept(ctx, in)
			if err != nil {
				t.Errorf("%s: accept: %v (the sender would retry this forever)", sh.name, err)
				continue
			}
			if in.Subject != before.Subject || in.MessageID != before.MessageID || &in.Parts[0] != &before.Parts[0] {
				t.Errorf("%s: the caller's Inbound was changed", sh.name)
			}
			d, err := h.s.GetTicket(ctx, acc.Ref)
			if err != nil {
				t.Fatalf("%s: %v", sh.name, err)
			}
			var m Message
			for _, x := range d.Messages {
				if x.ID == acc.MessageID {
					m = x
				}
			}
			if strings.Join(m.Repaired, " ") != strings.Join(sh.repaired, " ") {
				t.Errorf("%s: repaired = %q, want %q", sh.name, m.Repaired, sh.repaired)
			}
			sh.check(t, m)
			for _, s := range append([]string{d.Subject, d.Requester, d.RequesterName, m.Subject, m.MessageID, m.FromName}, partTexts(m)...) {
				if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
					t.Errorf("%s: a stored text field holds a NUL or invalid UTF-8", sh.name)
				}
			}
			// Raw content is kept byte for byte.
			for j, a := range m.Attachments {
				got, err := h.s.GetAttachment(ctx, a.ID)
				if err != nil || !bytes.Equal(got.Content, in.Attachments[j].Content) {
					t.Errorf("%s: attachment %d content changed (%v)", sh.name, j, err)
				}
			}
			it, err := h.s.FetchQuarantine(ctx, acc.QuarantineID, "cli:test")
			if err != nil || string(it.Sealed) != "sealed \x00\xff original" {
				t.Errorf("%s: sealed original changed (%v)", sh.name, err)
			}
			// The sender's retry finds it, rather than failing again.
			if again := mustAccept(t, h.s, in); !again.Duplicate || again.Ref != acc.Ref {
				t.Errorf("%s: retry = %+v, want duplicate of %s", sh.name, again, acc.Ref)
			}
		}
		// A reply naming a Message-ID that held 0xFF threads onto it: the
		// repair is the same every time.
		first := sample(50, nil)
		first.MessageID = "lost\xff@member.example"
		first.DedupKey = keyFor(first, "mx1")
		acc := mustAccept(t, h.s, first)
		reply := sample(51, nil)
		reply.SenderVerified = true
		reply.InReplyTo = "<lost\xff@member.example>"
		reply.DedupKey = keyFor(reply, "mx1")
		if r := mustAccept(t, h.s, reply); r.Ref != acc.Ref || r.ThreadedBy != ThreadHeaders {
			t.Errorf("reply to a repaired Message-ID: %+v, want threaded onto %s", r, acc.Ref)
		}
		if rep, err := h.s.VerifyAudit(ctx); err != nil || !rep.OK {
			t.Fatalf("audit: %+v, %v", rep, err)
		}
	})
}

func partTexts(m Message) []string {
	var out []string
	for _, p := range m.Parts {
		out = append(out, p.Where, p.Filename, p.Text)
	}
	for _, a := range m.Attachments {
		out = append(out, a.Name)
	}
	for _, hd := range m.Headers {
		out = append(out, hd.Name, hd.Value)
	}
	return out
}

func TestCleanText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"", ""},
		{"a\x00b", "a\uFFFDb"},
		{"\xff\xfe\xfd", "\uFFFD"}, // one run, one replacement
		{"4111\xff1111", "4111\uFFFD1111"},
		{"caf\xc3\xa9", "café"},
		{"caf\xc3", "caf\uFFFD"},
		{"\xed\xa0\x80", "\uFFFD"}, // a UTF-16 surrogate in UTF-8 form
		{"x\x00\xffy", "x\uFFFD\uFFFDy"},
	}
	for _, c := range cases {
		got, changed := cleanText(c.in)
		if got != c.want || changed != (c.in != c.want) {
			t.Errorf("cleanText(%q) = %q, %v; want %q", c.in, got, changed, c.want)
		}
		if !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 {
			t.Errorf("cleanText(%q) = %q is not clean", c.in, got)
		}
	}
}
