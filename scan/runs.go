package scan

import (
	"unicode"
	"unicode/utf8"
)

// A run is a maximal sequence of digit groups joined by short separators:
// "4111 1111 1111 1111", "489-36-8350", "0.53091360". The detectors only
// ever test whole groups of a run, never arbitrary sub-windows of digits, so
// a card number cannot be "found" inside a 22-digit confirmation number.

// gapKind is what joins two digit groups.
type gapKind uint8

const (
	gapSpace      gapKind = iota + 1 // one space, no-break space (also &nbsp;), thin space...
	gapDash                          // '-' or a Unicode dash or minus
	gapDot                           // '.' (SSNs only; for cards it means a decimal)
	gapSpacedDash                    // " - ", as some people type an SSN
	gapStar                          // one to five '*' ("line noise" between groups)
	gapBreak                         // a line break, with indentation and "> " quote prefixes
	gapTab                           // one to four tabs: cells of a pasted spreadsheet row (tabs.go)
	maxGapBytes   = 24               // longest separator we follow
	maxStars      = 5
	maxTabs       = 4
	maxCellDigits = 6    // a tab joins only cells this short: a card's or an SSN's groups
	maxRunGroups  = 4096 // beyond this a run is data, not a number; it is cut
)

// Invisible characters (format characters, QP soft breaks) are not
// separators at all: a person sees the digits on both sides side by side,
// so they join the digits into one group, and they are passed over around
// a visible separator. See skipInvisible.

// group is one maximal sequence of digits.
type group struct {
	start, end int // byte offsets in the text
	d0, n      int // its digits are run.digits[d0 : d0+n], ASCII
}

// run holds one run; its slices are reused from run to run.
type run struct {
	groups []group
	gaps   []gapKind // gaps[i] joins groups[i] and groups[i+1]
	digits []byte
	// ssnShaped is set when some group has 3 or 9 digits: without one, no
	// SSN can be in the run.
	ssnShaped bool
	// hasTab is set when some gap is a tab: the run is then read cell by
	// cell (tabs.go).
	hasTab bool
}

func (r *run) reset() {
	r.groups = r.groups[:0]
	r.gaps = r.gaps[:0]
	r.digits = r.digits[:0]
	r.ssnShaped = false
	r.hasTab = false
}

func (r *run) start() int { return r.groups[0].start }
func (r *run) end() int   { return r.groups[len(r.groups)-1].end }

// cells returns groups [a, b) of r as a run of their own, sharing r's
// buffers (group digit offsets stay valid).
func (r *run) cells(a, b int) run {
	sub := run{groups: r.groups[a:b], gaps: r.gaps[a : b-1], digits: r.digits}
	for _, g := range sub.groups {
		sub.ssnShaped = sub.ssnShaped || g.n == 3 || g.n == 9
	}
	return sub
}

// ndigits is how many digits groups [a, b) hold.
func (r *run) ndigits(a, b int) int {
	return r.groups[b-1].d0 + r.groups[b-1].n - r.groups[a].d0
}

