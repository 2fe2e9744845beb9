package mailgen

import (
	"fmt"
	"strings"
)

// piece is a stretch of a part's text before it is encoded.
type piece struct {
	s      string
	markup bool // HTML source, written as is; only ever placed in HTML
	split  bool // a number: soft line breaks and encoded-word joints go inside it
}

// context is the kind of text a number is written into; each spelling says
// where it can appear.
type context uint8

const (
	inLine   context = 1 << iota // subject, display name, file name: one line, no markup
	inText                       // text/plain body or .txt file: line breaks and quotes
	inHTML                       // text/html: markup
	inCSV                        // a CSV field: one line, no comma, no quote
	inDOCX                       // a Word paragraph
	inPDF                        // a PDF line in a core font: Windows-1252 only
	anywhere = inLine | inText | inHTML | inCSV | inDOCX | inPDF
)

// spelled is a number written one way, with the sentence it sits in.
type spelled struct {
	value    []piece
	before   string // sentence text before the number
	exp      string // an expiry and CVV right after the number, or ""
	after    string // sentence text after it
	note     string // what a CSV row or display name says beside it
	quoted   bool   // the sentence is a "> " quoted line
	spelling string
	masked   string // the value as the scanner masks it in a file name
}

type spelling struct {
	name    string
	ctx     context
	keyword bool // nine bare digits: the sentence must name the SSN
	// ownKeyword: the spelling names the SSN itself, in a script written
	// without spaces; the sentence around it does not.
	ownKeyword bool
	quoted     bool
	render     func(g *Generator, d string) []piece
}

// expSuffix marks a spelling followed by an expiry and CVV; wrappedSuffix
// one that a PDF's line width cut across two lines.
const (
	expSuffix     = "+exp-cvv"
	wrappedSuffix = "+wrapped"
)

// withoutExp drops the expiry and CVV, for places that hold only the
// number (a display name, a file name).
func (s spelled) withoutExp() spelled {
	s.exp = ""
	s.spelling = strings.TrimSuffix(s.spelling, expSuffix)
	return s
}

func numberPiece(s string) []piece { return []piece{{s: s, split: true}} }

// groups cuts d as printed on its card.
func groups(d string) []string {
	var out []string
	for _, n := range grouping(len(d)) {
		out = append(out, d[:n])
		d = d[n:]
	}
	return out
}

func joined(sep string) func(*Generator, string) []piece {
	return func(_ *Generator, d string) []piece { return numberPiece(strings.Join(groups(d), sep)) }
}

func ssnJoined(sep string) func(*Generator, string) []piece {
	return func(_ *Generator, d string) []piece { return numberPiece(d[:3] + sep + d[3:5] + sep + d[5:]) }
}

func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r += '０' - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

var cardSpellings = []spelling{
	{name: "card-unbroken", ctx: anywhere, render: func(_ *Generator, d string) []piece { return numberPiece(d) }},
	{name: "card-spaced", ctx: anywhere, render: joined(" ")},
	{name: "card-dashed", ctx: anywhere, render: joined("-")},
	{name: "card-nbsp", ctx: anywhere, render: joined("\u00a0")},
	{name: "card-endash", ctx: anywhere, render: joined("\u2013")},
	{name: "card-wrapped", ctx: inText, render: func(g *Generator, d string) []piece {
		gs := groups(d)
		k := 1 + g.r.IntN(len(gs)-1)
		brk := g.pick("\n", " \n") // a hard wrap, or format=flowed's soft one
		return numberPiece(strings.Join(gs[:k], " ") + brk + strings.Join(gs[k:], " "))
	}},
	{name: "card-quoted-wrapped", ctx: inText, quoted: true, render: func(g *Generator, d string) []piece {
		gs := groups(d)
		k := 1 + g.r.IntN(len(gs)-1)
		return numberPiece(strings.Join(gs[:k], " ") + "\n> " + strings.Join(gs[k:], " "))
	}},
	{name: "card-fullwidth", ctx: anywhere &^ inPDF, render: func(g *Generator, d string) []piece {
		return numberPiece(fullWidth(strings.Join(groups(d), g.pick("", " ", "\u3000", "\uff0d"))))
	}},
	{name: "card-tabbed", ctx: inText | inHTML, render: joined("\t")},
	{name: "card-format-chars", ctx: anywhere &^ inPDF, render: withFormatChars(" ", "-", "")},
	{name: "card-glued-cjk", ctx: anywhere &^ inPDF, render: gluedCJK},
	{name: "card-word-hyphen", ctx: anywhere, render: wordHyphen},
	// The markup spellings come last: spell gives them their share in HTML.
	{name: "card-html-split", ctx: inHTML, render: htmlSplit},
	{name: "card-html-entities", ctx: inHTML, render: htmlEntities},
}

