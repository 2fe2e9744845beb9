package rtf

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// unicode is \uN: one UTF-16 unit, then the fallback to skip.
func (p *parser) unicode(n int) {
	p.flushDecoder() // but not a high surrogate: this may be its low half
	g := p.cur()
	u := rune(uint16(int16(n)))
	if n > 0xffff || n < -0x8000 {
		u = utf8.RuneError
	}
	skip := g.uc
	switch {
	case utf16.IsSurrogate(u) && u < 0xdc00:
		if p.high != 0 {
			p.emitRune(utf8.RuneError)
		}
		p.high = u
	case utf16.IsSurrogate(u):
		r := utf8.RuneError
		if p.high != 0 {
			r = utf16.DecodeRune(p.high, u)
		}
		p.high = 0
		p.emitRune(r)
	default:
		p.emitRune(u)
	}
	p.skip = skip
}

// endSkip: a brace ends the fallback of a \uN.
func (p *parser) endSkip() {
	p.skip = 0
}

// bin is \binN: N raw bytes, a picture's data or skipped.
func (p *parser) bin(n int, hasParam bool) {
	if !hasParam || n < 0 {
		p.problem(ReasonParseError, `\bin without a length`)
		return
	}
	if n > len(p.data)-p.pos {
		p.halt(ReasonTruncated, `\bin data runs past the end`)
		return
	}
	raw := p.data[p.pos : p.pos+n]
	p.pos += n
	if p.pict != nil && p.cur().target == toPict {
		for _, b := range raw {
			p.pictAppend(b)
		}
	}
}

// textByte is one byte of text, literal or \'xx, in the current code page.
func (p *parser) textByte(c byte) {
	p.notFresh()
	if p.skip > 0 {
		p.skip--
		return
	}
	g := p.cur()
	switch g.target {
	case toPict:
		p.pictHex(c)
		return
	case toNone:
		return
	}
	if p.high != 0 {
		p.high = 0
		p.emitRune(utf8.RuneError)
	}
	if c < 0x80 && len(p.dec.held) == 0 {
		p.emitByte(g.target, c)
		return
	}
	page := p.page(g)
	if len(p.dec.held) > 0 && p.decTarget != g.target {
		p.flushText()
	}
	p.decTarget = g.target
	p.appendTo(g.target, func(out []byte) []byte { return p.dec.byte(page, c, out) })
}

// page is the code page of the group's current font.
func (p *parser) page(g *group) *codePage {
	font := g.modeFont[g.mode]
	if font < 0 {
		font = g.font
	}
	if font < 0 {
		font = p.deff
	}
	cp := p.docCP
	if f, ok := p.fonts[font]; ok && f != 0 {
		cp = f
	}
	cpg, ok := lookupCodePage(cp)
	if !ok {
		if cp < 0 {
			p.problem(ReasonUnknownCharset, fmt.Sprintf("font character set %d", -cp-1))
		} else {
			p.problem(ReasonUnknownCharset, fmt.Sprintf("code page %d", cp))
		}
		cpg = pages[1252]
	}
	return cpg
}

// flushText ends a half-read character before anything else is read.
func (p *parser) flushText() {
	p.flushDecoder()
	if p.high != 0 {
		p.high = 0
		p.emitRune(utf8.RuneError)
	}
}

func (p *parser) flushDecoder() {
	if len(p.dec.held) > 0 {
		p.appendTo(p.decTarget, p.dec.flush)
	}
}

// emit puts fixed text out to the current group's target.
func (p *parser) emit(s string) {
	t := p.cur().target
	if t == toPict || t == toNone {
		return
	}
	p.appendTo(t, func(out []byte) []byte { return append(out, s...) })
}

func (p *parser) emitRune(r rune) {
	t := p.cur().target
	if t == toPict || t == toNone {
		return
	}
	if r >= 0xf020 && r <= 0xf07e {
		// A symbol font's character (Word writes the Symbol font's
		// digits at U+F030..U+F039): it shows as the ASCII one.
		r -= 0xf000
	}
	p.appendTo(t, func(out []byte) []byte { return utf8.AppendRune(out, r) })
}

func (p *parser) emitByte(t target, c byte) {
	if p.stop {
		return
	}
	b := p.buf(t)
	*b = append(*b, c)
	if len(p.body)+len(p.info)+len(p.other) > p.lim.MaxText {
		p.halt(ReasonTooLarge, fmt.Sprintf("more than %d bytes of text", p.lim.MaxText))
	}
}

func (p *parser) buf(t target) *[]byte {
	switch t {
	case toInfo:
		return &p.info
	case toOther:
		return &p.other
	}
	return &p.body
}

// appendTo adds text to a target within the text budget.
func (p *parser) appendTo(t target, add func([]byte) []byte) {
	if p.stop || t == toPict || t == toNone {
		return
	}
	b := p.buf(t)
	*b = add(*b)
	if len(p.body)+len(p.info)+len(p.other) > p.lim.MaxText {
		p.halt(ReasonTooLarge, fmt.Sprintf("more than %d bytes of text", p.lim.MaxText))
	}
}

// sep ends the current piece of a target with a line break, so that
// pieces never run into one another.
func (p *parser) sep(t target) {
	if t != toInfo && t != toOther {
		return
	}
	b := p.buf(t)
	if n := len(*b); n > 0 && (*b)[n-1] != '\n' {
		p.appendTo(t, func(out []byte) []byte { return append(out, '\n') })
	}
}