// parseRun reads the run whose first digit is at i and returns the offset
// just past it.
func (r *run) parse(text []byte, i int) int {
	r.reset()
	for {
		g := group{start: i, d0: len(r.digits)}
		for i < len(text) {
			j := i
			for j < len(text) && text[j]-'0' < 10 {
				j++
			}
			if j > i { // ASCII digits, the common case, copied at once
				r.digits = append(r.digits, text[i:j]...)
				i = j
				continue
			}
			if text[i] < 0x80 && text[i] != '=' && text[i] != 0 {
				break
			}
			v, size, ok := digitAt(text, i)
			if !ok {
				if j := skipInvisible(text, i); j > i && startsDigit(text, j) {
					i = j // the digits touch: same group
					continue
				}
				break
			}
			r.digits = append(r.digits, byte('0'+v))
			i += size
		}
		g.end, g.n = i, len(r.digits)-g.d0
		if k := len(r.gaps); k > 0 && r.gaps[k-1] == gapTab && g.n > maxCellDigits {
			// A long number in the next cell is a value of its own, as
			// is any run of unbroken ids in an export: it starts a run.
			r.digits = r.digits[:g.d0]
			r.gaps = r.gaps[:k-1]
			return g.start
		}
		r.ssnShaped = r.ssnShaped || g.n == 3 || g.n == 9
		r.groups = append(r.groups, g)
		if len(r.groups) >= maxRunGroups {
			return i
		}
		kind, size := gapAt(text, i)
		if kind == 0 || (kind == gapTab && g.n > maxCellDigits) {
			return i
		}
		if i+size >= len(text) {
			return i
		}
		if _, _, ok := digitAt(text, i+size); !ok {
			return i
		}
		r.gaps = append(r.gaps, kind)
		r.hasTab = r.hasTab || kind == gapTab
		i += size
	}
}

// gapAt recognises the separator starting at i, if a digit could follow
// it, with any invisible characters around it.
func gapAt(text []byte, i int) (gapKind, int) {
	j := i
	if maybeInvisible(text, j) {
		j = skipInvisible(text, j)
	}
	kind, size := visibleGap(text, j)
	if kind == 0 {
		return 0, 0
	}
	e := j + size
	if maybeInvisible(text, e) {
		e = skipInvisible(text, e)
	}
	return kind, e - i
}

// maybeInvisible is the cheap test before skipInvisible: the byte at i may
// start an invisible character.
func maybeInvisible(text []byte, i int) bool {
	return i < len(text) && (text[i] >= 0x80 || text[i] == '=' || text[i] == 0)
}

// startsDigit reports whether a digit of any script starts at i.
func startsDigit(text []byte, i int) bool {
	if i >= len(text) {
		return false
	}
	_, _, ok := digitAt(text, i)
	return ok
}

// skipInvisible returns the offset past the invisible characters at i:
// format characters (Unicode category Cf: zero-width spaces and joiners,
// LRM/RLM, bidi embeddings and isolates, soft hyphens, BOMs, invisible
// operators...), variation selectors and the combining keycap, and
// quoted-printable soft line breaks left in text that was never decoded,
// and NULs.
func skipInvisible(text []byte, i int) int {
	for i < len(text) {
		c := text[i]
		if c == '=' {
			switch {
			case i+1 < len(text) && text[i+1] == '\n':
				i += 2
			case i+2 < len(text) && text[i+1] == '\r' && text[i+2] == '\n':
				i += 3
			default:
				return i
			}
			continue
		}
		if c == 0 {
			// A NUL (QP =00, UTF-16 U+0000 between groups) is drawn as
			// nothing by most viewers: the digits around it join.
			i++
			continue
		}
		if c < 0x80 {
			return i
		}
		r, size := utf8.DecodeRune(text[i:])
		if !invisible(r) {
			return i
		}
		i += size
	}
	return i
}

