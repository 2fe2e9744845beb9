package pdf

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// This file turns the bytes a content stream shows into text (ISO 32000
// 9.10): a font's ToUnicode CMap first, else its encoding. Glyphs no map
// explains are counted, so a page drawn in fonts we cannot read is reported
// unscannable rather than passed as clean.

// Bounds on one ToUnicode CMap: real ones map a few thousand codes.
const (
	maxCMapEntries = 1 << 17
	maxCMapDst     = 32 // runes one code may stand for (ligatures are 2-3)
	maxCMapBytes   = 4 << 20
	// codespace ranges are tried for every glyph; fonts declare a handful
	maxCodespaceRanges = 64
)

type pdfFont struct {
	cmap    *pdfCMap
	simple  *[256]rune // one-byte fonts: code to rune; 0 means unknown
	utf16   bool       // a predefined UCS-2/UTF-16 CMap: codes are Unicode
	twoByte bool       // composite font without codespace ranges

	// Advance widths in text space units per unit of font size (9.2.4):
	// /Widths of a simple font, /W of a composite one, else the standard
	// 14 metrics, else dw.
	widths []float64 // by code from first
	first  uint32
	cidW   map[uint32]float64
	cidR   []cidWidthRange
	std    *[95]uint16 // by character, for ASCII
	dw     float64
}

type cidWidthRange struct {
	lo, hi uint32
	w      float64
}

// Bounds on the width tables of one font.
const (
	maxFontWidths = 1 << 16
	maxCIDRanges  = 4096
)

type pdfCMap struct {
	space  [5][]cmapSpan // codespace ranges by byte length 1-4
	single map[uint64][]rune
	ranges []cmapRange
}

type cmapSpan struct{ lo, hi []byte }

type cmapRange struct {
	lo, hi uint32
	dst    []uint16 // start value: the last unit counts up
	arr    [][]rune // or one destination per code
}

// font returns the font a Tf names, from the resources in force.
func (w *pdfWalker) font(res pdfDict, name pdfName) *pdfFont {
	d := w.doc
	entry := d.dict(res["Font"])[name]
	ref, isRef := entry.(pdfRef)
	if isRef {
		if f, ok := w.fonts[ref]; ok {
			return f
		}
	}
	f := w.buildFont(d.dict(entry))
	if isRef {
		w.fonts[ref] = f
	}
	return f
}

func (w *pdfWalker) buildFont(fd pdfDict) *pdfFont {
	d := w.doc
	f := &pdfFont{}
	if fd == nil {
		f.simple = latin1Table()
		f.std, f.dw = &stdHelvetica, 0.556
		return f
	}
	if s := d.stream(fd["ToUnicode"]); s != nil {
		if data, err := d.decodeMax(s, maxCMapBytes); err == nil {
			f.cmap = parseCMap(data)
		}
	}
	if d.name(fd["Subtype"]) == "Type0" {
		enc := string(d.name(fd["Encoding"]))
		if strings.Contains(enc, "UCS2") || strings.Contains(enc, "UTF16") {
			f.utf16 = true
		}
		f.twoByte = true
		w.cidWidths(f, d.dict(d.array(fd["DescendantFonts"]).first()))
		return f
	}
	f.simple = w.simpleEncoding(fd)
	w.simpleWidths(f, fd)
	return f
}

func (a pdfArray) first() pdfObj {
	if len(a) == 0 {
		return nil
	}
	return a[0]
}

// simpleWidths reads /FirstChar and /Widths (9.6.2), scaled by the
// /FontMatrix of a Type 3 font (9.6.4).
func (w *pdfWalker) simpleWidths(f *pdfFont, fd pdfDict) {
	d := w.doc
	scale := 0.001
	if d.name(fd["Subtype"]) == "Type3" {
		if m := d.array(fd["FontMatrix"]); len(m) >= 1 {
			scale = math.Abs(num(d.resolve(m[0])))
		}
	}
	f.std, f.dw = stdWidths(string(d.name(fd["BaseFont"])))
	if f.dw == 0 {
		f.dw = 0.5 // an estimate: most glyphs of most fonts are near it
	}
	if desc := d.dict(fd["FontDescriptor"]); desc != nil {
		if mw := num(d.resolve(desc["MissingWidth"])); mw > 0 {
			f.dw = mw * scale
		}
	}
	ws := d.array(fd["Widths"])
	if len(ws) == 0 {
		return
	}
	fc := num(d.resolve(fd["FirstChar"]))
	if fc < 0 || fc > 0xffff {
		return
	}
	f.first = uint32(fc)
	f.widths = make([]float64, min(len(ws), 256))
	for i := range f.widths {
		f.widths[i] = num(d.resolve(ws[i])) * scale
	}
}