var ssnSpellings = []spelling{
	{name: "ssn-dashed", ctx: anywhere, render: ssnJoined("-")},
	{name: "ssn-spaced", ctx: anywhere, render: ssnJoined(" ")},
	{name: "ssn-dotted", ctx: anywhere, render: ssnJoined(".")},
	{name: "ssn-endash", ctx: anywhere, render: ssnJoined("\u2013")},
	{name: "ssn-spaced-dash", ctx: anywhere, render: ssnJoined(" - ")},
	{name: "ssn-bare", ctx: anywhere, keyword: true, render: func(_ *Generator, d string) []piece { return numberPiece(d) }},
	{name: "ssn-quoted", ctx: inText, quoted: true, render: ssnJoined("-")},
	{name: "ssn-wrapped", ctx: inText, render: func(g *Generator, d string) []piece {
		// Wrapped at a space or after a hyphen, as a word processor or a
		// mail client filling lines does.
		return numberPiece(g.pick(
			d[:3]+" "+d[3:5]+"\n"+d[5:],
			d[:3]+"\n"+d[3:5]+" "+d[5:],
			d[:3]+"-"+d[3:5]+"-\n"+d[5:],
			d[:3]+"-\n"+d[3:5]+"-"+d[5:],
		))
	}},
	{name: "ssn-fullwidth", ctx: anywhere &^ inPDF, render: func(g *Generator, d string) []piece {
		sep := g.pick("-", "\uff0d")
		return numberPiece(fullWidth(d[:3] + sep + d[3:5] + sep + d[5:]))
	}},
	{name: "ssn-tabbed", ctx: inText | inHTML, keyword: true, render: ssnJoined("\t")},
	{name: "ssn-format-chars", ctx: anywhere &^ inPDF, render: withFormatChars("-", " ", "\u2013")},
	{name: "ssn-glued-cjk", ctx: anywhere &^ inPDF, render: gluedCJK},
	{name: "ssn-bare-cjk-keyword", ctx: anywhere &^ inPDF, ownKeyword: true, render: gluedCJKKeyword},
	{name: "ssn-mixed-separators", ctx: anywhere, keyword: true, render: func(g *Generator, d string) []piece {
		a, b := g.pick(" ", "-", " - "), " "
		if a == " " {
			b = g.pick("-", " - ", "\u2013")
		}
		return numberPiece(d[:3] + a + d[3:5] + b + d[5:])
	}},
	{name: "ssn-html-split", ctx: inHTML, render: htmlSplit},
}

// formatChars are invisible between two digits (Unicode category Cf):
// joiners, direction marks and embeddings, soft hyphens, BOMs, invisible
// operators. Mail clients and copy-paste from web pages and PDFs leave
// them inside numbers.
var formatChars = []string{
	"\u200b", "\u200c", "\u200d", "\u2060", "\u200e", "\u200f", "\ufeff", "\u00ad", "\u180e",
	"\u2061", "\u2062", "\u2063", "\u2064", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
	"\u2066", "\u2067", "\u2068", "\u2069", "\u061c",
}

// withFormatChars writes the number with one of seps between its groups
// (cards in their printed grouping, SSNs 3-2-4) and format characters
// dropped in at random places, between digits and around separators.
func withFormatChars(seps ...string) func(*Generator, string) []piece {
	return func(g *Generator, d string) []piece {
		sep := seps[g.r.IntN(len(seps))]
		var gs []string
		if len(d) == 9 {
			gs = []string{d[:3], d[3:5], d[5:]}
		} else {
			gs = groups(d)
		}
		plain := strings.Join(gs, sep)
		rs := []rune(plain)
		must := 1 + g.r.IntN(len(rs)-1) // at least one
		var b strings.Builder
		for i, r := range rs {
			if i == must || (i > 0 && g.r.IntN(4) == 0) {
				b.WriteString(g.pick(formatChars...))
			}
			b.WriteRune(r)
		}
		return numberPiece(b.String())
	}
}

// cjkGlue is text in scripts written without spaces that a number is glued
// to, before and after; none of it names the SSN.
var cjkGlue = [][2]string{
	{"番号は", "です"},
	{"番号：", "。"},
	{"我的号码是", "谢谢"},
	{"號碼是", "，謝謝"},
	{"หมายเลขของฉันคือ", "ครับ"},
	{"เลขที่", "ค่ะ"},
	{"번호는", "입니다"},
	{"カードー", "ーです"},
}

