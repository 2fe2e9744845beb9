// Package mailgen writes labelled test mail for the scanner: messages with
// fresh random SSNs, ITINs and card numbers planted in the spellings,
// charsets, transfer encodings and places members really use (subject,
// display names, bodies, text and Office attachments, archives, forwarded
// mail), each labelled with its type, last four digits and the location
// the scanner must report; and messages full of hard negatives (numbers
// that look sensitive but are not) that must raise nothing.
//
// A Generator is deterministic per seed, so a failing case is reproduced
// by its seed. It does not import the scanner: its rules for valid numbers
// are its own copy of the issue's, so a drift between the two shows up as
// a test failure rather than being agreed with silently.
//
// The numbers are random, so they are no one's on purpose, but they are
// valid: never print one. Labels hold them as Secret, which prints masked.
package mailgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Generator writes messages. It is not safe for concurrent use.
type Generator struct {
	r         *rand.Rand
	published bool
}

// New returns a Generator whose output depends only on seed.
func New(seed uint64) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, 0x6d61696c67656e))}
}

// NewPublished returns a Generator that plants only published test numbers
// (4111 1111 1111 1111, SSN 489-36-8350...) and no ITINs: its messages may
// be committed as fixtures. Hard negatives are drawn as usual.
func NewPublished(seed uint64) *Generator {
	g := New(seed)
	g.published = true
	return g
}

// Message is one generated RFC 5322 message and its labels.
type Message struct {
	Raw []byte // CRLF line ends
	// Shape says how the message is built (layout, charsets, transfer
	// encodings, spellings) and never holds a number: print it freely.
	Shape     string
	Planted   []Planted  // every number planted, at its location
	Negatives []Negative // every hard negative written
	// Keywords is true when the message names the SSN somewhere, so nine
	// bare digits in it could rightly be an SSN. Negative messages never do.
	Keywords bool
	texts    []string // every text written, before encoding (holds numbers)
}

// Positive returns a message with one to three fresh numbers, each with a
// distinct last four, and perhaps a few hard negatives beside them.
func (g *Generator) Positive() Message {
	b := &builder{g: g, keywords: true}
	var units []*unit
	seen := map[string]bool{}
	for n, tries := 1+g.r.IntN(3), 0; len(units) < n && tries < 100; tries++ {
		it := g.secret()
		key := string(it.typ) + it.digits[len(it.digits)-4:]
		if seen[key] {
			continue
		}
		seen[key] = true
		units = append(units, &unit{secret: it})
	}
	for i := g.r.IntN(3); i > 0; i-- {
		units = append(units, &unit{neg: &negItem{}})
	}
	return b.finish(units)
}

// Negative returns a message holding two to seven hard negatives and no
// sensitive number, and no SSN keyword anywhere.
func (g *Generator) Negative() Message {
	b := &builder{g: g}
	var units []*unit
	for i := 2 + g.r.IntN(6); i > 0; i-- {
		units = append(units, &unit{neg: &negItem{}})
	}
	return b.finish(units)
}

func (g *Generator) secret() *secretItem {
	switch v := g.r.IntN(20); {
	case v < 9:
		return &secretItem{typ: PAN, digits: g.Card()}
	case v < 17:
		return &secretItem{typ: SSN, digits: g.SSN()}
	case g.published:
		return &secretItem{typ: SSN, digits: g.SSN()}
	default:
		return &secretItem{typ: SSN, digits: g.ITIN(), itin: true}
	}
}

func (g *Generator) pick(ss ...string) string { return ss[g.r.IntN(len(ss))] }

func (g *Generator) sentence(ts ...[2]string) [2]string { return ts[g.r.IntN(len(ts))] }

func (g *Generator) shuffle(n int, swap func(i, j int)) { g.r.Shuffle(n, swap) }

// secretItem is a number to plant; unit is a secret or a hard negative
// waiting for its place.
type secretItem struct {
	typ    Type
	digits string
	itin   bool
}

type unit struct {
	secret *secretItem
	neg    *negItem
}

// negItem is drawn when first placed (its kind depends on the context) and
// then kept, so the two halves of a multipart/alternative say the same.
type negItem struct {
	kind  *negKind
	value string
	sent  [2]string
}

// rendered is a unit written for one context.
type rendered struct {
	u       *unit
	spelled spelled
}

func (r rendered) sentence() []piece {
	ps := []piece{{s: r.spelled.before}}
	ps = append(ps, r.spelled.value...)
	return append(ps, piece{s: r.spelled.exp + r.spelled.after})
}

// builder assembles one message and collects its labels.
type builder struct {
	g        *Generator
	keywords bool // SSN keywords may appear (a positive message)
	msg      Message
}

func (b *builder) finish(units []*unit) Message {
	raw, shape := b.message(units, "", 0)
	b.msg.Raw = raw
	b.msg.Shape = shape
	b.msg.Keywords = b.keywords
	return b.msg
}

