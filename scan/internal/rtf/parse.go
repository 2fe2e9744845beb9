package rtf

import (
	"fmt"
)

// target is where the text of a group goes.
type target uint8

const (
	toBody target = iota
	toInfo
	toOther
	toNone
	toPict // hex digits of a picture
)

// Modes of \loch, \hich and \dbch: which of a run's fonts, and so which
// code page, the next bytes are in.
const (
	modeLoch = iota
	modeHich
	modeDbch
)

// closeAction is what ends with a group.
type closeAction uint8

const (
	closeNone    closeAction = iota
	closeSep                 // end the piece of Info or Other with a line break
	closePict                // the picture is complete
	closeFldinst             // read the field instruction for a link
)

// group is the state a group opens with and drops when it closes.
type group struct {
	target    target
	saved     target // \object's and \upr's parent target, for \result and \ud
	font      int    // \f; -1 for the document's default
	modeFont  [3]int // fonts given for \loch, \hich, \dbch text; -1 unset
	mode      uint8
	uc        int
	fallback  bool // pictures here are renderings for older readers
	fresh     bool // nothing read yet: a destination word may come
	starred   bool // \* seen while fresh
	fontTable bool
	close     closeAction
	dest      destKind
	otherAt   int // len(Other) when a field instruction began
	picsAt    int // pictures finished when the group opened
}

// parser reads one document.
type parser struct {
	data []byte
	pos  int
	lim  Limits

	stack []group

	body, info, other []byte
	links             []string
	images            []Image
	imageBytes        int64
	objects           int
	problems          []Problem
	reported          map[Problem]bool

	controls int
	tokens   int
	stop     bool

	docCP   int
	deff    int
	fonts   map[int]int // font number → code page, 0 for the document's
	defFont int         // the font \fonttbl is describing

	dec       decoder
	decTarget target
	skip      int  // \uc fallback characters still to drop
	high      rune // a high surrogate waiting for its low half

	pict         *pictState
	picturesDone int
	// The group that closed last, if nothing has been read since: a
	// \nonshppict or \shprslt right after a \shppict or \shpinst that
	// gave a picture is that picture's fallback.
	lastClose     destKind
	lastClosePics bool
	lastCloseAt   int // depth it closed at; -1 once anything else is read
}

// pictState is the picture being read.
type pictState struct {
	format        string
	data          []byte
	nibble        int // -1 when no half byte is held
	width, height int
	fallback      bool
	dropped       bool // over the budget: not kept
}

// fontsMax bounds the font table; fonts past it read in the document's
// code page (ASCII digits are the same in all).
const fontsMax = 4096

func newParser(data []byte, lim Limits) *parser {
	p := &parser{
		data:        data,
		lim:         lim,
		docCP:       1252,
		deff:        -1,
		fonts:       map[int]int{},
		reported:    map[Problem]bool{},
		lastCloseAt: -1,
	}
	p.stack = append(make([]group, 0, 16), group{
		target: toBody, font: -1, modeFont: [3]int{-1, -1, -1}, uc: 1, fresh: false,
	})
	return p
}

func (p *parser) cur() *group { return &p.stack[len(p.stack)-1] }

func (p *parser) problem(reason, detail string) {
	pr := Problem{Reason: reason, Detail: detail}
	if p.reported[pr] || len(p.problems) >= 64 {
		return
	}
	p.reported[pr] = true
	p.problems = append(p.problems, pr)
}

// halt stops the read for good, with the reason.
func (p *parser) halt(reason, detail string) {
	p.problem(reason, detail)
	p.stop = true
}

