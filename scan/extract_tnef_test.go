package scan

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/rtf"
	"github.com/intake-mail/intake/scan/internal/testdoc"
	"github.com/intake-mail/intake/scan/internal/tnef"
)

// winmail is a message whose only attachment is a winmail.dat.
func winmail(data []byte) []byte {
	return attached("winmail.dat", "application/ms-tnef", data)
}

const winmailLoc = "attachment:winmail.dat"

// TestTNEFWalk: a number in a winmail.dat's plain body, RTF body
// (compressed or stored, Word-split), HTML body or a file inside it is
// found, each file located "attachment:winmail.dat/NAME" as if attached
// directly; alternatives of one body make one finding.
func TestTNEFWalk(t *testing.T) {
	splitRTF := rtf.WordDoc{Paragraphs: []rtf.Para{{{Text: "Card 4111 1111 1111 1111 please", Split: 5, Digits: rtf.EscapeHex}}}}.Bytes()
	bothBodies := rtf.WordDoc{Paragraphs: []rtf.Para{{{Text: "SSN 489-36-8350", Split: 3}}}}.Bytes()
	cases := []struct {
		name string
		m    tnef.BuildMessage
		want string
	}{
		{"plain body", tnef.BuildMessage{Subject: "claim", Body: "My SSN is 489-36-8350, thanks"}, winmailLoc + "=ssn:8350"},
		{"legacy 8-bit body", tnef.BuildMessage{Subject: "claim", LegacyBody: "card 5555 5555 5555 4444"}, winmailLoc + "=pan:4444"},
		{"compressed RTF body", tnef.BuildMessage{Subject: "claim", RTF: splitRTF}, winmailLoc + "=pan:1111"},
		{"stored RTF body", tnef.BuildMessage{Subject: "claim", RTF: splitRTF, RTFStored: true}, winmailLoc + "=pan:1111"},
		{"HTML body", tnef.BuildMessage{Subject: "claim", HTML: []byte("<p>card 4111<b>1111</b>1111&nbsp;1111</p>")}, winmailLoc + "=pan:1111"},
		{"same number in plain and RTF body", tnef.BuildMessage{Body: "SSN 489-36-8350", RTF: bothBodies}, winmailLoc + "=ssn:8350"},
		{"subject", tnef.BuildMessage{Subject: "SSN 489-36-8350"}, winmailLoc + "=ssn:8350"},
		{"text file inside", tnef.BuildMessage{Body: "see attached", Attachments: []tnef.BuildAttachment{
			{Name: "card.txt", MediaType: "text/plain", Data: []byte("card 4111 1111 1111 1111")},
			{Name: "notes.txt", MediaType: "text/plain", Data: []byte("nothing here")},
		}}, winmailLoc + "/card.txt=pan:1111"},
		{"Word RTF file inside", tnef.BuildMessage{Body: "see attached", Attachments: []tnef.BuildAttachment{
			{Name: "letter.rtf", Data: splitRTF},
		}}, winmailLoc + "/letter.rtf=pan:1111"},
		{"number in a file's name", tnef.BuildMessage{Body: "see attached", Attachments: []tnef.BuildAttachment{
			{Name: "ssn 489-36-8350.txt", Data: []byte("hello")},
		}}, winmailLoc + "/ssn ***-**-8350.txt=ssn:8350"},
		{"Outlook item inside", tnef.BuildMessage{Body: "forwarding", Attachments: []tnef.BuildAttachment{
			{Name: "Fwd claim", Message: &tnef.BuildMessage{Body: "his SSN 489-36-8350", Attachments: []tnef.BuildAttachment{{Name: "a.txt", Data: []byte("4111111111111111")}}}},
		}}, winmailLoc + "/Fwd claim/a.txt=pan:1111 " + winmailLoc + "/Fwd claim=ssn:8350"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tnef.Build(tc.m)
			got, res := scanSummary(t, winmail(data))
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			c := containerPart(res)
			if c == nil || !c.Withheld || c.Content != nil {
				t.Errorf("winmail.dat with a number not withheld: %+v", c)
			}
			for _, p := range res.Parts {
				for _, number := range []string{"4111111111111111", "5555555555554444", "489368350"} {
					if strings.Contains(digitsIn(p.Text), number) || bytes.Contains(p.Content, []byte(number)) {
						t.Errorf("%s keeps a full number ending %s", p.Where, number[len(number)-4:])
					}
				}
			}
		})
	}
}

