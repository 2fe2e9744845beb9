package scan

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// scanSummary scans raw with the default limits and summarises the result.
func scanSummary(t *testing.T, raw []byte) (string, *Result) {
	t.Helper()
	lim := DefaultLimits()
	lim.Images = ImagesWithhold // the same on every machine, tesseract or not
	res, err := New(lim).Scan(t.Context(), raw)
	if err != nil {
		t.Fatal(err)
	}
	return summary(res), res
}

// mixed builds a multipart/mixed body from parts.
func mixed(parts ...string) []byte {
	return []byte("--b\r\n" + strings.Join(parts, "\r\n--b\r\n") + "\r\n--b--\r\n")
}

// TestFlowed: format=flowed soft breaks inside a number, with and without
// DelSp, quoted, and between two digits of CJK text with no spaces (issue 8
// item 5, issue 13 item 3).
func TestFlowed(t *testing.T) {
	cases := []struct {
		name, params, body, want string
	}{
		{"delsp break inside a group", "; format=flowed; delsp=yes", "my card 41111111 \r\n11111111 thanks\r\n", "body=pan:1111"},
		{"delsp break in every group", "; format=flowed; DelSp=Yes", "card 4111 11 \r\n11 1111 1 \r\n111 done\r\n", "body=pan:1111"},
		{"delsp SSN", "; format=flowed; delsp=yes", "SSN 489-3 \r\n6-8350\r\n", "body=ssn:8350"},
		{"delsp quoted", "; format=flowed; delsp=yes", "> my card 41111111 \r\n> 11111111 thanks\r\n", "body=pan:1111"},
		{"delsp CJK with spaces", "; charset=utf-8; format=flowed; delsp=yes", "カード番号は 41111111 \r\n11111111 です\r\n", "body=pan:1111"},
		{"delsp CJK full-width", "; charset=utf-8; format=flowed; delsp=yes", "カード番号は ４１１１１１ \r\n１１１１１１１１１１ です\r\n", "body=pan:1111"},
		{"no delsp", "; format=flowed", "my card 4111 1111 \r\n1111 1111 thanks\r\n", "body=pan:1111"},
		{"no delsp stuffed", "; format=flowed", "card 4111 1111 1111 \r\n 1111\r\n", "body=pan:1111"},
		{"not flowed: a hard break stays", "", "order 41111111\r\n11111111\r\n", ""},
	}
	for _, c := range cases {
		got, _ := scanSummary(t, msg("Content-Type: text/plain"+c.params+"\r\n", []byte(c.body)))
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	// Glued to CJK text: the lines join into one run of digits whatever
	// the detector makes of its neighbours.
	if got := string(unflow([]byte("カード番号は41111111 \r\n11111111です\r\n"), true)); got != "カード番号は4111111111111111です\n" {
		t.Errorf("unflow CJK: %q", MaskString(got))
	}
	glued := "カード番号は4111111111111111です"
	got, _ := scanSummary(t, msg("Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n", []byte("カード番号は41111111 \r\n11111111です\r\n")))
	if want := found(glued); want != "" && got != "body="+want {
		t.Errorf("glued CJK: got %q, want body=%s", got, want)
	}
}

// TestEscapedDigits: digits written as URL, JSON or XML escapes in a text
// attachment or a body are found (issue 8 item 5).
func TestEscapedDigits(t *testing.T) {
	bodies := map[string]string{
		"url-encoded":          "card=%34%31%31%31%20%31%31%31%31%20%31%31%31%31%20%31%31%31%31&x=1",
		"url-encoded utf-8 fw": "q=%EF%BC%94%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91%EF%BC%91",
		"json \\u":             `{"card": "\u0034\u0031\u0031\u0031 \u0031\u0031\u0031\u0031 \u0031\u0031\u0031\u0031 \u0031\u0031\u0031\u0031"}`,
		"js \\x":               `var c = "\x34\x31\x31\x31\x31\x31\x31\x31\x31\x31\x31\x31\x31\x31\x31\x31";`,
		"xml decimal":          "<card>&#52;&#49;&#49;&#49; &#49;&#49;&#49;&#49; &#49;&#49;&#49;&#49; &#49;&#49;&#49;&#49;</card>",
		"xml hex":              "<card>&#x34;&#x31;&#x31;&#x31;&#x31;&#x31;&#x31;&#x31;&#x31;&#x31;&#x31;&#x31;&#x31;&#x31;&#x31;&#x31;</card>",
		"double-encoded":       "card=%2534%2531%2531%2531%2531%2531%2531%2531%2531%2531%2531%2531%2531%2531%2531%2531",
	}
	for name, body := range bodies {
		got, _ := scanSummary(t, msg("Content-Type: multipart/mixed; boundary=b\r\n", mixed(
			"Content-Type: text/plain\r\n\r\nsee attached",
			"Content-Type: application/json\r\nContent-Disposition: attachment; filename=data.json\r\n\r\n"+body)))
		if got != "attachment:data.json=pan:1111" {
			t.Errorf("%s in an attachment: got %q", name, got)
		}
		got, _ = scanSummary(t, msg("Content-Type: text/plain\r\n", []byte(body)))
		if got != "body=pan:1111" {
			t.Errorf("%s in the body: got %q", name, got)
		}
	}
	// Escapes of ordinary text cost nothing.
	if got, _ := scanSummary(t, msg("", []byte("100%25 sure, a &amp; b, \\u00e9t\\u00e9, &#233;, id=%31%32%33\r\n"))); got != "" {
		t.Errorf("clean escapes: %q", got)
	}
}

// TestPreambleEpilogue: a client that does not read MIME shows both.
func TestPreambleEpilogue(t *testing.T) {
	pre := msg("Content-Type: multipart/mixed; boundary=b\r\n", []byte(
		"My card is 4111 1111 1111 1111.\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"))
	if got, _ := scanSummary(t, pre); got != "body=pan:1111" {
		t.Errorf("preamble: got %q", got)
	}
	epi := msg("Content-Type: multipart/alternative; boundary=b\r\n", []byte(
		"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\nSSN 489-36-8350\r\n"))
	if got, _ := scanSummary(t, epi); got != "body=ssn:8350" {
		t.Errorf("epilogue: got %q", got)
	}
	nested := msg("Content-Type: multipart/mixed; boundary=b\r\n", mixed(
		"Content-Type: multipart/alternative; boundary=c\r\n\r\nSSN 489-36-8350\r\n--c\r\nContent-Type: text/plain\r\n\r\nhi\r\n--c--\r\n"))
	if got, _ := scanSummary(t, nested); got != "body=ssn:8350" {
		t.Errorf("nested preamble: got %q", got)
	}
	clean := msg("Content-Type: multipart/mixed; boundary=b\r\n", []byte(
		"This is a multi-part message in MIME format.\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"))
	if got, res := scanSummary(t, clean); got != "" || len(res.Parts) != 1 {
		t.Errorf("ordinary preamble: got %q, %d parts", got, len(res.Parts))
	}
}

// TestAmbiguousContentType: a part that declares two types (or two
// transfer encodings) is read under each and withheld.
func TestAmbiguousContentType(t *testing.T) {
	card := "card 4111 1111 1111 1111"
	cases := []struct {
		name, headers, body, want string
	}{
		{"signature then text", "Content-Type: application/pkcs7-signature\r\nContent-Type: text/plain\r\n", card,
			"attachment:unnamed.application-pkcs7-signature!parse_error attachment:unnamed.application-pkcs7-signature=pan:1111 body!parse_error body=pan:1111"},
		{"two transfer encodings", "Content-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\nContent-Transfer-Encoding: base64\r\n",
			// Read as 7bit the body is base64 text, whose decoded view
			// holds the number too: both readings report it.
			base64.StdEncoding.EncodeToString([]byte(card)), "body!parse_error body=pan:1111 body=pan:1111"},
		{"two charsets", "Content-Type: text/plain; charset=us-ascii\r\nContent-Type: text/plain; charset=utf-7\r\n",
			string(utf7(card)), "body!parse_error body=pan:1111"},
		{"clean but ambiguous", "Content-Type: text/plain\r\nContent-Type: text/html\r\n", "hello", "body!parse_error"},
		{"same type twice", "Content-Type: text/plain\r\nContent-Type: TEXT/PLAIN\r\n", "hello", ""},
	}
	for _, c := range cases {
		raw := msg("Content-Type: multipart/mixed; boundary=b\r\n", mixed(c.headers+"\r\n"+c.body))
		got, res := scanSummary(t, raw)
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
		for _, p := range res.Parts {
			if c.want != "" && (!p.Withheld || p.Content != nil) {
				t.Errorf("%s: part %s not withheld", c.name, p.Where)
			}
		}
	}
}

// pgpSignature is an ASCII-armored signature packet (tag 2, old format).
func pgpSignature() string {
	packet := append([]byte{0x88, 0x20}, bytes.Repeat([]byte{0x5a}, 0x20)...)
	return "-----BEGIN PGP SIGNATURE-----\r\nVersion: GnuPG v2\r\n\r\n" + base64.StdEncoding.EncodeToString(packet) + "\r\n=abcd\r\n-----END PGP SIGNATURE-----\r\n"
}

// pkcs7Signature is a DER SEQUENCE holding the signedData OID, as every
// S/MIME detached signature starts.
func pkcs7Signature() []byte {
	inner := append(append([]byte(nil), oidSignedData...), bytes.Repeat([]byte{0x01}, 200)...)
	return append([]byte{0x30, 0x81, byte(len(inner))}, inner...)
}

// TestSignatureLabel: a part labelled as a detached signature is skipped
// only when it is one (issue 8 item 5).
func TestSignatureLabel(t *testing.T) {
	card := "my card 4111 1111 1111 1111\r\n"
	cases := []struct {
		name, ctype, cte, body, want string
	}{
		{"pgp label on text", "application/pgp-signature; name=signature.asc", "", card, "attachment:signature.asc=pan:1111"},
		{"pkcs7 label on text", "application/pkcs7-signature; name=smime.p7s", "", card, "attachment:smime.p7s=pan:1111"},
		{"x-pkcs7 label on base64 text", "application/x-pkcs7-signature; name=smime.p7s", "base64", base64.StdEncoding.EncodeToString([]byte(card)), "attachment:smime.p7s=pan:1111"},
		{"pgp armor with digits inside", "application/pgp-signature", "", "-----BEGIN PGP SIGNATURE-----\r\n\r\n4111111111111111\r\n-----END PGP SIGNATURE-----\r\n", "attachment:unnamed.application-pgp-signature=pan:1111"},
		{"pgp armor then text", "application/pgp-signature", "", pgpSignature() + card, "attachment:unnamed.application-pgp-signature=pan:1111"},
		{"pgp comment", "application/pgp-signature", "", strings.Replace(pgpSignature(), "Version: GnuPG v2", "Comment: card 4111 1111 1111 1111", 1), "attachment:unnamed.application-pgp-signature=pan:1111"},
		{"real pgp signature", "application/pgp-signature", "", pgpSignature(), ""},
		{"real pkcs7 signature", "application/pkcs7-signature; name=smime.p7s", "base64", base64.StdEncoding.EncodeToString(pkcs7Signature()), ""},
		{"pkcs7 with text after", "application/pkcs7-signature; name=smime.p7s", "base64", base64.StdEncoding.EncodeToString(append(pkcs7Signature(), card...)), "attachment:smime.p7s!no_text attachment:smime.p7s=pan:1111"},
	}
	for _, c := range cases {
		h := "Content-Type: " + c.ctype + "\r\n"
		if c.cte != "" {
			h += "Content-Transfer-Encoding: " + c.cte + "\r\n"
		}
		raw := msg("Content-Type: multipart/signed; boundary=b\r\n", mixed("Content-Type: text/plain\r\n\r\nhello", h+"\r\n"+c.body))
		if got, _ := scanSummary(t, raw); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestDataURIs: an image embedded in HTML as a data: URI falls under the
// image policy (withheld, or OCR'd), text in one is scanned; none is
// dropped silently (issue 15 item 11).
func TestDataURIs(t *testing.T) {
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"))
	cases := []struct {
		name, html, want string
	}{
		{"img src", `<p>my card</p><img src="data:image/png;base64,` + png + `">`, "body/data-1.png!no_text"},
		{"css background", `<div style="background:url(data:image/png;base64,` + png + `)">x</div>`, "body/data-1.png!no_text"},
		{"style sheet", `<style>.a{background-image:url('data:image/png;base64,` + png + `')}</style><p>x</p>`, "body/data-1.png!no_text"},
		{"mislabelled image", `<img src="data:text/plain;base64,` + png + `">`, "body/data-1.txt!no_text"},
		{"text uri", `<a href="data:text/plain,card%204111%201111%201111%201111">x</a>`, "body/data-1.txt=pan:1111"},
		{"text uri unencoded", `<a href="data:text/plain;charset=utf-8,SSN 489-36-8350">x</a>`, "body/data-1.txt=ssn:8350"},
		{"html uri", `<iframe src="data:text/html;base64,` + base64.StdEncoding.EncodeToString([]byte("<b>4111</b>1111 1111 1111")) + `"></iframe>`, "body/data-1.html=pan:1111"},
		{"broken base64", `<img src="data:image/png;base64,NDExMSAxMTEx!!!IDExMTEgMTExMQ==">`, "body/data-1.png!bad_encoding body/data-1.png=pan:1111"},
		{"two images, one a 1x1 pixel under the floor", `<img src="data:image/png;base64,` + png + `"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">`, "body/data-1.png!no_text"},
		{"not a data uri", `<p>metadata:none</p><img src="cid:x@y">`, ""},
	}
	for _, c := range cases {
		got, res := scanSummary(t, msg("Content-Type: text/html\r\n", []byte(c.html)))
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
		for _, p := range res.Parts {
			if strings.HasSuffix(p.Where, ".png") && (!p.Withheld || p.Content != nil || !p.Attachment) {
				t.Errorf("%s: image part %+v not withheld", c.name, p.Where)
			}
		}
	}
	// In an HTML attachment the image is located under it.
	raw := msg("Content-Type: multipart/mixed; boundary=b\r\n", mixed(
		"Content-Type: text/html; name=page.html\r\nContent-Disposition: attachment\r\n\r\n<img src=\"data:image/png;base64,"+png+"\">"))
	if got, _ := scanSummary(t, raw); got != "attachment:page.html/data-1.png!no_text" {
		t.Errorf("in an attachment: %q", got)
	}
}

// TestDataURIImageOCR: with OCR on, a data: image goes to tesseract as an
// attached one does. A stand-in tesseract prints what the image "shows".
func TestDataURIImageOCR(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "tesseract")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\ncat >/dev/null\necho 'Card 4111 1111 1111 1111'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A real image: OCR is only given images whose header reads.
	png := base64.StdEncoding.EncodeToString(testdoc.RenderPNG(t, "x"))
	lim := DefaultLimits()
	lim.OCR, lim.TesseractPath = true, fake
	res, err := New(lim).Scan(t.Context(), msg("Content-Type: text/html\r\n", []byte(`<img src="data:image/png;base64,`+png+`">`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(res); got != "body/data-1.png=pan:1111" {
		t.Errorf("with OCR: %q", got)
	}
}

// TestBase64PastedInText: a body encoded by a form mailer that forgot its
// Content-Transfer-Encoding is base64 text; decoded, it holds the number,
// so the body is withheld rather than shown with the base64 in it. Ids
// and hashes that are base64-shaped stay clean.
func TestBase64PastedInText(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte("Card number: 4111 1111 1111 1111, expiry 12/27. Thanks!"))
	cases := []struct{ name, body, want string }{
		{"one line", b64, "body=pan:1111"},
		{"wrapped", b64[:40] + "\r\n" + b64[40:], "body=pan:1111"},
		{"in prose", "Here it is:\r\n" + b64 + "\r\nBye", "body=pan:1111"},
		{"url-safe unpadded", strings.TrimRight(base64.URLEncoding.EncodeToString([]byte("ssn 489-36-8350 thanks for your help today")), "="), "body=ssn:8350"},
		{"a hash", "sha256: " + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 8)), ""},
		{"binary", base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00")), ""},
	}
	for _, c := range cases {
		got, res := scanSummary(t, msg("Content-Type: text/plain\r\n", []byte(c.body)))
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
		for _, p := range res.Parts {
			if c.want != "" && (!p.Withheld || p.Text != "") {
				t.Errorf("%s: body with a number in base64 shown (withheld %v)", c.name, p.Withheld)
			}
		}
	}
}