// render writes u for context c.
func (b *builder) render(u *unit, c context) rendered {
	if u.secret != nil {
		return rendered{u: u, spelled: b.g.spell(u.secret, c)}
	}
	n := u.neg
	b.drawNegative(n, c)
	value := n.value
	if c&(inText|inHTML) == 0 {
		value = strings.ReplaceAll(value, "\n", " ")
	}
	return rendered{u: u, spelled: spelled{
		value:    []piece{{s: value, split: true}},
		before:   n.sent[0],
		after:    strings.ReplaceAll(n.sent[1], "\n", " "),
		note:     "ref",
		spelling: n.kind.kind,
	}}
}

// drawNegative draws n's kind, if not yet drawn, among the kinds that may
// appear in every context of c.
func (b *builder) drawNegative(n *negItem, c context) {
	if n.kind != nil {
		return
	}
	var ok []*negKind
	for i := range negKinds {
		k := &negKinds[i]
		if k.ctx&c == c && (!k.keyword || !b.keywords) {
			ok = append(ok, k)
		}
	}
	n.kind = ok[b.g.r.IntN(len(ok))]
	n.value, n.sent = n.kind.draw(b.g)
}

// label records where each rendered unit ended up.
func (b *builder) label(rs []rendered, where, carrier string) {
	for _, r := range rs {
		b.msg.texts = append(b.msg.texts, textOf(r.sentence()))
		if it := r.u.secret; it != nil {
			dup := false
			for i, p := range b.msg.Planted {
				if string(p.Number) == it.digits && p.Where == where {
					b.msg.Planted[i].Spelling += " / " + r.spelled.spelling
					b.msg.Planted[i].Carrier += " / " + carrier
					dup = true
				}
			}
			if !dup {
				b.msg.Planted = append(b.msg.Planted, Planted{
					Type: it.typ, Number: Secret(it.digits), Last4: it.digits[len(it.digits)-4:],
					Where: where, Spelling: r.spelled.spelling, Carrier: carrier,
				})
			}
			continue
		}
		dup := false
		for _, n := range b.msg.Negatives {
			if string(n.Value) == r.u.neg.value && n.Where == where {
				dup = true
			}
		}
		if !dup {
			b.msg.Negatives = append(b.msg.Negatives, Negative{
				Kind: r.u.neg.kind.kind, Value: Secret(r.u.neg.value), Where: where, Carrier: carrier,
			})
		}
	}
}

// location is where in a message a unit is put.
type location int

const (
	locSubject location = iota
	locFrom
	locTo
	locCc
	locBody
	locTxt
	locCSV
	locCSVGzip
	locDOCX
	locZipCSV
	locFwd
	locFilename
	locReplyTo
	locICS
	locVCF
	locXLSX
	locODT
	locPDF
)

var locWeights = []struct {
	loc    location
	weight int
}{
	{locSubject, 2}, {locFrom, 1}, {locTo, 1}, {locCc, 1}, {locBody, 8}, {locTxt, 2},
	{locCSV, 2}, {locCSVGzip, 1}, {locDOCX, 2}, {locZipCSV, 2}, {locFwd, 2}, {locFilename, 1},
	{locReplyTo, 1}, {locICS, 1}, {locVCF, 1}, {locXLSX, 2}, {locODT, 1}, {locPDF, 2},
}

// place chooses a location for u. Headers hold one unit each; archives
// are not put inside forwarded mail (their entries would be located
// under the forwarded message's name, a detail no contract fixes).
func (b *builder) place(u *unit, taken map[location]bool, depth int, nested bool) location {
	total := 0
	for _, w := range locWeights {
		total += w.weight
	}
	v := b.g.r.IntN(total)
	loc := locBody
	for _, w := range locWeights {
		if v < w.weight {
			loc = w.loc
			break
		}
		v -= w.weight
	}
	switch loc {
	case locSubject, locFrom, locTo, locCc, locReplyTo:
		if taken[loc] {
			return locBody
		}
		taken[loc] = true
	case locFwd:
		if depth >= 2 {
			return locBody
		}
	case locCSVGzip, locZipCSV:
		if nested {
			return locCSV
		}
	case locFilename:
		if u.secret == nil {
			return locTxt
		}
	}
	return loc
}

