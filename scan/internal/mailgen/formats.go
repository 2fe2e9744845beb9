package mailgen

import (
	"fmt"
	"strings"

	"github.com/intake-mail/intake/scan/internal/rtf"
	"github.com/intake-mail/intake/scan/internal/tnef"
)

// What Outlook, Word and Asian-language mobile clients send (issue 13,
// "Tests and proof"): a number in a winmail.dat (its plain body, its RTF
// body, a file inside it), in Word-style RTF, cut by a format=flowed
// DelSp soft break between two digits glued to CJK text; and SSNs written
// with a space and a dash, with an SSN word (found) and without (a hard
// negative). Each message holds one planted number, or only hard
// negatives, labelled at the location the scanner must report.

// FormatKinds are the kinds FormatMessage writes; NegativeFormatKinds
// write hard negatives only.
func FormatKinds() []string {
	return []string{"tnef-body", "tnef-rtf-body", "tnef-attachment", "word-rtf", "flowed-delsp-cjk", "ssn-mixed-keyword"}
}

func NegativeFormatKinds() []string {
	return []string{"ssn-mixed-no-keyword", "tnef-negatives", "word-rtf-negatives"}
}

// plainSpellings are the spellings a number takes in these carriers: the
// ones a person types in a body, no markup, no line breaks.
var plainSpellings = []string{"card-unbroken", "card-spaced", "card-dashed", "card-nbsp", "ssn-dashed", "ssn-spaced", "ssn-bare", "ssn-mixed-separators"}

// FormatMessage returns a message of the given kind (see FormatKinds and
// NegativeFormatKinds).
func (g *Generator) FormatMessage(kind string) Message {
	b := &builder{g: g, keywords: true}
	hello := g.pick("Hello,", "Hi,", "Dear support,")
	var top part
	switch kind {
	case "tnef-body", "tnef-rtf-body", "tnef-attachment", "tnef-negatives":
		top = b.tnefMessage(kind, hello)
	case "word-rtf", "word-rtf-negatives":
		p, sentence := b.plant(kind == "word-rtf-negatives")
		name := g.pick(docStems...) + ".rtf"
		if p == nil {
			sentence = b.negative("phone-date-mixed", "attachment:"+name) + " " + b.negative("ssn-mixed-no-keyword", "attachment:"+name)
		}
		doc := g.wordDoc(hello, sentence)
		b.planted(p, "attachment:"+name, "Word RTF")
		att := b.binaryPart(g.pick("application/rtf", "text/rtf", "application/msword", "application/octet-stream"), name, doc)
		top = g.multipart("mixed", []part{b.plainBody(hello + "\r\n\r\nplease see the letter attached.\r\n"), att})
	case "flowed-delsp-cjk":
		top = b.flowedCJK()
	case "ssn-mixed-keyword":
		p, sentence, _ := g.Spelled("ssn-mixed-separators")
		b.planted(&p, "body", "text/plain")
		top = b.plainBody(hello + "\r\n\r\n" + string(sentence) + "\r\n")
	case "ssn-mixed-no-keyword":
		b.keywords = false
		top = b.plainBody(hello + "\r\n\r\n" + b.negative("ssn-mixed-no-keyword", "body") + "\r\n" + b.negative("phone-date-mixed", "body") + "\r\n")
	default:
		panic("mailgen: unknown format kind " + kind)
	}
	b.msg.Raw = g.wrap(top, g.pick("My account", "Question", "Re: your request"))
	b.msg.Shape = kind + "; " + top.desc
	b.msg.Keywords = b.keywords
	return b.msg
}

// plant draws a fresh number in a plain spelling and its sentence, or,
// for a negative kind, a hard negative's sentence.
func (b *builder) plant(negative bool) (*Planted, string) {
	if negative {
		b.keywords = false
		return nil, ""
	}
	p, sentence, _ := b.g.Spelled(b.g.pick(plainSpellings...))
	return &p, string(sentence)
}

// planted labels p at where (nothing for nil).
func (b *builder) planted(p *Planted, where, carrier string) {
	if p == nil {
		return
	}
	b.msg.Planted = append(b.msg.Planted, Planted{Type: p.Type, Number: p.Number, Last4: p.Last4, Where: where, Spelling: p.Spelling, Carrier: carrier})
	b.msg.texts = append(b.msg.texts, string(p.Number))
}

// negative draws a hard negative of kind in its sentence, labelled at where.
func (b *builder) negative(kind, where string) string {
	v, s, _ := b.g.HardNegative(kind)
	b.msg.Negatives = append(b.msg.Negatives, Negative{Kind: kind, Value: v, Where: where})
	return string(s)
}

// wordDoc writes hello and sentence as Word does: the sentence cut into
// run groups (and its digits spelled \'xx or \uN) at random.
func (g *Generator) wordDoc(hello, sentence string) []byte {
	span := rtf.Span{Text: sentence, Split: g.r.IntN(8), Digits: rtf.Escape(g.r.IntN(3)), Hidden: g.r.IntN(8) == 0}
	return rtf.WordDoc{
		Title:      g.pick("Letter", "Antrag", ""),
		Author:     g.pick("Member", "J. Doe"),
		Paragraphs: []rtf.Para{{{Text: hello}}, {span}, {{Text: g.pick("Regards", "Thank you")}}},
	}.Bytes()
}