func (p *parser) run() error {
	for p.pos < len(p.data) && !p.stop {
		p.tokens++
		if p.tokens&0xfff == 0 && p.lim.Check != nil {
			if err := p.lim.Check(); err != nil {
				return err
			}
		}
		c := p.data[p.pos]
		p.pos++
		switch c {
		case '{':
			p.openGroup()
		case '}':
			p.closeGroup()
		case '\\':
			p.control()
		case '\r', '\n':
			// Line breaks in the file are not text.
		default:
			p.notFresh()
			if c == '\t' {
				if p.skip > 0 {
					p.skip--
					continue
				}
				p.flushText()
				p.emit("\t")
				continue
			}
			if c < 0x20 {
				continue
			}
			p.textByte(c)
		}
	}
	if p.stop {
		return nil
	}
	p.flushText()
	if p.pict != nil {
		p.finishPicture()
	}
	if depth := len(p.stack) - 1; depth > 0 {
		p.problem(ReasonTruncated, fmt.Sprintf("%d groups left open at the end", depth))
	}
	return nil
}

// notFresh marks that the group has read something: a destination word
// now is formatting, not a destination.
func (p *parser) notFresh() {
	g := p.cur()
	g.fresh = false
	g.starred = false
	p.lastCloseAt = -1
}

func (p *parser) openGroup() {
	p.flushText()
	p.endSkip()
	if len(p.stack) > p.lim.MaxDepth {
		p.halt(ReasonTooDeep, fmt.Sprintf("groups nested deeper than %d", p.lim.MaxDepth))
		return
	}
	parent := p.cur()
	parent.fresh = false
	parent.starred = false
	g := *parent
	g.fresh = true
	g.starred = false
	g.fontTable = parent.fontTable
	g.close = closeNone
	g.dest = destKind(255)
	g.picsAt = p.picturesDone
	p.stack = append(p.stack, g)
}

func (p *parser) closeGroup() {
	p.flushText()
	p.endSkip()
	if len(p.stack) == 1 {
		// A brace closing more than was opened: Word ignores it; so do
		// we, and read on (text after the end is still in the file).
		p.lastCloseAt = -1
		return
	}
	g := p.cur()
	switch g.close {
	case closeSep:
		p.sep(g.target)
	case closePict:
		p.finishPicture()
	case closeFldinst:
		p.fieldLink(g.otherAt)
		p.sep(toOther)
	}
	depth := len(p.stack) - 1
	p.lastClose = g.dest
	p.lastClosePics = p.picturesDone > g.picsAt
	p.stack = p.stack[:depth]
	p.lastCloseAt = depth
}

// control reads what follows a backslash.
func (p *parser) control() {
	if p.pos >= len(p.data) {
		return
	}
	c := p.data[p.pos]
	if !isLetter(c) {
		p.pos++
		p.symbol(c)
		return
	}
	start := p.pos
	for p.pos < len(p.data) && isLetter(p.data[p.pos]) {
		p.pos++
	}
	name := p.data[start:p.pos]
	if len(name) > 32 {
		name = name[:32]
	}
	param, hasParam := p.readParam()
	if p.pos < len(p.data) && p.data[p.pos] == ' ' {
		p.pos++
	}
	p.controls++
	if p.controls > p.lim.MaxControls {
		p.halt(ReasonTooLarge, fmt.Sprintf("more than %d control words", p.lim.MaxControls))
		return
	}
	p.word(name, param, hasParam)
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// readParam reads a control word's numeric parameter, clamped to 32 bits
// (Word writes revision ids up to that); the extra digits of a longer one
// are read and dropped.
func (p *parser) readParam() (int, bool) {
	neg := false
	if p.pos+1 < len(p.data) && p.data[p.pos] == '-' && isDigit(p.data[p.pos+1]) {
		neg = true
		p.pos++
	}
	if p.pos >= len(p.data) || !isDigit(p.data[p.pos]) {
		return 0, false
	}
	var v int64
	for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
		if v < 1<<32 {
			v = v*10 + int64(p.data[p.pos]-'0')
		}
		p.pos++
	}
	v = min(v, 1<<31-1)
	if neg {
		v = -v
	}
	return int(v), true
}

