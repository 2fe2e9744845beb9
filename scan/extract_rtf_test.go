package scan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/rtf"
)

// wordRTF is a Word-style document whose second paragraph is span.
func wordRTF(span rtf.Span) []byte {
	return rtf.WordDoc{Title: "Letter", Paragraphs: []rtf.Para{{{Text: "Dear support,"}}, {span}, {{Text: "Regards"}}}}.Bytes()
}

// TestRTFWalk: through the whole walk, a number in Word-style RTF is
// found however Word cut or spelled it, whatever the part is labelled,
// as a body or attached; the masked text keeps no full number.
func TestRTFWalk(t *testing.T) {
	spans := []struct {
		name string
		span rtf.Span
		want string // "kind:last4"
	}{
		{"split across run groups", rtf.Span{Text: "my card 4111 1111 1111 1111 thanks", Split: 14}, "pan:1111"},
		{"a run group every rune", rtf.Span{Text: "SSN 489-36-8350", Split: 1}, "ssn:8350"},
		{`\'xx digits`, rtf.Span{Text: "card 5555555555554444", Digits: rtf.EscapeHex, Split: 6}, "pan:4444"},
		{`\uN digits`, rtf.Span{Text: "SSN 489-36-8350", Digits: rtf.EscapeUnicode, Split: 5}, "ssn:8350"},
		{"hidden text", rtf.Span{Text: "SSN 489-36-8350", Hidden: true, Split: 3}, "ssn:8350"},
		{"hyperlink result", rtf.Span{Text: "4111111111111111", Link: "https://example.org/"}, "pan:1111"},
	}
	labels := []struct {
		name     string
		build    func(doc []byte) []byte
		where    string
		attached bool
	}{
		{"application/rtf attached", func(doc []byte) []byte { return attached("letter.rtf", "application/rtf", doc) }, "attachment:letter.rtf", true},
		{"octet-stream named .rtf", func(doc []byte) []byte { return attached("letter.rtf", "application/octet-stream", doc) }, "attachment:letter.rtf", true},
		{"text/plain label on RTF", func(doc []byte) []byte { return attached("letter.txt", "text/plain", doc) }, "attachment:letter.txt", true},
		{"text/rtf body", func(doc []byte) []byte {
			return msg("Subject: letter\r\nContent-Type: text/rtf\r\nContent-Transfer-Encoding: base64\r\n", b64(doc))
		}, "body", false},
	}
	for _, s := range spans {
		doc := wordRTF(s.span)
		if s.span.Split > 0 || s.span.Digits != rtf.EscapeNone {
			if got := Detect(doc); len(got) > 0 {
				t.Fatalf("%s: the raw RTF already shows the number; the case proves nothing", s.name)
			}
		}
		for _, l := range labels {
			t.Run(s.name+"/"+l.name, func(t *testing.T) {
				got, res := scanSummary(t, l.build(doc))
				if want := l.where + "=" + s.want; got != want {
					t.Fatalf("got %q, want %q", got, want)
				}
				p := partAt(res, l.where)
				if p == nil {
					t.Fatalf("no part at %q", l.where)
				}
				if p.Attachment != l.attached || !p.Withheld || p.Reason != "sensitive" || p.Content != nil {
					t.Errorf("part: attachment %v withheld %v (%s), content kept %v", p.Attachment, p.Withheld, p.Reason, p.Content != nil)
				}
				if !strings.Contains(p.Text, "Dear support,") {
					t.Errorf("masked text is not the document's text")
				}
				if d := digitsIn(p.Text); strings.Contains(d, "4111111111111111") || strings.Contains(d, "5555555555554444") || strings.Contains(d, "489368350") {
					t.Errorf("masked text keeps a full number")
				}
			})
		}
	}
}

// TestRTFClean: a clean Word document is clean, its bytes kept for staff,
// and the numbers of Word's tables and blobs (revision ids, font panose,
// a theme whose hex spells a card) are not read as findings.
func TestRTFClean(t *testing.T) {
	theme := []byte{0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11}
	doc := rtf.WordDoc{Title: "Letter", Theme: theme, Paragraphs: []rtf.Para{{{Text: "Dear support, my order 20261106 has not arrived.", Split: 9}}}}.Bytes()
	if !bytes.Contains(doc, []byte("4111111111111111")) {
		t.Fatal("the theme does not spell the number this test is about")
	}
	got, res := scanSummary(t, attached("letter.rtf", "application/rtf", doc))
	if got != "" {
		t.Fatalf("got %q, want clean", got)
	}
	p := partAt(res, "attachment:letter.rtf")
	if p == nil || p.Withheld || !bytes.Equal(p.Content, doc) || !strings.Contains(p.Text, "order 20261106 has") {
		t.Fatalf("clean RTF not kept with its text: %+v", p)
	}
}

// TestRTFUnreadable: an RTF the reader cannot fully read is withheld as
// unscannable, never passed as clean, and a number in what it did read is
// still a finding.
func TestRTFUnreadable(t *testing.T) {
	word := string(wordRTF(rtf.Span{Text: "nothing to see"}))
	cases := []struct {
		name string
		doc  string
		want string
	}{
		{"braces left open", strings.TrimSuffix(strings.TrimSpace(word), "}"), "attachment:letter.rtf!truncated"},
		{"embedded OLE object", `{\rtf1\ansi hello {\object\objemb{\*\objclass Excel.Sheet.12}{\*\objdata 0105000002000000}{\result see the sheet}}}`, "attachment:letter.rtf!unsupported"},
		{"unknown code page", `{\rtf1\ansi\ansicpg4242 caf\'e9}`, "attachment:letter.rtf!unknown_charset"},
		{"number read before the break", `{\rtf1\ansi SSN {\v 489-36-}8350 {\object{\*\objdata 00}}}`, "attachment:letter.rtf!unsupported attachment:letter.rtf=ssn:8350"},
		{"a picture, images withheld", string(wordRTF(rtf.Span{Text: "see photo", Picture: logoPNG(t, 200, 60)})), "attachment:letter.rtf/image1.png!no_text attachment:letter.rtf/image2.wmf!no_text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, res := scanSummary(t, attached("letter.rtf", "application/rtf", []byte(tc.doc)))
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			p := partAt(res, "attachment:letter.rtf")
			if p == nil || !p.Withheld || p.Content != nil {
				t.Fatalf("unreadable RTF not withheld: %+v", p)
			}
		})
	}
}