// tnefMessage writes a message whose body and files Outlook put in a
// winmail.dat, the number where kind says.
func (b *builder) tnefMessage(kind, hello string) part {
	g := b.g
	const loc = "attachment:winmail.dat"
	p, sentence := b.plant(kind == "tnef-negatives")
	m := tnef.BuildMessage{Subject: g.pick("My account", "Question"), Body: hello + "\r\n\r\nplease see the file attached.\r\n"}
	var atts []tnef.BuildAttachment
	notes := tnef.BuildAttachment{Name: g.pick(fileStems...) + ".txt", MediaType: "text/plain", Data: []byte("Meeting notes: nothing to add.\r\n")}
	switch kind {
	case "tnef-body":
		m.Body = hello + "\r\n\r\n" + sentence + "\r\n"
		b.planted(p, loc, "TNEF plain body")
	case "tnef-rtf-body":
		// Outlook's RTF body; the plain one beside it says nothing.
		m.RTF, m.RTFStored = g.wordDoc(hello, sentence), g.r.IntN(4) == 0
		b.planted(p, loc, "TNEF RTF body")
	case "tnef-attachment":
		name := "details.txt"
		notes.Name = "notes.txt"
		atts = append(atts, tnef.BuildAttachment{Name: name, MediaType: "text/plain", Data: []byte(hello + "\r\n" + sentence + "\r\n")})
		b.planted(p, loc+"/"+name, "file in TNEF")
	case "tnef-negatives":
		m.Body = hello + "\r\n\r\n" + b.negative("phone-date-mixed", loc) + "\r\n"
		m.RTF = g.wordDoc(hello, b.negative("ssn-mixed-no-keyword", loc))
		notes.Data = []byte(b.negative("ssn-mixed-no-keyword", loc+"/"+notes.Name) + "\r\n")
	}
	m.Attachments = append(atts, notes)
	m.CodePage = 1252
	att := b.binaryPart("application/ms-tnef", "winmail.dat", tnef.Build(m))
	att.desc = "winmail.dat"
	return g.multipart("mixed", []part{b.plainBody(hello + "\r\n"), att})
}

// flowedCJK writes a Japanese or Chinese body, format=flowed with
// DelSp=yes, in which the number is glued to the text and a soft line
// break falls between two of its digits, as mobile clients wrap a line
// with no spaces.
func (b *builder) flowedCJK() part {
	g := b.g
	p, _, _ := g.Spelled(g.pick("card-unbroken", "ssn-dashed"))
	digits := string(p.Number)
	v := digits
	glue := [2]string{g.pick("カード番号は", "卡号是", "クレジットカード"), g.pick("です。", "。谢谢", "でお願いします。")}
	if p.Type == SSN {
		v = digits[:3] + "-" + digits[3:5] + "-" + digits[5:]
		glue[0] = g.pick("社会保障番号SSNは", "SSN号码是")
	}
	// A break between two digits, never next to a dash.
	var at int
	for {
		at = 1 + g.r.IntN(len(v)-1)
		if v[at-1] != '-' && v[at] != '-' {
			break
		}
	}
	if g.r.IntN(2) == 0 {
		v = fullWidth(v[:at]) + "\x00" + fullWidth(v[at:])
	} else {
		v = v[:at] + "\x00" + v[at:]
	}
	line := glue[0] + v + glue[1]
	// DelSp=yes: the space before the CRLF is not the text's.
	line = strings.Replace(line, "\x00", " \r\n", 1)
	body := g.pick("お世話になっております。", "您好，") + "\r\n" + line + "\r\n"
	b.planted(&p, "body", "text/plain format=flowed delsp=yes")
	cte, enc := "8bit", []byte(body)
	if g.r.IntN(2) == 0 {
		cte, enc = "base64", base64Lines([]byte(body))
	}
	return part{
		header: []string{"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes", "Content-Transfer-Encoding: " + cte},
		body:   enc,
		desc:   "text/plain utf-8 flowed delsp " + cte,
	}
}

// plainBody is a short ASCII text/plain body.
func (b *builder) plainBody(text string) part {
	return part{
		header: []string{"Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"},
		body:   []byte(text),
		desc:   "text/plain",
	}
}

// wrap puts the message header on top.
func (g *Generator) wrap(top part, subject string) []byte {
	var raw strings.Builder
	for _, h := range []string{
		"From: Member <" + addresses[g.r.IntN(len(addresses))] + ">",
		"To: Support <help@support.localhost>",
		"Subject: " + subject,
		"Date: " + g.date(),
		fmt.Sprintf("Message-ID: <%s.%s@example.org>", g.stamp(), g.messageIDDigits()),
		"MIME-Version: 1.0",
	} {
		raw.WriteString(h + "\r\n")
	}
	for _, h := range top.header {
		raw.WriteString(h + "\r\n")
	}
	raw.WriteString("\r\n")
	raw.Write(top.body)
	return []byte(raw.String())
}
