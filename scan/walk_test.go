package scan

import (
	"bytes"
	"context"
	"encoding/base64"
	"sort"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// msg builds a message from header lines and a body.
func msg(headers string, body []byte) []byte {
	h := "From: Member <m@example.org>\r\nTo: support@support.localhost\r\nMessage-ID: <x@example.org>\r\n" + headers
	return append([]byte(h+"\r\n"), body...)
}

func b64(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	for i := 0; i < len(enc); i += 76 {
		out.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
	}
	return out.Bytes()
}

func encUTF16LE(s string) []byte {
	b, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	return b
}

func utf16beNoBOM(s string) []byte {
	b, _ := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(s))
	return b
}

func iso2022jp(s string) []byte {
	b, _ := japanese.ISO2022JP.NewEncoder().Bytes([]byte(s))
	return b
}

// summary lists findings as "where=kind:last4" and unscannable parts as
// "where!reason", sorted: safe to print, easy to compare.
func summary(r *Result) string {
	var s []string
	for _, f := range r.Findings {
		s = append(s, f.Where+"="+string(f.Type)+":"+f.Last4)
	}
	for _, u := range r.Unscannable {
		s = append(s, u.Where+"!"+u.Reason)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

func TestWalk(t *testing.T) {
	multipart := func(parts ...string) []byte {
		return []byte("--b\r\n" + strings.Join(parts, "\r\n--b\r\n") + "\r\n--b--\r\n")
	}
	cases := []struct {
		name string
		raw  []byte
		want string
	}{
		{"plain body", msg("Subject: hi\r\n", []byte("card 4111 1111 1111 1111\r\n")), "body=pan:1111"},
		{"subject q-encoded", msg("Subject: =?utf-8?q?SSN_489-36-8350?=\r\n", []byte("hi")), "subject=ssn:8350"},
		{"subject b-encoded latin1", msg("Subject: =?iso-8859-1?b?"+base64.StdEncoding.EncodeToString([]byte("r\xe9f 4111111111111111"))+"?=\r\n", []byte("hi")), "subject=pan:1111"},
		{"display name", msg("Reply-To: \"4111 1111 1111 1111\" <a@example.org>\r\n", []byte("hi")), "header:reply-to=pan:1111"},
		{"message-id not scanned", []byte("From: a@example.org\r\nMessage-ID: <4111111111111111@example.org>\r\nReferences: <489-36-8350@x>\r\nReceived: from x by y id 4111111111111111\r\n\r\nhello\r\n"), ""},
		{"qp soft break inside number", msg("Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n", []byte("card 4111 1111 11=\r\n11 1111 thanks\r\n")), "body=pan:1111"},
		{"qp encoded digits", msg("Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n", []byte("SSN =34=38=39-36-8350\r\n")), "body=ssn:8350"},
		{"base64 body", msg("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n", b64([]byte("SSN 489-36-8350"))), "body=ssn:8350"},
		{"utf-16le bom", msg("Content-Type: text/plain; charset=utf-16\r\nContent-Transfer-Encoding: base64\r\n", b64(encUTF16LE("card 4111 1111 1111 1111"))), "body=pan:1111"},
		{"utf-16be no bom", msg("Content-Type: text/plain; charset=utf-16be\r\nContent-Transfer-Encoding: base64\r\n", b64(utf16beNoBOM("SSN 489-36-8350"))), "body=ssn:8350"},
		{"utf-16 mislabelled ascii", msg("Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: base64\r\n", b64(utf16beNoBOM("card 4111 1111 1111 1111 please"))), "body=pan:1111"},
		{"iso-2022-jp full-width", msg("Content-Type: text/plain; charset=iso-2022-jp\r\n", iso2022jp("カード ４１１１ １１１１ １１１１ １１１１")), "body=pan:1111"},
		{"undeclared 8-bit", msg("", []byte("r\xe9f\xe9rence 4111 1111 1111 1111\r\n")), "body=pan:1111"},
		{"wrong charset label", msg("Content-Type: text/plain; charset=iso-8859-1\r\n", []byte("référence ４１１１１１１１１１１１１１１１\r\n")), "body=pan:1111"},
		{"unknown charset, 8-bit", msg("Content-Type: text/plain; charset=x-klingon\r\n", []byte("\xf1\xf2 489-36-8350\r\n")), "body!unknown_charset body=ssn:8350"},
		{"unknown charset but utf-8", msg("Content-Type: text/plain; charset=x-klingon\r\n", []byte("héllo 489-36-8350\r\n")), "body=ssn:8350"},
		{"html split by tags", msg("Content-Type: text/html\r\n", []byte("<p>card 4111<b>1111</b>1111&nbsp;1111</p>")), "body=pan:1111"},
		{"html hidden comment", msg("Content-Type: text/html\r\n", []byte("<p>hi</p><!-- SSN 489-36-8350 -->")), "body=ssn:8350"},
		{"html cells keep keyword", msg("Content-Type: text/html\r\n", []byte("<table><tr><td>SSN</td><td>489368350</td></tr></table>")), "body=ssn:8350"},
		{"quoted wrap", msg("", []byte("> my card is 4111 1111\r\n> 1111 1111\r\n")), "body=pan:1111"},
		{"broken base64", msg("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n", []byte("NDExMSAxMTEx!!!IDExMTEgMTExMQ==\r\n")), "body!bad_encoding body=pan:1111"},
		{"unknown transfer encoding", msg("Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n", []byte("begin 644 x\r\n")), "body!bad_encoding"},
		{"attachment text", msg("Content-Type: multipart/mixed; boundary=b\r\n", multipart(
			"Content-Type: text/plain\r\n\r\nsee attached",
			"Content-Type: text/csv; name=\"list.csv\"\r\nContent-Disposition: attachment; filename=\"list.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64([]byte("name,ssn\nA,489-36-8350\n"))))), "attachment:list.csv=ssn:8350"},
		{"rfc2231 file name with a number", msg("Content-Type: multipart/mixed; boundary=b\r\n", multipart(
			"Content-Type: text/plain\r\nContent-Disposition: attachment; filename*=utf-8''card%204111111111111111.txt\r\n\r\nnothing")), "attachment:card ************1111.txt=pan:1111"},
		{"image withheld", msg("Content-Type: multipart/mixed; boundary=b\r\n", multipart(
			"Content-Type: text/plain\r\n\r\nphoto of my card",
			"Content-Type: image/png; name=card.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))))), "attachment:card.png!no_text"},
		{"forwarded message", msg("Content-Type: multipart/mixed; boundary=b\r\n", multipart(
			"Content-Type: text/plain\r\n\r\nforwarding",
			"Content-Type: message/rfc822; name=fwd.eml\r\n\r\nFrom: x@example.org\r\nSubject: SSN 489-36-8350\r\n\r\nand 4111111111111111\r\n")), "attachment:fwd.eml=pan:1111 attachment:fwd.eml=ssn:8350"},
		{"encrypted smime", msg("Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n", b64([]byte("0\x82garbage"))), "attachment:smime.p7m!encrypted"},
		{"truncated multipart", msg("Content-Type: multipart/mixed; boundary=b\r\n", []byte("--b\r\nContent-Type: text/plain\r\n\r\ncard 4111 1111 1111 1111 and mo")), "body!truncated body=pan:1111"},
		{"alternatives report a number once", msg("Content-Type: multipart/alternative; boundary=b\r\n", multipart(
			"Content-Type: text/plain\r\n\r\ncard 4111 1111 1111 1111, twice: 4111111111111111",
			"Content-Type: text/html\r\n\r\n<p>card 4111 1111 1111 1111, twice: 4111111111111111</p>")), "body=pan:1111 body=pan:1111"},
		{"not a message at all", []byte("just some text with SSN 489-36-8350\nand more\n"), "body=ssn:8350"},
	}
	sc := New(DefaultLimits())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := sc.Scan(context.Background(), c.raw)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if got := summary(res); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestWalkMasksWhatItKeeps: the subject, every part's text and every
// location shown to staff are masked; clean attachments keep their bytes
// and sensitive ones are withheld.
func TestWalkMasksWhatItKeeps(t *testing.T) {
	raw := msg("Subject: card 4111 1111 1111 1111\r\nContent-Type: multipart/mixed; boundary=b\r\n", []byte(
		"--b\r\nContent-Type: text/html\r\n\r\n<p>SSN 489-36-8350</p>\r\n"+
			"--b\r\nContent-Type: text/plain; name=clean.txt\r\nContent-Disposition: attachment; filename=clean.txt\r\n\r\nnothing to see\r\n"+
			"--b\r\nContent-Type: text/plain; name=list.txt\r\nContent-Disposition: attachment; filename=list.txt\r\n\r\n4012 8888 8888 1881\r\n"+
			"--b--\r\n"))
	res, err := New(DefaultLimits()).Scan(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if res.Subject != "card **** **** **** 1111" {
		t.Errorf("subject %q", res.Subject)
	}
	byWhere := map[string]Part{}
	for _, p := range res.Parts {
		byWhere[p.Where] = p
		if found(p.Text) != "" || found(p.Where) != "" {
			t.Errorf("part %s keeps a number: %q", MaskString(p.Where), MaskString(p.Text))
		}
	}
	if p := byWhere["body"]; !p.HTML || p.Text != "SSN ***-**-8350" || p.Withheld {
		t.Errorf("body part %+v", p)
	}
	if p := byWhere["attachment:clean.txt"]; p.Withheld || string(p.Content) != "nothing to see" {
		t.Errorf("clean attachment withheld %v, content %q", p.Withheld, p.Content)
	}
	if p := byWhere["attachment:list.txt"]; !p.Withheld || p.Reason != "sensitive" || p.Content != nil || p.Text != "**** **** **** 1881" {
		t.Errorf("sensitive attachment %+v", p)
	}
}

// TestBudgets: every budget ends in an unscannable part, not a hang, a
// panic or unbounded memory.
func TestBudgets(t *testing.T) {
	nest := []byte("hello 4111 1111 1111 1111")
	for i := 0; i < 30; i++ {
		nest = append([]byte("Content-Type: message/rfc822\r\n\r\n"), nest...)
		nest = append([]byte("From: a@example.org\r\n"), nest...)
	}
	var many bytes.Buffer
	many.WriteString("From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := 0; i < 50; i++ {
		many.WriteString("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	many.WriteString("--b--\r\n")
	big := msg("", bytes.Repeat([]byte("0123456789 "), 200000))
	lim := DefaultLimits()
	lim.MaxDepth = 5
	lim.MaxParts = 20
	lim.MaxDecodedBytes = 1 << 20
	sc := New(lim)
	for _, c := range []struct {
		name   string
		raw    []byte
		reason string
	}{
		{"depth", nest, ReasonTooDeep},
		{"parts", many.Bytes(), ReasonTooManyParts},
		{"size", big, ReasonTooLarge},
	} {
		res, err := sc.Scan(context.Background(), c.raw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(summary(res), "!"+c.reason) {
			t.Errorf("%s: got %q, want a %s part", c.name, summary(res), c.reason)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, _ := New(DefaultLimits()).Scan(ctx, msg("", []byte("hi")))
	if !strings.Contains(summary(res), "!"+ReasonTimeout) {
		t.Errorf("cancelled scan: %q", summary(res))
	}
}

// limits are DefaultLimits changed by mod.
func limits(mod func(*Limits)) Limits {
	l := DefaultLimits()
	if mod != nil {
		mod(&l)
	}
	return l
}

var reasonOrEmpty = testdoc.ReasonOrEmpty