// cidWidths reads /DW and /W of a CIDFont (9.7.4.3).
func (w *pdfWalker) cidWidths(f *pdfFont, cf pdfDict) {
	d := w.doc
	f.dw = 1
	if v, ok := d.resolve(cf["DW"]).(pdfInt); ok {
		f.dw = float64(v) / 1000
	}
	ws := d.array(cf["W"])
	f.cidW = map[uint32]float64{}
	for i := 0; i < len(ws); {
		c0 := num(d.resolve(ws[i]))
		if c0 < 0 || c0 > math.MaxUint32 || i+1 >= len(ws) {
			return
		}
		switch next := d.resolve(ws[i+1]).(type) {
		case pdfArray:
			for k, x := range next {
				if len(f.cidW) >= maxFontWidths {
					return
				}
				f.cidW[uint32(c0)+uint32(k)] = num(d.resolve(x)) / 1000
			}
			i += 2
		default:
			if i+2 >= len(ws) || len(f.cidR) >= maxCIDRanges {
				return
			}
			c1 := num(next)
			if c1 >= c0 && c1 <= math.MaxUint32 {
				f.cidR = append(f.cidR, cidWidthRange{uint32(c0), uint32(c1), num(d.resolve(ws[i+2])) / 1000})
			}
			i += 3
		}
	}
}

// width is the advance of one glyph in text space per unit font size.
func (f *pdfFont) width(code uint32, r rune) float64 {
	if f.cidW != nil {
		if v, ok := f.cidW[code]; ok {
			return v
		}
		for _, rg := range f.cidR {
			if code >= rg.lo && code <= rg.hi {
				return rg.w
			}
		}
		return f.dw
	}
	if i := code - f.first; code >= f.first && i < uint32(len(f.widths)) {
		return f.widths[i]
	}
	if f.std != nil && r >= 32 && r < 127 {
		return float64(f.std[r-32]) / 1000
	}
	return f.dw
}

// simpleEncoding builds the code-to-rune table of a one-byte font from its
// base encoding and /Differences (9.6.6).
func (w *pdfWalker) simpleEncoding(fd pdfDict) *[256]rune {
	d := w.doc
	base := pdfName("")
	var diffs pdfArray
	switch e := d.resolve(fd["Encoding"]).(type) {
	case pdfName:
		base = e
	case pdfDict:
		base = d.name(e["BaseEncoding"])
		diffs = d.array(e["Differences"])
	}
	var t *[256]rune
	switch base {
	case "WinAnsiEncoding":
		t = charmapTable(charmap.Windows1252)
	case "MacRomanEncoding":
		t = charmapTable(charmap.Macintosh)
	default:
		t = latin1Table()
	}
	code := -1
	for _, x := range diffs {
		switch v := d.resolve(x).(type) {
		case pdfInt:
			code = int(v)
		case float64:
			code = int(v)
		case pdfName:
			if code >= 0 && code < 256 {
				t[code] = glyphRune(string(v)) // 0 when the name says nothing
			}
			code++
		}
	}
	return t
}

// latin1Table maps the printable Latin-1 codes; control codes map to 0
// (unknown), so the bytes of an unreadable font never reach the text raw.
func latin1Table() *[256]rune {
	var t [256]rune
	for i := range t {
		if i >= 0x20 && i < 0x7f || i >= 0xa0 {
			t[i] = rune(i)
		}
	}
	return &t
}

func charmapTable(cm *charmap.Charmap) *[256]rune {
	var t [256]rune
	for i := range t {
		t[i] = cm.DecodeByte(byte(i))
	}
	return &t
}

// glyphNames are the Adobe Glyph List names that matter for numbers and
// the words around them; letters are their own one-letter names.
var glyphNames = map[string]rune{
	"zero": '0', "one": '1', "two": '2', "three": '3', "four": '4',
	"five": '5', "six": '6', "seven": '7', "eight": '8', "nine": '9',
	"space": ' ', "nbspace": '\u00a0', "nonbreakingspace": '\u00a0',
	"hyphen": '-', "minus": '-', "endash": '–', "emdash": '—', "figuredash": '‒', "sfthyphen": '-',
	"period": '.', "comma": ',', "colon": ':', "semicolon": ';', "slash": '/',
	"numbersign": '#', "parenleft": '(', "parenright": ')', "plus": '+',
	"asterisk": '*', "at": '@', "underscore": '_', "exclam": '!', "question": '?',
	"quotesingle": '\'', "quotedbl": '"', "quoteright": '’', "quoteleft": '‘',
	"quotedblleft": '“', "quotedblright": '”', "ampersand": '&', "percent": '%',
	"dollar": '$', "equal": '=', "less": '<', "greater": '>', "bar": '|',
	"bracketleft": '[', "bracketright": ']', "braceleft": '{', "braceright": '}',
	"backslash": '\\', "asciitilde": '~', "asciicircum": '^', "grave": '`', "bullet": '•',
}

