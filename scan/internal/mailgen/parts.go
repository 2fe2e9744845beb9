package mailgen

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
)

// part is one MIME entity: its header lines (folded, without the final
// CRLF) and its encoded body.
type part struct {
	header []string
	body   []byte
	desc   string // for the Shape
}

func (g *Generator) multipart(subtype string, parts []part) part {
	boundary := "=_mailgen_" + g.tokenID()
	var body bytes.Buffer
	body.WriteString("This is a multi-part message in MIME format.\r\n")
	var descs []string
	for _, p := range parts {
		body.WriteString("\r\n--" + boundary + "\r\n")
		for _, h := range p.header {
			body.WriteString(h + "\r\n")
		}
		body.WriteString("\r\n")
		body.Write(bytes.TrimSuffix(p.body, []byte("\r\n")))
		descs = append(descs, p.desc)
	}
	body.WriteString("\r\n--" + boundary + "--\r\n")
	return part{
		header: []string{fmt.Sprintf("Content-Type: multipart/%s;\r\n boundary=\"%s\"", subtype, boundary)},
		body:   body.Bytes(),
		desc:   "multipart/" + subtype + "{" + strings.Join(descs, ", ") + "}",
	}
}

// textLines lays units out among filler lines as a member writes: a
// greeting, lines, the units, a closing. Quoted units sit under an
// attribution line, as in a reply.
func (b *builder) textLines(rs []rendered, lang language) [][]piece {
	g := b.g
	var lines [][]piece
	for i := 1 + g.r.IntN(3); i > 0; i-- {
		lines = append(lines, []piece{{s: lang.lines[g.r.IntN(len(lang.lines))]}})
	}
	for _, r := range rs {
		s := r.sentence()
		if r.spelled.quoted {
			s = append([]piece{{s: "On Monday, " + lang.names[0] + " wrote:\n> "}}, s...)
		}
		k := g.r.IntN(len(lines) + 1)
		lines = append(lines[:k], append([][]piece{s}, lines[k:]...)...)
	}
	out := [][]piece{{{s: lang.greetings[g.r.IntN(len(lang.greetings))]}}}
	out = append(out, lines...)
	return append(out, []piece{{s: lang.closings[g.r.IntN(len(lang.closings))]}}, []piece{{s: lang.names[g.r.IntN(len(lang.names))]}})
}

func plainPieces(lines [][]piece) []piece {
	var ps []piece
	for i, l := range lines {
		ps = append(ps, l...)
		sep := "\n"
		if i == 0 || i == len(lines)-3 {
			sep = "\n\n" // paragraphs after the greeting and before the closing
		}
		ps = append(ps, piece{s: sep})
	}
	return ps
}

const charsetMark = "\x00charset\x00"

// htmlPieces writes lines as an HTML document: text escaped, markup kept,
// each line in its own block.
func (b *builder) htmlPieces(lines [][]piece) []piece {
	g := b.g
	ps := []piece{{s: `<html><head><meta http-equiv="Content-Type" content="text/html; charset=` + charsetMark + `"></head>` + "\n<body>\n", markup: true}}
	for _, l := range lines {
		open, close := g.pick("<p>|</p>\n", "<div>|</div>\n", "|<br>\n", "<p><span style=\"font-family:Arial\">|</span></p>\n"), ""
		open, close, _ = strings.Cut(open, "|")
		ps = append(ps, piece{s: open, markup: true})
		for _, p := range l {
			if !p.markup {
				p = piece{s: b.escapeHTML(p.s), markup: true, split: p.split}
			}
			ps = append(ps, p)
		}
		ps = append(ps, piece{s: close, markup: true})
	}
	return append(ps, piece{s: "</body></html>\n", markup: true})
}

func (b *builder) escapeHTML(s string) string {
	var out strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			out.WriteString("&amp;")
		case '<':
			out.WriteString("&lt;")
		case '>':
			out.WriteString("&gt;")
		case '"':
			out.WriteString("&quot;")
		case '\u00a0':
			out.WriteString(b.g.pick("&nbsp;", "\u00a0"))
		case '\n':
			out.WriteString(b.g.pick("<br>\n", "\n")) // a source line break is a space
		default:
			out.WriteRune(r)
		}
	}
	return out.String()
}

