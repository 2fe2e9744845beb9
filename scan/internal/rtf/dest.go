package rtf

// unknownDestination is a \*\word this reader does not know. Readers are
// to skip it; its text is kept in Other all the same, unless its parent
// is not read either (a style or a list inside a table we drop).
func (p *parser) unknownDestination() {
	g := p.cur()
	if g.target == toNone || g.target == toPict {
		g.target = toNone
		return
	}
	g.target = toOther
	g.dest = dOther
	g.close = closeSep
	p.sep(toOther)
}

// destination acts on a destination word that opens its group: where the
// group's text goes, and what ends with it.
func (p *parser) destination(d destKind) {
	g := p.cur()
	g.dest = d
	switch d {
	case dNone:
		g.target = toNone
	case dFontTable:
		g.target = toNone
		g.fontTable = true
	case dOther:
		g.target = toOther
		g.close = closeSep
		p.sep(toOther)
	case dInfo:
		g.target = toInfo
		g.close = closeSep
		p.sep(toInfo)
	case dPict:
		if p.pict != nil {
			// A picture inside a picture's properties: not read.
			p.problem(ReasonUnsupported, "picture nested in a picture")
			g.target = toNone
			return
		}
		p.startPicture(g.fallback)
		g.target = toPict
		g.close = closePict
	case dObject:
		p.objects++
		p.problem(ReasonUnsupported, "embedded OLE object")
		g.saved = g.target
		g.target = toNone
	case dResult, dUd:
		g.target = g.saved
	case dUpr:
		g.saved = g.target
		g.target = toNone
	case dFldinst:
		g.target = toOther
		g.close = closeFldinst
		p.sep(toOther)
		g.otherAt = len(p.other)
	case dShppict:
		// Pictures within are primary; the group has no text.
	case dNonshppict, dShprslt:
		depth := len(p.stack) - 1
		prev := dShppict
		if d == dShprslt {
			prev = dShpinst
		}
		if p.lastCloseAt == depth && p.lastClose == prev && p.lastClosePics {
			g.fallback = true
		}
		g.target = toOther
		g.close = closeSep
		p.sep(toOther)
	case dShpinst:
		g.target = toNone
	}
}
