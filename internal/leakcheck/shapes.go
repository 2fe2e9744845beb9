package leakcheck

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"mime"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// Shape is one way a member's mail carries a full number that got past
// the scanner once (the attack shapes of issues 8 and 15), as it arrives
// over SMTP. Each shape has numbers of its own, with last fours no other
// shape uses, so a hit's last four says which shape leaked.
type Shape struct {
	Name    string
	Issue   string   // where the shape comes from, "8.1"
	Numbers []string // the full numbers it carries, digits only
	// Carriers are the attachments that hold a number in a way no
	// spelling reads from their bytes (one glyph at a time in a PDF, a
	// number a cell format shows): none of them may be kept as a clean
	// attachment.
	Carriers []string
	// Hidden are numbers the message as sent holds in no spelling Find
	// reads (split by HTML tags): only what the store keeps of them is
	// readable.
	Hidden []string
	Raw    []byte // the message, CRLF line ends, dot-stuffing not needed
}

// Shapes returns the attack corpus, the same every call. from is the
// member's address in the From field and the envelope.
func Shapes(from string) []Shape {
	g := &numbers{r: rand.New(rand.NewPCG(8, 15)), used: map[string]bool{}}
	var out []Shape
	add := func(name, issue string, nums []string, carriers []string, headers []string, body string) {
		var b strings.Builder
		hasFrom, hasTo, hasID := false, false, false
		for _, h := range headers {
			l := strings.ToLower(h)
			hasFrom = hasFrom || strings.HasPrefix(l, "from:")
			hasTo = hasTo || strings.HasPrefix(l, "to:")
			hasID = hasID || strings.HasPrefix(l, "message-id:")
		}
		if !hasFrom {
			b.WriteString("From: Member <" + from + ">\r\n")
		}
		if !hasTo {
			b.WriteString("To: help@support.localhost\r\n")
		}
		b.WriteString("Date: Mon, 2 Mar 2026 09:00:00 +0000\r\n")
		if !hasID {
			fmt.Fprintf(&b, "Message-ID: <shape-%s@member.example>\r\n", name)
		}
		for _, h := range headers {
			b.WriteString(h + "\r\n")
		}
		b.WriteString("\r\n")
		b.WriteString(body)
		if !strings.HasSuffix(body, "\r\n") {
			b.WriteString("\r\n")
		}
		out = append(out, Shape{Name: name, Issue: issue, Numbers: nums, Carriers: carriers, Raw: []byte(b.String())})
	}
	plain := []string{"MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"}
	mixed := func(subject string) []string {
		return []string{"Subject: " + subject, "MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="sb"`}
	}
	// attach is one multipart/mixed body: a short text part, then parts.
	attach := func(parts ...string) string {
		body := "--sb\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease see the attached file.\r\n"
		for _, p := range parts {
			body += "--sb\r\n" + p
		}
		return body + "--sb--\r\n"
	}
	b64part := func(headers string, content []byte) string {
		return headers + "Content-Transfer-Encoding: base64\r\n\r\n" + wrap76(base64.StdEncoding.EncodeToString(content)) + "\r\n"
	}

	// 8.1: display names in charsets Go's mime.WordDecoder does not know.
	for _, h := range []struct {
		name, field, cs string
		enc             encoding.Encoding
		q               bool
		who             string
	}{
		{"from-windows-1252-Q", "From", "windows-1252", charmap.Windows1252, true, "José"},
		{"from-windows-1252-B", "From", "windows-1252", charmap.Windows1252, false, "José"},
		{"to-koi8-r-Q", "To", "koi8-r", charmap.KOI8R, true, "Иван"},
		{"reply-to-koi8-r-B", "Reply-To", "koi8-r", charmap.KOI8R, false, "Иван"},
		{"cc-iso-8859-2-Q", "Cc", "iso-8859-2", charmap.ISO8859_2, true, "Łukasz"},
		{"from-iso-8859-15-B", "From", "iso-8859-15", charmap.ISO8859_15, false, "José €"},
	} {
		card := g.card()
		word := encodedWord(h.enc, h.cs, h.q, h.who+" card "+group(card, 4, 4, 4, 4))
		addr := from
		if h.field == "To" {
			addr = "help@support.localhost"
		}
		hdrs := []string{h.field + ": " + word + " <" + addr + ">", "Subject: my card", plain[0], plain[1]}
		add(h.name, "8.1", []string{card}, nil, hdrs, "See the header.\r\n")
	}
	{
		ssn := g.ssn()
		subj := mime.QEncoding.Encode("iso-8859-15", mustEncode(charmap.ISO8859_15, "N° de sécurité sociale (SSN) "+group(ssn, 3, 2, 4)))
		add("subject-iso-8859-15-Q", "8.1", []string{ssn}, nil, []string{"Subject: " + subj, plain[0], plain[1]}, "See the subject.\r\n")
	}

	// 8.2: a charset label that does not fit the bytes.
	{
		card := g.card()
		text := evenLength("Please charge card " + group(card, 4, 4, 4, 4) + " today\r\n")
		add("utf-16-label-ascii-body", "8.2", []string{card}, nil,
			[]string{"Subject: renewal", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-16"}, text)
	}
	{
		card := g.card()
		text := evenLength("card " + group(card, 4, 4, 4, 4) + "\r\n")
		add("utf-16le-label-ascii-attachment", "8.2", []string{card}, nil, mixed("renewal"),
			attach(b64part("Content-Type: text/plain; charset=utf-16le; name=card.txt\r\nContent-Disposition: attachment; filename=card.txt\r\n", []byte(text))))
	}
	{
		ssn := g.ssn()
		text := evenLength("SSN " + group(ssn, 3, 2, 4) + " thanks\r\n")
		add("ucs-2-label-ascii-body", "8.2", []string{ssn}, nil,
			[]string{"Subject: form", "MIME-Version: 1.0", "Content-Type: text/plain; charset=ucs-2"}, text)
	}
	{
		ssn := g.ssn()
		add("utf-32-label-body", "8.2", []string{ssn}, nil, []string{"Subject: form", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-32", "Content-Transfer-Encoding: base64"},
			b64body(utf32(false, "my SSN is "+group(ssn, 3, 2, 4)+"\r\n")))
	}
	{
		card := g.card()
		add("utf-32be-attachment", "8.2", []string{card}, nil, mixed("card"),
			attach(b64part("Content-Type: text/plain; charset=utf-32; name=pay.txt\r\nContent-Disposition: attachment; filename=pay.txt\r\n",
				utf32(true, "card "+group(card, 4, 4, 4, 4)+"\r\n"))))
	}
	{
		card := g.card()
		add("utf-7-digits", "8.2", []string{card}, nil,
			[]string{"Subject: card", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-7"},
			"card "+utf7(group(card, 4, 4, 4, 4))+" please\r\n")
	}
	{
		card := g.card()
		// KS X 1001 row 3 holds the full-width digits ("#4"), row 1 the
		// ideographic space ("!!").
		var fw strings.Builder
		fw.WriteString("\x0e")
		for i, grp := range strings.Split(group(card, 4, 4, 4, 4), " ") {
			if i > 0 {
				fw.WriteString("!!")
			}
			for _, d := range grp {
				fw.WriteString("#" + string(d))
			}
		}
		fw.WriteString("\x0f")
		add("iso-2022-kr-full-width", "8.2", []string{card}, nil,
			[]string{"Subject: card", "MIME-Version: 1.0", "Content-Type: text/plain; charset=iso-2022-kr"},
			"\x1b$)C\r\ncard "+fw.String()+"\r\n")
	}

	// 8.3: PDF text placed one glyph at a time.
	{
		ssn := g.ssn()
		var c strings.Builder
		c.WriteString("BT /F1 10 Tf 72 720 Td (Social security number) Tj ET\n")
		x := 72.0
		for gi, n := range []int{3, 2, 4} { // three comb fields
			for k := 0; k < n; k++ {
				d := ssn[[]int{0, 3, 5}[gi]+k]
				fmt.Fprintf(&c, "BT /F1 12 Tf %.1f 700 Td (%c) Tj ET\n", x, d)
				x += 16
			}
			x += 24
		}
		add("pdf-comb-fields-ssn", "8.3", []string{ssn}, []string{"form.pdf"}, mixed("tax form"),
			attach(b64part("Content-Type: application/pdf; name=form.pdf\r\nContent-Disposition: attachment; filename=form.pdf\r\n", onePagePDF(c.String()))))
	}
	{
		card := g.card()
		var c strings.Builder
		c.WriteString("BT /F1 12 Tf 72 700 Td (Card number) Tj 0 -20 Td [")
		for i := 0; i < len(card); i++ {
			fmt.Fprintf(&c, "(%c) -900 ", card[i])
		}
		c.WriteString("] TJ ET\n")
		add("pdf-tj-kerning-card", "8.3", []string{card}, []string{"statement.pdf"}, mixed("statement"),
			attach(b64part("Content-Type: application/pdf; name=statement.pdf\r\nContent-Disposition: attachment; filename=statement.pdf\r\n", onePagePDF(c.String()))))
	}

	// 8.4: XLSX numbers as Excel stores them.
	{
		card, amex := g.card(), g.amex()
		sheet := `<row r="1"><c r="A1" t="inlineStr"><is><t>Visa</t></is></c><c r="B1"><v>` + exponent(card) + `</v></c></row>` +
			`<row r="2"><c r="A2" t="inlineStr"><is><t>Amex</t></is></c><c r="B2"><v>` + exponent(amex) + `</v></c></row>`
		add("xlsx-exponent-cells", "8.4", []string{card, amex}, []string{"cards.xlsx"}, mixed("cards"),
			attach(b64part("Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=cards.xlsx\r\nContent-Disposition: attachment; filename=cards.xlsx\r\n", xlsx(sheet, ""))))
	}
	{
		ssn := g.ssnLeadingZero()
		styles := `<numFmts count="1"><numFmt numFmtId="164" formatCode="000\-00\-0000"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>`
		sheet := `<row r="1"><c r="A1" t="inlineStr"><is><t>SSN</t></is></c><c r="B1" s="1"><v>` + strings.TrimLeft(ssn, "0") + `</v></c></row>`
		add("xlsx-ssn-number-format", "8.4", []string{ssn}, []string{"staff.xlsx"}, mixed("staff list"),
			attach(b64part("Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=staff.xlsx\r\nContent-Disposition: attachment; filename=staff.xlsx\r\n", xlsx(sheet, styles))))
	}

	// 8.5: other readable numbers ordinary mail produces.
	{
		card := g.card()
		add("tab-separated-groups", "8.5", []string{card}, nil, append([]string{"Subject: pasted"}, plain...),
			"Card\t"+strings.ReplaceAll(group(card, 4, 4, 4, 4), " ", "\t")+"\tExp 12/29\r\n")
	}
	{
		card := g.card()
		add("word-joiner-between-digits", "8.5", []string{card}, nil, append([]string{"Subject: card"}, plain...),
			"card "+strings.Join(strings.Split(card, ""), "\u2060")+"\r\n")
	}
	{
		ssn := g.ssn()
		add("direction-marks-between-groups", "8.5", []string{ssn}, nil, append([]string{"Subject: ssn"}, plain...),
			"SSN "+ssn[:3]+"\u200e-"+ssn[3:5]+"\u200f-"+ssn[5:]+"\r\n")
	}
	{
		card := g.card()
		add("flowed-delsp-break", "8.5", []string{card}, nil,
			[]string{"Subject: card", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes"},
			"My card is "+card[:8]+" \r\n"+card[8:]+" and it expires soon.\r\n")
	}
	{
		card, card2 := g.card(), g.card()
		add("cjk-glued", "8.5", []string{card, card2}, nil, append([]string{"Subject: カード"}, plain...),
			"カード番号は"+fullWidth(card)+"です。\r\n予備のカード"+card2+"も。\r\n")
	}
	{
		card, ssn, card2 := g.card(), g.ssn(), g.card()
		doc := `<w:p><w:r><w:t>Scan of my card</w:t></w:r></w:p>` +
			`<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1" descr="card ` + group(card, 4, 4, 4, 4) + `"/></wp:inline></w:drawing></w:r></w:p>` +
			`<w:sdt><w:sdtPr><w:alias w:val="Card ` + group(card2, 4, 4, 4, 4) + `"/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>x</w:t></w:r></w:p></w:sdtContent></w:sdt>`
		add("docx-alt-text-customxml-sdt", "8.5", []string{card, ssn, card2}, nil, mixed("scan"),
			attach(b64part("Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=scan.docx\r\nContent-Disposition: attachment; filename=scan.docx\r\n",
				docx(doc, `<root><ssn>`+group(ssn, 3, 2, 4)+`</ssn></root>`))))
	}
	{
		card, ssn, amex := g.card(), g.ssn(), g.amex()
		add("escaped-digits-in-text-attachments", "8.5", []string{card, ssn, amex}, nil, mixed("data"),
			attach(
				b64part("Content-Type: text/plain; name=url.txt\r\nContent-Disposition: attachment; filename=url.txt\r\n", []byte("https://pay.example/?card="+each(card, "%%%02X")+"\r\n")),
				b64part("Content-Type: application/json; name=data.json\r\nContent-Disposition: attachment; filename=data.json\r\n", []byte(`{"ssn":"`+each(group(ssn, 3, 2, 4), `\u%04x`)+`"}`+"\r\n")),
				b64part("Content-Type: application/xml; name=data.xml\r\nContent-Disposition: attachment; filename=data.xml\r\n", []byte("<card>"+each(amex, "&#%d;")+"</card>\r\n")),
			))
	}
	{
		card, ssn := g.card(), g.ssn()
		add("multipart-preamble-epilogue", "8.5", []string{card, ssn}, nil, mixed("hello"),
			"card "+group(card, 4, 4, 4, 4)+" in the preamble\r\n"+attach()+"SSN "+group(ssn, 3, 2, 4)+" in the epilogue\r\n")
	}
	{
		card := g.card()
		add("second-content-type", "8.5", []string{card}, nil, mixed("photo"),
			attach("Content-Type: image/png; name=photo.png\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=photo.png\r\n\r\ncard "+group(card, 4, 4, 4, 4)+"\r\n"))
	}
	{
		card, ssn := g.card(), g.ssn()
		add("signature-labelled-plain-text", "8.5", []string{card, ssn}, nil, mixed("signed"),
			attach(
				"Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Disposition: attachment; filename=smime.p7s\r\n\r\ncard "+group(card, 4, 4, 4, 4)+"\r\n",
				"Content-Type: application/pgp-signature; name=signature.asc\r\nContent-Disposition: attachment; filename=signature.asc\r\n\r\nSSN "+group(ssn, 3, 2, 4)+"\r\n",
			))
	}

	// 15.9: a number after a word and a hyphen, in text, a file name and
	// threading headers.
	{
		card, card2 := g.card(), g.card()
		add("word-hyphen-card", "15.9", []string{card, card2}, nil, append([]string{"Subject: visa-" + group(card2, 4, 4, 4, 4)}, plain...),
			"my card-"+card+" please\r\n")
	}
	{
		card := g.card()
		blob := make([]byte, 600)
		for i := range blob {
			blob[i] = byte(g.r.Uint32())
		}
		name := "card-" + card + ".bin"
		add("card-in-file-name", "15.9", []string{card}, nil, mixed("file"),
			attach(b64part("Content-Type: application/octet-stream; name=\""+name+"\"\r\nContent-Disposition: attachment; filename=\""+name+"\"\r\n", blob)))
	}
	{
		card, card2 := g.card(), g.card()
		add("card-in-message-id", "15.9", []string{card, card2}, nil,
			append([]string{"Subject: again", "Message-ID: <card-" + card + "@member.example>", "In-Reply-To: <card-" + card2 + "@member.example>", "References: <card-" + card2 + "@member.example>"}, plain...),
			"Following up.\r\n")
	}

	// 15.2: NULs and bytes that are not UTF-8, which PostgreSQL refuses in
	// text.
	{
		card := g.card()
		add("quoted-printable-nul", "15.2", []string{card}, nil,
			[]string{"Subject: qp", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"},
			"card "+strings.ReplaceAll(group(card, 4, 4, 4, 4), " ", "=00")+"\r\n")
	}
	{
		ssn := g.ssn()
		add("raw-nul-in-body", "15.2", []string{ssn}, nil, append([]string{"Subject: nul"}, plain...),
			"SSN "+ssn[:3]+"\x00"+ssn[3:5]+"\x00"+ssn[5:]+"\r\n")
	}
	{
		card := g.card()
		add("csv-with-nul", "15.2", []string{card}, nil, mixed("export"),
			attach(b64part("Content-Type: text/csv; name=export.csv\r\nContent-Disposition: attachment; filename=export.csv\r\n", []byte("name,card\r\nJo\x00,"+card+"\x00\r\n"))))
	}
	{
		ssn := g.ssn()
		add("utf-16-with-u0000", "15.2", []string{ssn}, nil, []string{"Subject: utf16", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-16le", "Content-Transfer-Encoding: base64"},
			b64body(utf16le("SSN "+ssn[:3]+"\x00"+ssn[3:5]+"\x00"+ssn[5:]+"\r\n")))
	}
	{
		card := g.card()
		add("encoded-word-subject-nul", "15.2", []string{card}, nil,
			append([]string{"Subject: =?utf-8?Q?card_" + strings.ReplaceAll(group(card, 4, 4, 4, 4), " ", "=00") + "?="}, plain...), "See the subject.\r\n")
	}
	{
		card := g.card()
		add("message-id-0xff", "15.2", []string{card}, nil,
			append([]string{"Subject: id", "Message-ID: <\xff" + card + "\xfe@member.example>", "In-Reply-To: <\xffx@member.example>"}, plain...), "Hello.\r\n")
	}

	// Spellings of the transfer encodings themselves.
	{
		card := g.card()
		add("quoted-printable-digits", "8", []string{card}, nil,
			[]string{"Subject: qp", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"},
			"card "+each(group(card, 4, 4, 4, 4), "=%02X")+"\r\n")
	}
	{
		ssn := g.ssn()
		add("quoted-printable-soft-breaks", "8", []string{ssn}, nil,
			[]string{"Subject: qp", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"},
			"SSN "+ssn[:2]+"=\r\n"+ssn[2:3]+"-"+ssn[3:5]+"=\r\n-"+ssn[5:]+"\r\n")
	}
	{
		card, card2 := g.card(), g.card()
		add("html-references-and-tags", "8", []string{card, card2}, nil,
			[]string{"Subject: html", "MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8"},
			"<p>card "+each(card, "&#%d;")+"</p><p>other <b>"+card2[:4]+"</b> <i>"+card2[4:8]+"</i> <span>"+card2[8:12]+"</span>&nbsp;"+card2[12:]+"</p>\r\n")
		out[len(out)-1].Hidden = []string{card2}
	}
	{
		card := g.card()
		add("base64-utf-16-bom", "8", []string{card}, nil, []string{"Subject: bom", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-16", "Content-Transfer-Encoding: base64"},
			b64body(append([]byte{0xff, 0xfe}, utf16le("card "+group(card, 4, 4, 4, 4)+"\r\n")...)))
	}
	{
		card, ssn := g.card(), g.ssn()
		subj := mime.BEncoding.Encode("utf-8", "card "+fullWidth(group(card, 4, 4, 4, 4)))
		add("full-width-and-nbsp", "8", []string{card, ssn}, nil, append([]string{"Subject: " + subj}, plain...),
			"SSN "+strings.ReplaceAll(group(ssn, 3, 2, 4), " ", "\u00a0")+"\r\n")
	}
	{
		card, ssn := g.card(), g.ssn()
		add("gzip-and-zip-attachments", "8", []string{card, ssn}, nil, mixed("archives"),
			attach(
				b64part("Content-Type: application/gzip; name=note.txt.gz\r\nContent-Disposition: attachment; filename=note.txt.gz\r\n", gzipped([]byte("card "+group(card, 4, 4, 4, 4)+"\r\n"))),
				b64part("Content-Type: application/zip; name=ssn.zip\r\nContent-Disposition: attachment; filename=ssn.zip\r\n", zipped("ssn.txt", []byte("SSN "+group(ssn, 3, 2, 4)+"\r\n"))),
			))
	}
	{
		card := g.card()
		add("base64-pasted-in-plain-text", "8 (extra)", []string{card}, nil, append([]string{"Subject: forwarded"}, plain...),
			"The form said:\r\n"+base64.StdEncoding.EncodeToString([]byte("Card number: "+group(card, 4, 4, 4, 4)+"\r\n"))+"\r\n")
	}
	return out
}

// numbers draws fresh numbers that pass the rules a scanner applies, each
// with a last four no other number of the corpus has.
type numbers struct {
	r    *rand.Rand
	used map[string]bool
}

func (g *numbers) fresh(make func() string) string {
	for {
		n := make()
		if !g.used[n[len(n)-4:]] {
			g.used[n[len(n)-4:]] = true
			return n
		}
	}
}

func (g *numbers) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

// card is a Visa number: 4, fourteen random digits, the Luhn digit.
func (g *numbers) card() string {
	return g.fresh(func() string { body := "4" + g.digits(14); return body + string(luhnDigit(body)) })
}

// amex is an American Express number: 37, twelve digits, the Luhn digit.
func (g *numbers) amex() string {
	return g.fresh(func() string { body := "37" + g.digits(12); return body + string(luhnDigit(body)) })
}

// ssn is a number the SSA could issue: area 100-665, group 01-99, serial
// 0001-9999.
func (g *numbers) ssn() string {
	return g.fresh(func() string {
		return fmt.Sprintf("%03d%02d%04d", 100+g.r.IntN(566), 1+g.r.IntN(99), 1+g.r.IntN(9999))
	})
}

// ssnLeadingZero is an SSN whose area starts with 0 (001-099): stored as
// a number, it loses a digit.
func (g *numbers) ssnLeadingZero() string {
	return g.fresh(func() string {
		return fmt.Sprintf("%03d%02d%04d", 1+g.r.IntN(99), 1+g.r.IntN(99), 1+g.r.IntN(9999))
	})
}

func luhnDigit(body string) byte {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		v := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10)
}

// group writes digits in groups of the given sizes, joined by spaces.
func group(d string, sizes ...int) string {
	var parts []string
	for _, n := range sizes {
		parts = append(parts, d[:n])
		d = d[n:]
	}
	return strings.Join(parts, " ")
}

// exponent is a number as a spreadsheet writes it: 4.111111111111111E15.
func exponent(d string) string {
	return d[:1] + "." + strings.TrimRight(d[1:], "0") + "E" + fmt.Sprint(len(d)-1)
}

func mustEncode(enc encoding.Encoding, s string) string {
	out, err := enc.NewEncoder().String(s)
	if err != nil {
		panic(fmt.Sprintf("leakcheck: encode a shape: %v", err))
	}
	return out
}

func encodedWord(enc encoding.Encoding, cs string, q bool, text string) string {
	raw := mustEncode(enc, text)
	if q {
		return mime.QEncoding.Encode(cs, raw)
	}
	return mime.BEncoding.Encode(cs, raw)
}

// evenLength pads s to an even number of bytes, so that a UTF-16 label
// decodes it without a stray byte.
func evenLength(s string) string {
	if len(s)%2 == 1 {
		return " " + s
	}
	return s
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func utf32(be bool, s string) []byte {
	var b []byte
	for _, r := range s {
		if be {
			b = binary.BigEndian.AppendUint32(b, uint32(r))
		} else {
			b = binary.LittleEndian.AppendUint32(b, uint32(r))
		}
	}
	return b
}

// utf7 writes s as UTF-7's base64 (RFC 2152): "+ADQAMQ-" for "41".
func utf7(s string) string {
	var be []byte
	for _, u := range utf16.Encode([]rune(s)) {
		be = append(be, byte(u>>8), byte(u))
	}
	return "+" + base64.RawStdEncoding.EncodeToString(be) + "-"
}

func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + 0xFF10
		}
		return r
	}, s)
}

// each writes every byte of s with pattern ("=%02X", "&#%d;").
func each(s, pattern string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, pattern, s[i])
	}
	return b.String()
}

func b64body(b []byte) string { return wrap76(base64.StdEncoding.EncodeToString(b)) + "\r\n" }

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

// onePagePDF is a PDF of one page drawing content (uncompressed) in
// Helvetica.
func onePagePDF(content string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	var off []int
	for i, o := range objs {
		off = append(off, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range off {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

type zipEntry struct {
	name string
	data string
}

func zipOf(entries ...zipEntry) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		f, err := w.Create(e.name)
		if err == nil {
			_, err = f.Write([]byte(e.data))
		}
		if err != nil {
			panic(fmt.Sprintf("leakcheck: zip a shape: %v", err))
		}
	}
	if err := w.Close(); err != nil {
		panic(fmt.Sprintf("leakcheck: zip a shape: %v", err))
	}
	return b.Bytes()
}

const contentTypes = `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`

func xlsx(rows, styles string) []byte {
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	entries := []zipEntry{
		{"[Content_Types].xml", contentTypes},
		{"xl/workbook.xml", `<workbook ` + ns + `><sheets><sheet name="S" sheetId="1"/></sheets></workbook>`},
		{"xl/worksheets/sheet1.xml", `<worksheet ` + ns + `><sheetData>` + rows + `</sheetData></worksheet>`},
	}
	if styles != "" {
		entries = append(entries, zipEntry{"xl/styles.xml", `<styleSheet ` + ns + `>` + styles + `</styleSheet>`})
	}
	return zipOf(entries...)
}

func docx(body, customXML string) []byte {
	const ns = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"`
	return zipOf(
		zipEntry{"[Content_Types].xml", contentTypes},
		zipEntry{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ` + ns + `><w:body>` + body + `</w:body></w:document>`},
		zipEntry{"customXml/item1.xml", customXML},
	)
}

func gzipped(b []byte) []byte {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(b)
	w.Close()
	return z.Bytes()
}

func zipped(name string, b []byte) []byte { return zipOf(zipEntry{name, string(b)}) }