// textPart encodes pieces as a text/* entity in a charset the language
// and the content allow. attach is the file name for an attachment, or "".
func (b *builder) textPart(ctype string, ps []piece, lang language, attach string, forceBase64 bool) (part, bool) {
	g := b.g
	cands := append([]charset(nil), charsetsFor(lang.name)...)
	g.shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	cands = append(cands, csUTF8)
	var cs charset
	var enc encodedText
	for _, c := range cands {
		label := c.label
		if label == "" {
			label = "windows-1252"
		}
		withLabel := make([]piece, len(ps))
		for i, p := range ps {
			p.s = strings.ReplaceAll(p.s, charsetMark, label)
			withLabel[i] = p
		}
		var ok bool
		if enc, ok = c.encodePieces(withLabel); ok {
			cs = c
			break
		}
	}
	b.msg.texts = append(b.msg.texts, textOf(ps))
	cte := g.chooseTransfer(cs, enc.b)
	if forceBase64 {
		cte = transfer{name: "base64"}
	}
	ct := ctype
	if cs.label != "" {
		ct += "; charset=\"" + cs.label + "\""
	}
	if ctype == "text/plain" && g.r.IntN(5) == 0 {
		ct += "; format=flowed"
	}
	var hdr []string
	if attach != "" {
		hdr = append(hdr, "Content-Type: "+ct+";\r\n "+b.fileParam("name", attach),
			"Content-Disposition: attachment;\r\n "+b.fileParam("filename", attach))
	} else {
		hdr = append(hdr, "Content-Type: "+ct)
	}
	hdr = append(hdr, "Content-Transfer-Encoding: "+g.wireName(cte.name))
	return part{header: hdr, body: g.encodeTransfer(cte, enc), desc: fmt.Sprintf("%s %s %s", ctype, cs.name, cte)}, true
}