// message writes one message holding units. where is "" at the top level;
// inside a forwarded message it is that attachment's location, which is
// where everything in it is found.
func (b *builder) message(units []*unit, where string, depth int) ([]byte, string) {
	g := b.g
	lang := languages[g.r.IntN(len(languages))]
	at := map[location][]*unit{}
	taken := map[location]bool{}
	for _, u := range units {
		loc := b.place(u, taken, depth, where != "")
		at[loc] = append(at[loc], u)
	}
	locOr := func(s string) string {
		if where != "" {
			return where
		}
		return s
	}
	var shape []string
	name := lang.names[g.r.IntN(len(lang.names))]
	addr := addresses[g.r.IntN(len(addresses))]
	date := g.date()

	var hdr []string
	hdr = append(hdr,
		"Return-Path: <"+addr+">",
		fmt.Sprintf("Received: from mail.example.org (mail.example.org [192.0.2.%d])\r\n\tby mx.support.localhost with ESMTPS id %s;\r\n\t%s", 1+g.r.IntN(254), g.tokenID(), date))
	from, d := b.displayName(at[locFrom], name, addr, lang, locOr("header:from"))
	hdr = append(hdr, "From: "+from)
	shape = appendShape(shape, "from", d)
	to, d := b.displayName(at[locTo], "Support", "help@support.localhost", lang, locOr("header:to"))
	hdr = append(hdr, "To: "+to)
	shape = appendShape(shape, "to", d)
	if len(at[locCc]) > 0 || g.r.IntN(4) == 0 {
		cc, d := b.displayName(at[locCc], lang.names[g.r.IntN(len(lang.names))], addresses[g.r.IntN(len(addresses))], lang, locOr("header:cc"))
		hdr = append(hdr, "Cc: "+cc)
		shape = appendShape(shape, "cc", d)
	}
	if len(at[locReplyTo]) > 0 {
		rt, d := b.displayName(at[locReplyTo], name, addr, lang, locOr("header:reply-to"))
		hdr = append(hdr, "Reply-To: "+rt)
		shape = appendShape(shape, "reply-to", d)
	}
	subj, d := b.subject(at[locSubject], lang, locOr("subject"))
	hdr = append(hdr, "Subject: "+subj)
	shape = appendShape(shape, "subject", d)
	hdr = append(hdr,
		"Date: "+date,
		fmt.Sprintf("Message-ID: <%s.%s@example.org>", g.stamp(), g.messageIDDigits()),
		"MIME-Version: 1.0")

	// The body, then the attachments in a fixed order.
	body := b.body(at[locBody], lang, locOr("body"))
	var atts []part
	for _, loc := range []location{locTxt, locCSV, locCSVGzip, locDOCX, locZipCSV, locXLSX, locODT, locPDF, locICS, locVCF, locFilename, locFwd} {
		us := at[loc]
		if len(us) == 0 {
			continue
		}
		switch loc {
		case locTxt:
			atts = append(atts, b.txtAttachment(us, lang, where))
		case locCSV:
			atts = append(atts, b.csvAttachment(us, lang, where))
		case locCSVGzip:
			atts = append(atts, b.gzipAttachment(us, lang))
		case locDOCX:
			atts = append(atts, b.docxAttachment(us, lang, where))
		case locZipCSV:
			atts = append(atts, b.zipAttachment(us, lang))
		case locXLSX:
			atts = append(atts, b.xlsxAttachment(us, lang, where))
		case locODT:
			atts = append(atts, b.odtAttachment(us, lang, where))
		case locPDF:
			atts = append(atts, b.pdfAttachment(us, lang, where))
		case locICS, locVCF:
			atts = append(atts, b.calendarAttachment(loc == locICS, us, lang, where))
		case locFilename:
			for _, u := range us {
				atts = append(atts, b.filenameAttachment(u, lang, where))
			}
		case locFwd:
			atts = append(atts, b.fwdAttachment(us, where, depth))
		}
	}
	top := body
	if len(atts) > 0 {
		top = g.multipart("mixed", append([]part{body}, atts...))
	}
	shape = append(shape, top.desc)
	var raw strings.Builder
	for _, h := range append(hdr, top.header...) {
		raw.WriteString(h)
		raw.WriteString("\r\n")
	}
	raw.WriteString("\r\n")
	raw.Write(top.body)
	return []byte(raw.String()), strings.Join(shape, "; ")
}

func appendShape(shape []string, what, d string) []string {
	if d == "" {
		return shape
	}
	return append(shape, what+"="+d)
}

func (g *Generator) date() string {
	days := []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	return fmt.Sprintf("%s, %02d %s %d %02d:%02d:%02d %s", g.pick(days...), 1+g.r.IntN(28), g.pick(months...),
		2024+g.r.IntN(3), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60), g.pick("-0700", "+0000", "+0100", "+0900"))
}

// stamp is a 14-digit YYYYMMDDhhmmss as mailers put in Message-IDs.
func (g *Generator) stamp() string {
	return fmt.Sprintf("%04d%02d%02d%02d%02d%02d", 2024+g.r.IntN(3), 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
}

// tokenID is a queue id or boundary token. It holds no digits: a run of
// them next to an SSN keyword would be a finding in the raw file, and the
// samples' own check reads the raw file.
func (g *Generator) tokenID() string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := make([]byte, 10)
	for i := range b {
		b[i] = letters[g.r.IntN(len(letters))]
	}
	return string(b)
}

// messageIDDigits is the long number mailers put in a Message-ID (the
// scanner must never read that header). It is kept Luhn-invalid, so no
// committed sample holds a card-like number even where nobody looks.
func (g *Generator) messageIDDigits() string {
	d := digitString(g, 16)
	if Luhn(d) {
		d = d[:15] + string(rune('0'+(int(d[15]-'0')+1)%10))
	}
	return d
}