// glyphRune maps a glyph name to its character, or 0.
func glyphRune(name string) rune {
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i] // "one.tf", "zero.lf": styled digits are digits
	}
	if len(name) == 1 {
		return rune(name[0])
	}
	if r, ok := glyphNames[name]; ok {
		return r
	}
	hexRune := func(h string) rune {
		v, err := strconv.ParseUint(h, 16, 32)
		if err != nil || v > 0x10ffff {
			return 0
		}
		return rune(v)
	}
	switch {
	case strings.HasPrefix(name, "uni") && len(name) >= 7:
		return hexRune(name[3:7])
	case strings.HasPrefix(name, "u") && len(name) >= 5 && len(name) <= 7:
		return hexRune(name[1:])
	}
	return 0
}

// pdfShown is what one shown string drew.
type pdfShown struct {
	glyphs, unmapped int
	spaces           int     // single-byte code 32: word spacing applies (9.3.3)
	width            float64 // sum of the glyph widths, per unit font size
}

// show appends the text of one shown string to dst and measures it.
// Glyphs no map explains are counted, so a page drawn in fonts we cannot
// read is reported unscannable rather than passed as clean.
func (f *pdfFont) show(s []byte, dst []byte) ([]byte, pdfShown) {
	var st pdfShown
	put := func(r rune) { dst = utf8.AppendRune(dst, r) }
	if f.cmap == nil && f.simple != nil {
		// The common case, a simple font without a ToUnicode map: one
		// table lookup per byte.
		for _, c := range s {
			r := f.simple[c]
			switch {
			case r == 0:
				if c >= 0x20 && c < 0x7f {
					r = rune(c)
					put(r)
				}
				st.unmapped++
			default:
				put(r)
			}
			if c == ' ' {
				st.spaces++
			}
			st.width += f.width(uint32(c), r)
		}
		st.glyphs = len(s)
		return dst, st
	}
	for i := 0; i < len(s); {
		n := f.codeLen(s[i:])
		code := uint32(0)
		for _, c := range s[i : i+n] {
			code = code<<8 | uint32(c)
		}
		i += n
		st.glyphs++
		if n == 1 && code == ' ' {
			st.spaces++
		}
		first := rune(0)
		switch rs, ok := f.lookup(code, n); {
		case ok:
			for _, c := range rs {
				put(c)
			}
			if len(rs) > 0 {
				first = rs[0]
			}
		case f.utf16:
			first = rune(code)
			put(first)
		case f.simple != nil && n == 1 && f.simple[code] != 0:
			first = f.simple[code]
			put(first)
		case f.simple != nil && n == 1:
			// A glyph name we do not know: show the code in the base
			// encoding (digits are digits in every one of them) and count
			// it, so a font of unknown names makes the page unscannable.
			if code >= 0x20 && code < 0x7f {
				first = rune(code)
				put(first)
			}
			st.unmapped++
		default:
			st.unmapped++
		}
		st.width += f.width(code, first)
	}
	return dst, st
}

func (f *pdfFont) lookup(code uint32, n int) ([]rune, bool) {
	if f.cmap == nil {
		return nil, false
	}
	return f.cmap.lookup(code, n)
}

// codeLen is how many bytes the next code takes (9.7.6.2).
func (f *pdfFont) codeLen(s []byte) int {
	if f.cmap != nil {
		for n := 1; n <= 4 && n <= len(s); n++ {
			for _, sp := range f.cmap.space[n] {
				if inSpan(s[:n], sp) {
					return n
				}
			}
		}
	}
	if f.twoByte && len(s) >= 2 {
		return 2
	}
	return 1
}

func inSpan(code []byte, sp cmapSpan) bool {
	if len(sp.lo) != len(code) || len(sp.hi) != len(code) {
		return false
	}
	for i, c := range code {
		if c < sp.lo[i] || c > sp.hi[i] {
			return false
		}
	}
	return true
}