// fileParam writes a file name parameter: quoted when ASCII, otherwise
// RFC 2231 (or, as older Outlook does, an RFC 2047 word in quotes).
func (b *builder) fileParam(key, name string) string {
	if isASCII(name) || b.g.r.IntN(3) > 0 {
		return strings.TrimPrefix(mime.FormatMediaType("x", map[string]string{key: name}), "x; ")
	}
	w, _ := b.g.encodedWords(csUTF8, []piece{{s: name}}, b.g.r.IntN(2) == 0)
	return key + "=\"" + strings.ReplaceAll(w, "\r\n", "") + "\""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// body writes the message's own text: text/plain, text/html, or both as
// multipart/alternative.
func (b *builder) body(units []*unit, lang language, where string) part {
	g := b.g
	switch g.r.IntN(4) {
	case 0, 1:
		rs := b.renderAll(units, inText)
		p, _ := b.textPart("text/plain", plainPieces(b.textLines(rs, lang)), lang, "", false)
		b.label(rs, where, p.desc)
		return p
	case 2:
		rs := b.renderAll(units, inHTML)
		p, _ := b.textPart("text/html", b.htmlPieces(b.textLines(rs, lang)), lang, "", false)
		b.label(rs, where, p.desc)
		return p
	}
	// Both halves say the same: a hard negative is one that may be in both
	// (a row of tab-separated cells is spaced digits once HTML collapses
	// its tabs).
	for _, u := range units {
		if u.neg != nil {
			b.drawNegative(u.neg, inText|inHTML)
		}
	}
	rs := b.renderAll(units, inText)
	plain, _ := b.textPart("text/plain", plainPieces(b.textLines(rs, lang)), lang, "", false)
	b.label(rs, where, plain.desc)
	rs = b.renderAll(units, inHTML)
	html, _ := b.textPart("text/html", b.htmlPieces(b.textLines(rs, lang)), lang, "", false)
	b.label(rs, where, html.desc)
	return g.multipart("alternative", []part{plain, html})
}

func (b *builder) renderAll(units []*unit, c context) []rendered {
	rs := make([]rendered, len(units))
	for i, u := range units {
		rs[i] = b.render(u, c)
	}
	return rs
}

func (b *builder) txtAttachment(units []*unit, lang language, where string) part {
	name := b.g.pick(fileStems...) + ".txt"
	rs := b.renderAll(units, inText)
	p, _ := b.textPart("text/plain", plainPieces(b.textLines(rs, lang)), lang, name, false)
	b.label(rs, nest(where, name), p.desc)
	p.desc = "attachment " + p.desc
	return p
}

// csvRows writes units as rows of a CSV export; each row starts with a
// name and ends with a note, so no two numbers touch across a line.
func (b *builder) csvRows(units []*unit, lang language) ([]piece, []rendered) {
	g := b.g
	rs := b.renderAll(units, inCSV)
	ps := []piece{{s: "name,value,note\n"}}
	rows := make([][]piece, 0, len(rs)+2)
	for i := 1 + g.r.IntN(2); i > 0; i-- {
		rows = append(rows, []piece{{s: lang.names[g.r.IntN(len(lang.names))] + ",n/a,none\n"}})
	}
	for _, r := range rs {
		row := []piece{{s: lang.names[g.r.IntN(len(lang.names))] + ","}}
		row = append(row, r.spelled.value...)
		row = append(row, piece{s: r.spelled.exp + "," + r.spelled.note + "\n"})
		k := g.r.IntN(len(rows) + 1)
		rows = append(rows[:k], append([][]piece{row}, rows[k:]...)...)
	}
	for _, r := range rows {
		ps = append(ps, r...)
	}
	return ps, rs
}

func (b *builder) csvAttachment(units []*unit, lang language, where string) part {
	name := b.g.pick(csvStems...) + ".csv"
	ps, rs := b.csvRows(units, lang)
	p, _ := b.textPart("text/csv", ps, lang, name, b.g.r.IntN(4) > 0) // exports mostly go base64
	b.label(rs, nest(where, name), p.desc)
	p.desc = "attachment " + p.desc
	return p
}

// binaryPart is an attachment sent base64.
func (b *builder) binaryPart(ctype, name string, data []byte) part {
	return part{
		header: []string{
			"Content-Type: " + ctype + ";\r\n " + b.fileParam("name", name),
			"Content-Disposition: attachment;\r\n " + b.fileParam("filename", name),
			"Content-Transfer-Encoding: base64",
		},
		body: base64Lines(data),
		desc: ctype,
	}
}

func (b *builder) docxAttachment(units []*unit, lang language, where string) part {
	name := b.g.pick(docStems...) + ".docx"
	rs := b.renderAll(units, inDOCX)
	var paras []string
	for _, l := range b.textLines(rs, lang) {
		paras = append(paras, textOf(l))
	}
	b.msg.texts = append(b.msg.texts, paras...)
	p := b.binaryPart("application/vnd.openxmlformats-officedocument.wordprocessingml.document", name, b.g.docx(paras))
	p.desc = "attachment docx"
	b.label(rs, nest(where, name), "docx, runs split at random")
	return p
}

func (b *builder) zipAttachment(units []*unit, lang language) part {
	g := b.g
	name := g.pick(zipStems...) + ".zip"
	entry := g.pick("records.csv", "export/records.csv", "Übersicht.csv")
	ps, rs := b.csvRows(units, lang)
	b.msg.texts = append(b.msg.texts, textOf(ps))
	p := b.binaryPart("application/zip", name, g.zipOf(entry, []byte(strings.ReplaceAll(textOf(ps), "\n", "\r\n"))))
	p.desc = "attachment zip/csv"
	b.label(rs, "attachment:"+name+"/"+entry, "zip entry csv utf-8")
	return p
}

func (b *builder) gzipAttachment(units []*unit, lang language) part {
	g := b.g
	inner := g.pick(csvStems...) + ".csv"
	name := inner + ".gz"
	ps, rs := b.csvRows(units, lang)
	b.msg.texts = append(b.msg.texts, textOf(ps))
	p := b.binaryPart(g.pick("application/gzip", "application/x-gzip", "application/octet-stream"), name,
		g.gzipOf(inner, []byte(textOf(ps))))
	p.desc = "attachment gzip/csv"
	b.label(rs, "attachment:"+name+"/"+inner, "gzip csv utf-8")
	return p
}

// filenameAttachment plants u in the name of a harmless text file. The
// scanner reports it at the attachment's location, whose name it masks.
func (b *builder) filenameAttachment(u *unit, lang language, where string) part {
	g := b.g
	r := b.render(u, inLine)
	r.spelled = r.spelled.withoutExp()
	stem := g.pick("scan ", "card ", "form ", "copy of ")
	if r.spelled.note == "SSN" || r.spelled.note == "ITIN" {
		stem = r.spelled.note + " "
	}
	ext := g.pick(".txt", ".csv", ".log")
	name := stem + textOf(r.spelled.value) + ext
	p, _ := b.textPart("text/plain", plainPieces(b.textLines(nil, lang)), lang, name, false)
	b.label([]rendered{r}, nest(where, stem+r.spelled.masked+ext), "file name, "+p.desc)
	p.desc = "attachment named with a number " + p.desc
	return p
}

// fwdAttachment writes units into a forwarded message attached as
// message/rfc822; everything in it is found at the attachment's location.
func (b *builder) fwdAttachment(units []*unit, where string, depth int) part {
	g := b.g
	name := g.pick(fwdNames...)
	inner, shape := b.message(units, nest(where, name), depth+1)
	cte := "7bit"
	if !isSevenBit(inner) {
		cte = "8bit"
	}
	return part{
		header: []string{
			"Content-Type: message/rfc822;\r\n " + b.fileParam("name", name),
			"Content-Disposition: attachment;\r\n " + b.fileParam("filename", name),
			"Content-Transfer-Encoding: " + cte,
		},
		body: inner,
		desc: "attachment message/rfc822 {" + shape + "}",
	}
}

// nest is the location of an attachment named name: at the top level
// "attachment:NAME", inside a forwarded message at where, "where/NAME",
// as the scanner names it.
func nest(where, name string) string {
	if where == "" {
		return "attachment:" + name
	}
	return where + "/" + name
}

func orDefault(s, d string) string {
	if s != "" {
		return s
	}
	return d
}

// headerCharsets are the charsets encoded words are written in.
var headerCharsets = []charset{csUTF8, csUTF8, csLatin1, csWin1252, csJIS}

// headerText writes a header's text: as it is when it is ASCII (quoted
// for a display name), or as encoded words, or now and then as raw UTF-8
// (RFC 6532).
func (b *builder) headerText(ps []piece, quote bool) (string, string) {
	g := b.g
	text := textOf(ps)
	b.msg.texts = append(b.msg.texts, text)
	if isASCII(text) && g.r.IntN(3) > 0 {
		if quote {
			return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(text) + `"`, "ascii"
		}
		return text, "ascii"
	}
	if !isASCII(text) && !quote && g.r.IntN(6) == 0 {
		return text, "raw utf-8"
	}
	cands := append([]charset(nil), headerCharsets...)
	g.shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	for _, cs := range append(cands, csUTF8) {
		q := g.r.IntN(2) == 0 && cs.name != "iso-2022-jp"
		if w, ok := g.encodedWords(cs, ps, q); ok {
			mode := "B"
			if q {
				mode = "Q"
			}
			return w, "rfc2047 " + mode + " " + cs.name
		}
	}
	panic("mailgen: utf-8 cannot encode a header") // unreachable: UTF-8 writes any text
}

func (b *builder) subject(units []*unit, lang language, where string) (string, string) {
	g := b.g
	base := lang.subjects[g.r.IntN(len(lang.subjects))]
	ps := []piece{{s: g.pick("", "Re: ", "AW: ") + base}}
	if len(units) == 0 {
		s, _ := b.headerText(ps, false)
		return s, ""
	}
	r := b.render(units[0], inLine)
	ps = append(ps, piece{s: " - "})
	ps = append(ps, r.sentence()...)
	s, d := b.headerText(ps, false)
	b.label([]rendered{r}, where, "subject "+d)
	return s, d
}

// displayName writes "Name <addr>" with the unit, if any, in the name.
func (b *builder) displayName(units []*unit, name, addr string, lang language, where string) (string, string) {
	ps := []piece{{s: name}}
	var r rendered
	if len(units) > 0 {
		r = b.render(units[0], inLine)
		r.spelled = r.spelled.withoutExp()
		sep := " "
		if r.spelled.note == "SSN" || r.spelled.note == "ITIN" {
			sep = " " + r.spelled.note + " "
		}
		ps = append(ps, piece{s: sep})
		ps = append(ps, r.spelled.value...)
	}
	s, d := b.headerText(ps, true)
	if len(units) > 0 {
		b.label([]rendered{r}, where, "display name "+d)
		return s + " <" + addr + ">", d
	}
	return s + " <" + addr + ">", ""
}

func (b *builder) xlsxAttachment(units []*unit, lang language, where string) part {
	g := b.g
	name := g.pick("export", "Kunden", "claims") + ".xlsx"
	rs := b.renderAll(units, inCSV)
	rows := [][]cell{{{text: "Name"}, {text: "Value"}, {text: "Note"}}}
	for i := range rs {
		r := &rs[i]
		value := cell{text: textOf(r.spelled.value) + r.spelled.exp}
		if it := r.u.secret; it != nil && it.typ == SSN && r.spelled.spelling == "ssn-bare+keyword" && g.r.IntN(2) == 0 {
			// Nine digits typed into a cell become a number cell.
			value = cell{text: it.digits, numeric: true}
			r.spelled.spelling = "ssn-bare+keyword (number cell)"
		}
		row := []cell{{text: lang.names[g.r.IntN(len(lang.names))]}, value, {text: r.spelled.note}}
		k := 1 + g.r.IntN(len(rows))
		rows = append(rows[:k], append([][]cell{row}, rows[k:]...)...)
	}
	for _, r := range rs {
		b.msg.texts = append(b.msg.texts, textOf(r.sentence()))
	}
	p := b.binaryPart("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name, g.xlsx(rows))
	p.desc = "attachment xlsx"
	b.label(rs, nest(where, name), "xlsx cells")
	return p
}

func (b *builder) odtAttachment(units []*unit, lang language, where string) part {
	name := b.g.pick("Brief", "lettre", "notes") + ".odt"
	rs := b.renderAll(units, inDOCX)
	var paras []string
	for _, l := range b.textLines(rs, lang) {
		paras = append(paras, textOf(l))
	}
	b.msg.texts = append(b.msg.texts, paras...)
	p := b.binaryPart("application/vnd.oasis.opendocument.text", name, b.g.odt(paras))
	p.desc = "attachment odt"
	b.label(rs, nest(where, name), "odt, spans split at random")
	return p
}

// calendarAttachment puts the units' sentences in an invitation's
// description or a contact card's note, folded inside the numbers.
func (b *builder) calendarAttachment(ics bool, units []*unit, lang language, where string) part {
	g := b.g
	rs := b.renderAll(units, inLine)
	var sentences [][]piece
	for _, r := range rs {
		sentences = append(sentences, r.sentence())
	}
	name, ctype := "invite.ics", "text/calendar"
	ps := g.icsPieces(sentences)
	if !ics {
		name, ctype = lang.names[0]+".vcf", g.pick("text/vcard", "text/x-vcard")
		ps = g.vcfPieces(lang.names[0], sentences)
	}
	p, _ := b.textPart(ctype, ps, lang, name, false)
	b.label(rs, nest(where, name), p.desc)
	p.desc = "attachment " + p.desc
	return p
}

// pdfAttachment writes the units' sentences into a PDF's text layer (core
// font, Flate-compressed content), wrapped by width as a word processor
// would, so a number may be cut across two lines.
func (b *builder) pdfAttachment(units []*unit, lang language, where string) part {
	g := b.g
	if lang.name == "ja" {
		lang = languages[0] // a core font writes Windows-1252 only
	}
	name := g.pick("statement", "Formular", "scan") + ".pdf"
	rs := b.renderAll(units, inPDF)
	var lines []string
	for _, l := range b.textLines(rs, lang) {
		lines = append(lines, textOf(l))
	}
	b.msg.texts = append(b.msg.texts, lines...)
	doc, shown := g.pdf(lines)
	for i := range rs {
		// Say so when the width cut a number across two lines.
		whole := false
		for _, l := range shown {
			if strings.Contains(l, textOf(rs[i].spelled.value)) {
				whole = true
			}
		}
		if !whole {
			rs[i].spelled.spelling += wrappedSuffix
		}
	}
	p := b.binaryPart(g.pick("application/pdf", "application/octet-stream"), name, doc)
	p.desc = "attachment pdf"
	b.label(rs, nest(where, name), "pdf text layer")
	return p
}