// gluedCJK writes the number with no space between it and the words
// around it, in ASCII or full-width digits.
func gluedCJK(g *Generator, d string) []piece {
	var v string
	if len(d) == 9 {
		v = d[:3] + "-" + d[3:5] + "-" + d[5:]
	} else {
		v = g.pick(d, strings.Join(groups(d), " "))
	}
	if g.r.IntN(2) == 0 {
		v = fullWidth(v)
	}
	glue := cjkGlue[g.r.IntN(len(cjkGlue))]
	return []piece{{s: glue[0]}, {s: v, split: true}, {s: glue[1]}}
}

// cjkSSNKeywords name the SSN in Japanese, Chinese, Korean and Thai.
var cjkSSNKeywords = []string{"社会保障番号は", "社会安全号码", "社會安全號碼：", "사회보장번호", "หมายเลขประกันสังคม"}

// gluedCJKKeyword writes nine bare digits glued to an SSN keyword in a
// script written without spaces.
func gluedCJKKeyword(g *Generator, d string) []piece {
	if g.r.IntN(3) == 0 {
		d = fullWidth(d)
	}
	return []piece{{s: g.pick(cjkSSNKeywords...)}, {s: d, split: true}, {s: g.pick("です", "。", "", "입니다", "ครับ")}}
}

// wordHyphen writes a card after a word and a hyphen, as in a file name or
// a message id: "card-4929…", "visa-4929-7375-1087-1095".
func wordHyphen(g *Generator, d string) []piece {
	word := g.pick("card", "visa", "cc", "Card", "VISA", "mastercard", "amex", "karte", "carte")
	v := g.pick(d, strings.Join(groups(d), "-"), strings.Join(groups(d), " "))
	return []piece{{s: word + "-"}, {s: v, split: true}}
}

// htmlSplit writes a number with inline tags inside it, as a mail client
// does when the member made part of it bold: "4111<b>1111</b>...".
func htmlSplit(g *Generator, d string) []piece {
	var parts []string
	if len(d) == 9 {
		parts = []string{d[:3], "-", d[3:5], "-", d[5:]}
	} else {
		sep := g.pick("", " ", "&nbsp;")
		for i, s := range groups(d) {
			if i > 0 && sep != "" {
				parts = append(parts, sep)
			}
			parts = append(parts, s)
		}
	}
	tags := []string{"b", "i", "span", "strong", "em", "u", "font"}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 || g.r.IntN(3) == 0 {
			tag := tags[g.r.IntN(len(tags))]
			attr := ""
			if tag == "span" {
				attr = ` style="color:#c00"`
			}
			fmt.Fprintf(&b, "<%s%s>%s</%s>", tag, attr, p, tag)
			continue
		}
		b.WriteString(p)
	}
	return []piece{{s: b.String(), markup: true, split: true}}
}

// htmlEntities writes some digits as character references and the gaps as
// &nbsp;: the tokenizer must decode both before detection.
func htmlEntities(g *Generator, d string) []piece {
	var b strings.Builder
	for i, s := range groups(d) {
		if i > 0 {
			b.WriteString(g.pick("&nbsp;", "&#160;", "&#xA0;"))
		}
		for _, c := range s {
			switch g.r.IntN(3) {
			case 0:
				fmt.Fprintf(&b, "&#%d;", c)
			case 1:
				fmt.Fprintf(&b, "&#x%X;", c)
			default:
				b.WriteRune(c)
			}
		}
	}
	return []piece{{s: b.String(), markup: true, split: true}}
}

// Sentences around a number. Those marked keyword name the SSN, as nine
// bare digits need; the others do not, so a formatted SSN is found on its
// shape alone.
var (
	cardSentences = [][2]string{
		{"My card number is ", "."},
		{"Card: ", ""},
		{"Please charge ", " for the renewal."},
		{"You can use my Visa ", " for this."},
		{"The new card is ", ", the old one was lost."},
		{"Meine Kreditkarte: ", ", bitte belasten."},
		{"Voici ma carte ", " merci."},
		{"カード番号は ", " です。"},
	}
	ssnKeywordSentences = [][2]string{
		{"My SSN is ", "."},
		{"SSN: ", ""},
		{"Social Security number ", ", as requested."},
		{"my soc sec no is ", " if you need it"},
		{"Tax ID ", " for the form."},
		{"SS# ", ""},
		{"Here is my social security number: ", " thanks"},
	}
	itinKeywordSentences = [][2]string{
		{"My ITIN is ", "."},
		{"ITIN: ", ""},
		{"Taxpayer number ", " for the filing."},
	}
	plainNumberSentences = [][2]string{
		{"Here is the number you asked for: ", "."},
		{"Number: ", ""},
		{"It is ", ", thanks."},
		{"For the form: ", " (mine)."},
	}
)