// containerPart is the winmail.dat's own part: the last one at its
// location (its bodies come before it).
func containerPart(res *Result) *Part {
	var c *Part
	for i := range res.Parts {
		if res.Parts[i].Where == winmailLoc {
			c = &res.Parts[i]
		}
	}
	return c
}

// TestTNEFFilesReachStaff: a clean file inside a winmail.dat is offered
// to staff as if attached directly, even when another file beside it
// holds a number (that one is withheld alone, with its masked text); the
// body is shown as a body, not offered as a file; the winmail.dat itself
// is kept only when all of it is clean.
func TestTNEFFilesReachStaff(t *testing.T) {
	notes := []byte("Meeting notes: nothing sensitive.")
	m := tnef.BuildMessage{Subject: "files", Body: "Dear support, see the files.", Attachments: []tnef.BuildAttachment{
		{Name: "notes.txt", MediaType: "text/plain", Data: notes},
	}}
	_, res := scanSummary(t, winmail(tnef.Build(m)))
	if len(res.Findings) != 0 || len(res.Unscannable) != 0 {
		t.Fatalf("clean winmail.dat: %s", summary(res))
	}
	if p := partAt(res, winmailLoc+"/notes.txt"); p == nil || !p.Attachment || p.Withheld || !bytes.Equal(p.Content, notes) || p.Filename != "notes.txt" {
		t.Errorf("clean file inside not offered: %+v", p)
	}
	if p := partAt(res, winmailLoc); p == nil || p.Attachment || p.Content != nil || !strings.Contains(p.Text, "Dear support") {
		t.Errorf("body not shown as a body: %+v", p)
	}
	if c := containerPart(res); c == nil || c.Withheld || c.Content == nil {
		t.Errorf("clean winmail.dat not kept: %+v", c)
	}

	m.Attachments = append(m.Attachments, tnef.BuildAttachment{Name: "card.txt", MediaType: "text/plain", Data: []byte("card 4111 1111 1111 1111")})
	got, res := scanSummary(t, winmail(tnef.Build(m)))
	if got != winmailLoc+"/card.txt=pan:1111" {
		t.Fatalf("got %q", got)
	}
	if p := partAt(res, winmailLoc+"/notes.txt"); p == nil || p.Withheld || !bytes.Equal(p.Content, notes) {
		t.Errorf("the clean file beside a sensitive one is not offered: %+v", p)
	}
	if p := partAt(res, winmailLoc+"/card.txt"); p == nil || !p.Withheld || p.Content != nil || !strings.Contains(p.Text, "1111") {
		t.Errorf("the file with a number is not withheld with its masked text: %+v", p)
	}
	if c := containerPart(res); c == nil || !c.Withheld || c.Content != nil {
		t.Errorf("winmail.dat holding a number kept: %+v", c)
	}
}

// TestTNEFUnreadable: what the TNEF reader cannot read is withheld, never
// clean: a truncated or corrupt stream, an RTF body it cannot fully read,
// an OLE object inside; a number read before the break is still found.
func TestTNEFUnreadable(t *testing.T) {
	clean := tnef.Build(tnef.BuildMessage{Subject: "s", Body: "hello", Attachments: []tnef.BuildAttachment{{Name: "a.txt", Data: []byte("fine")}}})
	corrupt := bytes.Clone(clean)
	corrupt[len(corrupt)-3] ^= 0xff // an attribute checksum
	withSSN := tnef.Build(tnef.BuildMessage{Subject: "s", Body: "SSN 489-36-8350", Attachments: []tnef.BuildAttachment{{Name: "a.txt", Data: bytes.Repeat([]byte("x"), 200)}}})
	ole := append(bytes.Clone(magicOLE), make([]byte, 600)...)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", clean[:len(clean)-20], winmailLoc + "!truncated"},
		{"checksum", corrupt, winmailLoc + "!bad_encoding"},
		{"number before the break", withSSN[:len(withSSN)-100], winmailLoc + "!truncated " + winmailLoc + "=ssn:8350"},
		{"RTF body with an object", tnef.Build(tnef.BuildMessage{RTF: []byte(`{\rtf1\ansi hi {\object{\*\objdata 00}}}`)}), winmailLoc + "!unsupported"},
		{"OLE object inside", tnef.Build(tnef.BuildMessage{Body: "x", Attachments: []tnef.BuildAttachment{{Name: "sheet.xls", Data: ole}}}), winmailLoc + "/sheet.xls!unsupported"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, res := scanSummary(t, winmail(tc.data))
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if c := containerPart(res); c == nil || !c.Withheld || c.Content != nil {
				t.Errorf("unreadable winmail.dat not withheld: %+v", c)
			}
		})
	}
}