// symbol is a control symbol: a backslash and one non-letter.
func (p *parser) symbol(c byte) {
	switch c {
	case '*':
		g := p.cur()
		if g.fresh {
			g.starred = true
		}
		return
	case '\'':
		p.notFresh()
		if p.pos+1 < len(p.data) {
			hi, ok1 := unhex(p.data[p.pos])
			lo, ok2 := unhex(p.data[p.pos+1])
			if ok1 && ok2 {
				p.pos += 2
				p.textByte(hi<<4 | lo)
				return
			}
		}
		// Not two hex digits: what follows is read as text.
		return
	}
	p.notFresh()
	p.controls++
	if p.skip > 0 {
		p.skip--
		return
	}
	switch c {
	case '\\', '{', '}':
		p.textByte(c)
	case '~':
		p.flushText()
		p.emit(" ")
	case '_':
		p.flushText()
		p.emit("-")
	case '\r', '\n':
		p.flushText()
		p.emit("\n")
	case '\t':
		p.flushText()
		p.emit("\t")
	}
	// \- (optional hyphen), \| and \: (formula and index marks) show
	// nothing; nor do unknown symbols.
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// word acts on one control word.
func (p *parser) word(name []byte, param int, hasParam bool) {
	g := p.cur()
	w := words[string(name)]
	if g.fresh && (w.kind == wDest || g.starred) {
		g.fresh = false
		if w.kind == wDest {
			p.destination(w.dest)
		} else {
			p.unknownDestination()
		}
		p.lastCloseAt = -1
		return
	}
	p.notFresh()
	if w.kind == wU {
		// Never taken as another \uN's fallback: writers that give a
		// surrogate pair as two \uN with one fallback after both exist,
		// and dropping a character a person sees could drop a digit.
		p.unicode(param)
		return
	}
	if p.skip > 0 {
		// Control words count as one fallback character each.
		p.skip--
		if w.kind != wBin {
			return
		}
	}
	if w.kind != wIgnore {
		p.flushText()
	}
	switch w.kind {
	case wText, wPar:
		p.emit(w.text)
	case wUC:
		if hasParam && param >= 0 {
			g.uc = min(param, 16)
		}
	case wBin:
		p.bin(param, hasParam)
	case wF:
		if g.fontTable {
			p.defFont = param
			if _, ok := p.fonts[param]; !ok && len(p.fonts) < fontsMax {
				p.fonts[param] = 0
			}
			return
		}
		g.font = param
		g.modeFont[g.mode] = param
	case wAF:
		if g.mode != modeLoch {
			g.modeFont[g.mode] = param
		}
	case wFcharset:
		if g.fontTable {
			if _, ok := p.fonts[p.defFont]; ok {
				p.fonts[p.defFont] = charsetCodePage(param)
			}
		}
	case wCpg:
		if g.fontTable && param > 0 {
			if _, ok := p.fonts[p.defFont]; ok {
				p.fonts[p.defFont] = param
			}
		}
	case wAnsicpg:
		if param > 0 {
			p.docCP = param
		}
	case wCharsetAnsi:
		p.docCP = 1252
	case wCharsetMac:
		p.docCP = 10000
	case wCharsetPC:
		p.docCP = 437
	case wCharsetPCA:
		p.docCP = 850
	case wDeff:
		p.deff = param
	case wPlain:
		g.font = -1
		g.modeFont = [3]int{-1, -1, -1}
		g.mode = modeLoch
	case wLoch:
		g.mode = modeLoch
	case wHich:
		g.mode = modeHich
	case wDbch:
		g.mode = modeDbch
	case wPictFormat:
		if p.pict != nil && g.target == toPict {
			p.pict.format = w.format
		}
	case wPicw:
		if p.pict != nil && g.target == toPict {
			p.pict.width = param
		}
	case wPich:
		if p.pict != nil && g.target == toPict {
			p.pict.height = param
		}
	}
}

func (p *parser) result() *Result {
	return &Result{
		Text:     string(p.body),
		Info:     string(p.info),
		Other:    string(p.other),
		Links:    p.links,
		Images:   p.images,
		Objects:  p.objects,
		Problems: p.problems,
	}
}