// spell writes the secret item it in context c.
func (g *Generator) spell(it *secretItem, c context) spelled {
	set := cardSpellings
	if it.typ == SSN {
		set = ssnSpellings
	}
	var ok []spelling
	for _, s := range set {
		if s.ctx&c != 0 {
			ok = append(ok, s)
		}
	}
	sp := ok[g.r.IntN(len(ok))]
	if c == inHTML && g.r.IntN(5) < 2 {
		// The markup spellings are what HTML adds; give them their share.
		sp = ok[len(ok)-1]
		if it.typ == PAN && g.r.IntN(2) == 0 {
			sp = ok[len(ok)-2]
		}
	}
	out := spelled{value: sp.render(g, it.digits), quoted: sp.quoted, spelling: sp.name}
	var sent [2]string
	switch {
	case it.typ == PAN:
		sent = cardSentences[g.r.IntN(len(cardSentences))]
		out.note = "card on file"
		if g.r.IntN(4) == 0 {
			// A card followed by its expiry and CVV: "4… 12/27 123".
			out.exp = fmt.Sprintf(" %02d/%02d %s", 1+g.r.IntN(12), 26+g.r.IntN(8), digitString(g, 3))
			if g.r.IntN(2) == 0 {
				out.exp = fmt.Sprintf(" exp %02d/%02d cvv %s", 1+g.r.IntN(12), 26+g.r.IntN(8), digitString(g, 3))
			}
			out.spelling += expSuffix
		}
	case it.itin:
		sent = itinKeywordSentences[g.r.IntN(len(itinKeywordSentences))]
		out.note = "ITIN"
		if sp.keyword {
			out.spelling += "+keyword"
		}
	case sp.ownKeyword:
		sent = plainNumberSentences[g.r.IntN(len(plainNumberSentences))]
		out.note = "see notes"
		out.spelling += "+keyword"
	case sp.keyword || g.r.IntN(2) == 0:
		sent = ssnKeywordSentences[g.r.IntN(len(ssnKeywordSentences))]
		out.note = "SSN"
		if sp.keyword {
			out.spelling += "+keyword"
		}
	default:
		sent = plainNumberSentences[g.r.IntN(len(plainNumberSentences))]
		out.note = "see notes"
	}
	out.before, out.after = sent[0], sent[1]
	out.masked = maskedForName(it, out.value)
	return out
}

// maskedForName is the number as the scanner masks it inside a file name:
// an SSN becomes "***-**-6789"; a card keeps its separators and shows its
// last four digits. Text glued around the number stays.
func maskedForName(it *secretItem, value []piece) string {
	var b strings.Builder
	for _, p := range value {
		switch {
		case !p.split:
			b.WriteString(p.s)
		case it.typ == SSN:
			b.WriteString(maskSSN(p.s, it.digits[5:]))
		default:
			b.WriteString(maskDigits(p.s))
		}
	}
	return b.String()
}

// maskSSN replaces the digits of s and everything between them with
// "***-**-" and the last four.
func maskSSN(s, last4 string) string {
	first, end := -1, 0
	for i, r := range s {
		if _, ok := digitValue(r); ok {
			if first < 0 {
				first = i
			}
			end = i + len(string(r))
		}
	}
	if first < 0 {
		return s
	}
	return s[:first] + "***-**-" + last4 + s[end:]
}

func textOf(ps []piece) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.s)
	}
	return b.String()
}

func digitString(g *Generator, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

// Spelled writes one fresh number in the named spelling (see Spellings),
// in a sentence of its own; ok is false for an unknown spelling. The
// sentence is plain text: markup spellings are not offered.
func (g *Generator) Spelled(name string) (p Planted, sentence Secret, ok bool) {
	for _, set := range [][]spelling{cardSpellings, ssnSpellings} {
		for _, sp := range set {
			if sp.name != name || sp.ctx&(inText|inLine) == 0 {
				continue
			}
			it := &secretItem{typ: PAN, digits: g.Card()}
			if set[0].name == ssnSpellings[0].name {
				it = &secretItem{typ: SSN, digits: g.SSN()}
			}
			value := textOf(sp.render(g, it.digits))
			before := "Here it is: "
			if sp.keyword {
				before = "My SSN is "
			}
			if sp.quoted {
				before = "> " + before
			}
			return Planted{Type: it.typ, Number: Secret(it.digits), Last4: it.digits[len(it.digits)-4:], Where: "text", Spelling: name},
				Secret(before + value + " thanks"), true
		}
	}
	return Planted{}, "", false
}

// Spellings lists the spellings Spelled writes.
func Spellings() []string {
	var out []string
	for _, set := range [][]spelling{cardSpellings, ssnSpellings} {
		for _, sp := range set {
			if sp.ctx&(inText|inLine) != 0 {
				out = append(out, sp.name)
			}
		}
	}
	return out
}