// invisible reports whether r is drawn as nothing between two digits.
func invisible(r rune) bool {
	if r < 0xAD {
		return false
	}
	switch {
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	case r == 0x034F, r == 0x20E3: // combining grapheme joiner, keycap
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// visibleGap recognises the separator starting at i, if a digit could
// follow it.
func visibleGap(text []byte, i int) (gapKind, int) {
	if i >= len(text) {
		return 0, 0
	}
	switch c := text[i]; c {
	case ' ':
		if k, n := spacedDash(text, i); k != 0 {
			return k, n
		}
		if i+1 < len(text) && text[i+1] == '\t' {
			return tabGap(text, i)
		}
		if i+1 < len(text) && (text[i+1] == '\n' || text[i+1] == '\r' || text[i+1] == ' ') {
			if k, n := lineBreak(text, i); k != 0 {
				return k, n
			}
			// Two or three spaces: a sloppy or justified typist.
			n := 1
			for i+n < len(text) && text[i+n] == ' ' && n < 3 {
				n++
			}
			return gapSpace, n
		}
		return gapSpace, 1
	case '-':
		// A hyphen at the end of a line: the number goes on below.
		if i+1 < len(text) && (text[i+1] == '\n' || text[i+1] == '\r' || text[i+1] == ' ') {
			if k, n := lineBreak(text, i+1); k != 0 {
				return gapDash, n + 1
			}
		}
		return gapDash, 1
	case '.':
		return gapDot, 1
	case '*':
		n := 1
		for i+n < len(text) && text[i+n] == '*' {
			n++
		}
		if n > maxStars {
			return 0, 0
		}
		return gapStar, n
	case '\r', '\n':
		return lineBreak(text, i)
	case '\t':
		return tabGap(text, i)
	case '&':
		return entityGap(text, i)
	}
	if text[i] < 0x80 {
		return 0, 0
	}
	r := runeAt(text, i)
	size := len(string(r))
	switch {
	case r == 0xA0 || r == 0x2007 || r == 0x202F || (r >= 0x2000 && r <= 0x200A) || r == 0x3000 || r == 0x205F || r == 0x1680:
		return gapSpace, size
	case r == 0x2028 || r == 0x2029 || r == 0x85: // line and paragraph separators, NEL
		return gapBreak, size
	case (r >= 0x2010 && r <= 0x2015) || r == 0x2212 || r == 0xFE58 || r == 0xFE63 || r == 0xFF0D:
		return gapDash, size
	case r == 0xFF0E:
		return gapDot, size
	}
	return 0, 0
}

// tabGap matches tabs, with spaces around them, between two cells of a
// row: one tab, or a few when cells are empty. Blanks that end the line
// end the row too.
func tabGap(text []byte, i int) (gapKind, int) {
	j, tabs := i, 0
	for j < len(text) && j-i < maxGapBytes && (text[j] == '\t' || text[j] == ' ') {
		if text[j] == '\t' {
			tabs++
		}
		j++
	}
	if tabs == 0 || tabs > maxTabs || (j < len(text) && (text[j] == '\n' || text[j] == '\r')) {
		return 0, 0
	}
	return gapTab, j - i
}

// spacedDash matches " - " with any dash, and " -" at the end of a line.
func spacedDash(text []byte, i int) (gapKind, int) {
	j := i + 1
	if j >= len(text) {
		return 0, 0
	}
	if text[j] == '-' {
		j++
	} else if r := runeAt(text, j); (r >= 0x2010 && r <= 0x2015) || r == 0x2212 {
		j += len(string(r))
	} else {
		return 0, 0
	}
	if _, n := lineBreak(text, j); n > 0 {
		return gapSpacedDash, j + n - i // wrapped after the dash: "311 - 70 -\n4671"
	}
	if j < len(text) && text[j] == ' ' {
		return gapSpacedDash, j + 1 - i
	}
	return 0, 0
}

// lineBreak matches trailing blanks, one line break, indentation and any
// number of "> " quote prefixes: a mail client wrapped or quoted the number.
func lineBreak(text []byte, i int) (gapKind, int) {
	j := i
	for j < len(text) && text[j] == ' ' && j-i < maxGapBytes {
		j++
	}
	switch {
	case j < len(text) && text[j] == '\n':
		j++
	case j+1 < len(text) && text[j] == '\r' && text[j+1] == '\n':
		j += 2
	default:
		return 0, 0
	}
	for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '>') && j-i < maxGapBytes {
		j++
	}
	return gapBreak, j - i
}

// entityGap matches an HTML no-break space entity left in plain text.
func entityGap(text []byte, i int) (gapKind, int) {
	for _, e := range [...]string{"&nbsp;", "&#160;", "&#xa0;"} {
		if i+len(e) <= len(text) && equalFoldASCII(text[i:i+len(e)], e) {
			return gapSpace, len(e)
		}
	}
	return 0, 0
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}