// TestTNEFBudgets: a winmail.dat draws on the message's budgets: parts,
// depth, decoded bytes.
func TestTNEFBudgets(t *testing.T) {
	var atts []tnef.BuildAttachment
	for range 10 {
		atts = append(atts, tnef.BuildAttachment{Name: "a.txt", Data: []byte("fine")})
	}
	lim := DefaultLimits()
	lim.Images = ImagesWithhold
	lim.MaxParts = 6
	res := scanWith(t, lim, winmail(tnef.Build(tnef.BuildMessage{Body: "x", Attachments: atts})))
	if !hasUnscannable(res, "too_many_parts") {
		t.Errorf("ten files inside with six parts allowed: %s", summary(res))
	}
	lim = DefaultLimits()
	lim.Images = ImagesWithhold
	lim.MaxDepth = 2
	res = scanWith(t, lim, winmail(tnef.Build(tnef.BuildMessage{Body: "x", Attachments: []tnef.BuildAttachment{{Name: "zip.zip", Data: testdoc.Zip(t, testdoc.ZipFile{Name: "a.txt", Data: []byte("fine")})}}})))
	if !hasUnscannable(res, "too_deep") {
		t.Errorf("a zip in a winmail.dat in a multipart with depth 2: %s", summary(res))
	}
	lim = DefaultLimits()
	lim.Images = ImagesWithhold
	big := tnef.Build(tnef.BuildMessage{Body: strings.Repeat("words ", 1500)})
	// Room for the part as sent (base64), so for the stream, and then
	// less than its 9 KB body.
	lim.MaxDecodedBytes = int64(len(b64(big))) + 64
	res = scanWith(t, lim, winmail(big))
	if !hasUnscannable(res, "too_large") {
		t.Errorf("a 9 KB body with about 6 KB left to decode: %s", summary(res))
	}
	if c := containerPart(res); c == nil || !c.Withheld {
		t.Errorf("winmail.dat past the budget not withheld: %+v", c)
	}
}

func hasUnscannable(res *Result, reason string) bool {
	for _, u := range res.Unscannable {
		if u.Reason == reason {
			return true
		}
	}
	return false
}

// tnefFixture is testdata/tnef/winmail-files.eml, which the gateway's
// tests send: a winmail.dat with a clean Word body, a clean file and a
// file holding a published test card number.
const tnefFixture = "../testdata/tnef/winmail-files.eml"

func tnefFixtureMessage() []byte {
	body := rtf.WordDoc{Title: "Files", Paragraphs: []rtf.Para{{{Text: "Dear support, the two files you asked for.", Split: 7}}}}.Bytes()
	data := tnef.Build(tnef.BuildMessage{
		Subject: "Files", Body: "Dear support, the two files you asked for.", RTF: body,
		Attachments: []tnef.BuildAttachment{
			{Name: "notes.txt", MediaType: "text/plain", Data: []byte("Meeting notes: nothing sensitive.\r\n")},
			{Name: "card.txt", MediaType: "text/plain", Data: []byte("My card: 4111 1111 1111 1111\r\n")},
		},
	})
	return []byte("From: Member <m@member.example>\r\nTo: help@support.localhost\r\nSubject: Files\r\n" +
		"Message-ID: <winmail-files@member.example>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + string(mixed(
		"Content-Type: text/plain; charset=us-ascii\r\n\r\nSee the attached files.",
		"Content-Type: application/ms-tnef; name=winmail.dat\r\nContent-Disposition: attachment; filename=winmail.dat\r\n"+
			"Content-Transfer-Encoding: base64\r\n\r\n"+string(b64(data)))))
}

// TestTNEFFixture holds the committed fixture to its builder (rewrite it
// with INTAKE_WRITE_FIXTURES=1) and to its labels.
func TestTNEFFixture(t *testing.T) {
	want := tnefFixtureMessage()
	if os.Getenv("INTAKE_WRITE_FIXTURES") != "" {
		if err := os.MkdirAll(filepath.Dir(tnefFixture), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tnefFixture, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(tnefFixture)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from its builder: rewrite it with INTAKE_WRITE_FIXTURES=1", tnefFixture)
	}
	if s, _ := scanSummary(t, got); s != winmailLoc+"/card.txt=pan:1111" {
		t.Errorf("fixture scans as %q", s)
	}
}