func (m *pdfCMap) lookup(code uint32, n int) ([]rune, bool) {
	if r, ok := m.single[uint64(code)<<3|uint64(n)]; ok {
		return r, true
	}
	// Ranges are sorted by their first code; overlapping ranges are rare,
	// so a few before the candidate are enough to look at.
	i := sort.Search(len(m.ranges), func(i int) bool { return m.ranges[i].lo > code })
	for j := i - 1; j >= 0 && j >= i-8; j-- {
		rg := m.ranges[j]
		if code < rg.lo || code > rg.hi {
			continue
		}
		off := code - rg.lo
		if rg.arr != nil {
			if int(off) < len(rg.arr) {
				return rg.arr[off], true
			}
			return nil, false
		}
		if len(rg.dst) == 0 {
			return nil, false
		}
		u := append([]uint16(nil), rg.dst...)
		u[len(u)-1] += uint16(off)
		return utf16.Decode(u), true
	}
	return nil, false
}

// parseCMap reads the bfchar and bfrange sections of a ToUnicode CMap
// (9.10.3) and its codespace ranges. It is a token state machine, not a
// PostScript interpreter: counts written in the CMap are not trusted.
func parseCMap(data []byte) *pdfCMap {
	m := &pdfCMap{single: map[uint64][]rune{}}
	lx := pdfLexer{data: data}
	const (
		none = iota
		space
		bfchar
		bfrange
	)
	mode := none
	var ops []pdfObj
	entries := 0
	for entries < maxCMapEntries {
		t := lx.next()
		if t.kind == tokEOF {
			break
		}
		if t.kind == tokKeyword {
			switch string(t.str) {
			case "begincodespacerange":
				mode = space
			case "beginbfchar":
				mode = bfchar
			case "beginbfrange":
				mode = bfrange
			case "endcodespacerange", "endbfchar", "endbfrange":
				mode = none
			}
			ops = ops[:0]
			continue
		}
		if mode == none {
			continue
		}
		ops = append(ops, lx.objectFrom(t, 0))
		switch mode {
		case space:
			if len(ops) == 2 {
				lo, _ := ops[0].(pdfString)
				hi, _ := ops[1].(pdfString)
				if n := len(lo); n >= 1 && n <= 4 && len(hi) == n && len(m.space[n]) < maxCodespaceRanges {
					m.space[n] = append(m.space[n], cmapSpan{lo, hi})
				}
				ops = ops[:0]
			}
		case bfchar:
			if len(ops) == 2 {
				src, _ := ops[0].(pdfString)
				if n := len(src); n >= 1 && n <= 4 {
					if r := cmapDst(ops[1]); r != nil {
						m.single[uint64(codeOf(src))<<3|uint64(n)] = r
						entries++
					}
				}
				ops = ops[:0]
			}
		case bfrange:
			if len(ops) == 3 {
				lo, _ := ops[0].(pdfString)
				hi, _ := ops[1].(pdfString)
				if n := len(lo); n >= 1 && n <= 4 && len(hi) == n && codeOf(hi) >= codeOf(lo) {
					rg := cmapRange{lo: codeOf(lo), hi: codeOf(hi)}
					switch dst := ops[2].(type) {
					case pdfString:
						rg.dst = utf16Units(dst)
					case pdfArray:
						for _, x := range dst[:min(len(dst), 1<<16)] {
							rg.arr = append(rg.arr, cmapDst(x))
						}
						if rg.arr == nil {
							rg.arr = [][]rune{}
						}
					}
					m.ranges = append(m.ranges, rg)
					entries++
				}
				ops = ops[:0]
			}
		}
	}
	sort.SliceStable(m.ranges, func(i, j int) bool { return m.ranges[i].lo < m.ranges[j].lo })
	return m
}

func codeOf(b []byte) uint32 {
	v := uint32(0)
	for _, c := range b {
		v = v<<8 | uint32(c)
	}
	return v
}

func utf16Units(b []byte) []uint16 {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b) && len(u) < maxCMapDst; i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	if len(b) == 1 {
		u = append(u, uint16(b[0]))
	}
	return u
}

// cmapDst is a destination: UTF-16BE bytes, or (rarely) a glyph name.
func cmapDst(o pdfObj) []rune {
	switch v := o.(type) {
	case pdfString:
		return utf16.Decode(utf16Units(v))
	case pdfName:
		if r := glyphRune(string(v)); r != 0 {
			return []rune{r}
		}
	}
	return nil
}
