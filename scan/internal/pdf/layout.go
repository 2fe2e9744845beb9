package pdf

import (
	"bytes"
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// This file rebuilds a page's text from where its glyphs are drawn, as
// pdftotext does, rather than from the order the content stream happens to
// draw them in. Forms on tax and bank documents place digits one at a time
// (comb fields, flattened form fields, one Td or Tm per digit, TJ arrays
// that kern every digit apart): read in stream order they come out as
// "4 0 4 1 6 7 ...", which no detector should take for a number, and a
// person reads a card number there all the same.
//
// Consecutive shows that continue each other on one baseline make a
// fragment (a word, or a run of words). At the end of a page, fragments
// are sorted into lines by baseline and along each line by position, and
// joined: nothing between fragments that touch, a space for a word gap, a
// tab for a gap as wide as a column. Single digits drawn at a regular pitch
// (comb cells) are joined into the groups their pitch shows: "489 36 8350"
// for an SSN in three comb fields.
//
// The stream order is kept too: when it shows a number the layout does not
// (a number wrapped at the end of a column, say), the lines around it are
// added after the document's text. Nothing the old reader found is lost.

// pdfMatrix is a transformation [a b c d e f] (8.3.4).
type pdfMatrix [6]float64

var identityMatrix = pdfMatrix{1, 0, 0, 1, 0, 0}

// mul is m followed by n.
func (m pdfMatrix) mul(n pdfMatrix) pdfMatrix {
	return pdfMatrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m pdfMatrix) apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

func translate(tx, ty float64) pdfMatrix { return pdfMatrix{1, 0, 0, 1, tx, ty} }

// finite keeps hostile numbers (NaN, infinities, 1e300) out of the
// geometry, where they would make every comparison false.
func finite(v float64) float64 {
	if math.IsNaN(v) || v > 1e9 || v < -1e9 {
		if v < 0 {
			return -1e9
		}
		if v > 0 {
			return 1e9
		}
		return 0
	}
	return v
}

// Direction of a baseline, to the nearest right angle: 0 left to right,
// 1 upwards, 2 right to left (upside down), 3 downwards.
func baselineRot(a, b float64) int8 {
	switch {
	case math.Abs(a) >= math.Abs(b) && a >= 0:
		return 0
	case math.Abs(a) >= math.Abs(b):
		return 2
	case b > 0:
		return 1
	}
	return 3
}

// project turns page coordinates into (along the baseline, across it),
// so that every direction is laid out as left-to-right text, higher v
// first.
func project(rot int8, x, y float64) (u, v float64) {
	switch rot {
	case 1:
		return y, -x
	case 2:
		return -x, -y
	case 3:
		return -y, x
	}
	return x, y
}

// pdfFrag is a run of glyphs drawn one after the other on one baseline.
type pdfFrag struct {
	u0, u1 float64 // start and end along the baseline, page units
	v      float64 // the baseline, across
	size   float64 // font size on the page
	t0, t1 int32   // its text in pdfBlock.text
	rot    int8
}

// Bounds on one block of fragments; a page that draws more is laid out in
// several blocks, one after the other.
const (
	maxBlockFrags = 1 << 15
	maxBlockText  = 1 << 20
	// what a block costs at most, held in the shared account once
	blockMemory = maxBlockFrags*48 + maxBlockText + 2*maxBlockText
)

type pdfBlock struct {
	frags []pdfFrag
	text  []byte
	open  bool // the last fragment may be continued
}

// Geometry thresholds, as fractions of the font size.
const (
	joinGap     = 0.15 // narrower than this, glyphs touch: one word
	overlapGap  = -0.5 // drawn this far back: another text over this one
	columnGap   = 3.0  // wider than this, a column apart (a tab)
	digitGap    = 10.0 // digit groups this close are one number to a reader
	lineSlack   = 0.4  // baselines this close are one line
	combMaxStep = 8.0  // comb cells at most this far apart
	combCluster = 1.3  // a pitch this much wider than the smallest starts a group
	scatterMin  = 9    // this many lone digits on a line: a number we cannot rebuild
)

// place adds text drawn from (x0,y0) to (x1,y1) on the page, with a font
// of size on the page, to the block: it continues the last fragment when
// it starts where that one ended.
func (w *pdfWalker) place(text []byte, rot int8, x0, y0, x1, y1, size float64) {
	if len(text) == 0 {
		return
	}
	blk := &w.blk
	if len(blk.frags) >= maxBlockFrags || len(blk.text)+len(text) > maxBlockText {
		w.flushBlock()
	}
	u0, v := project(rot, finite(x0), finite(y0))
	u1, _ := project(rot, finite(x1), finite(y1))
	size = max(math.Abs(finite(size)), 1e-3)
	if n := len(blk.frags); blk.open && n > 0 {
		f := &blk.frags[n-1]
		gap := u0 - f.u1
		if f.rot == rot && math.Abs(v-f.v) <= 0.1*max(size, f.size) &&
			gap >= -0.25*max(size, f.size) && gap < joinGap*max(size, f.size) {
			blk.text = append(blk.text, text...)
			f.t1 = int32(len(blk.text))
			f.u1 = max(u1, f.u1)
			f.size = max(f.size, size)
			return
		}
	}
	t0 := int32(len(blk.text))
	blk.text = append(blk.text, text...)
	blk.frags = append(blk.frags, pdfFrag{u0: u0, u1: max(u1, u0), v: v, size: size, t0: t0, t1: int32(len(blk.text)), rot: rot})
	blk.open = true
}

func (b *pdfBlock) textOf(f *pdfFrag) []byte { return b.text[f.t0:f.t1] }

// flushBlock lays out the block and writes its text.
func (w *pdfWalker) flushBlock() {
	blk := &w.blk
	if len(blk.frags) == 0 {
		blk.text, blk.open = blk.text[:0], false
		return
	}
	w.lay = w.layout(w.lay[:0])
	w.raw = w.streamOrder(w.raw[:0])
	if !bytes.Equal(w.lay, w.raw) {
		w.keepMissed(w.lay, w.raw)
	}
	w.line()
	w.emit(w.lay)
	w.line()
	blk.frags, blk.text, blk.open = blk.frags[:0], blk.text[:0], false
}

// layout writes the block's lines in reading order.
func (w *pdfWalker) layout(out []byte) []byte {
	blk := &w.blk
	order := w.order[:0]
	for i := range blk.frags {
		order = append(order, int32(i))
	}
	fr := blk.frags
	slices.SortStableFunc(order, func(a, b int32) int {
		fa, fb := &fr[a], &fr[b]
		switch {
		case fa.rot != fb.rot:
			return int(fa.rot) - int(fb.rot)
		case fa.v > fb.v:
			return -1
		case fa.v < fb.v:
			return 1
		}
		return 0
	})
	w.order = order
	for i := 0; i < len(order); {
		first := &fr[order[i]]
		j := i + 1
		for j < len(order) {
			f := &fr[order[j]]
			if f.rot != first.rot || first.v-f.v > lineSlack*max(first.size, f.size) {
				break
			}
			j++
		}
		line := order[i:j]
		slices.SortStableFunc(line, func(a, b int32) int {
			switch {
			case fr[a].u0 < fr[b].u0:
				return -1
			case fr[a].u0 > fr[b].u0:
				return 1
			}
			return 0
		})
		if i > 0 {
			out = append(out, '\n')
		}
		out = w.layoutLine(out, line)
		i = j
	}
	return out
}

// layoutLine joins the fragments of one line, sorted along it.
func (w *pdfWalker) layoutLine(out []byte, line []int32) []byte {
	blk := &w.blk
	fr := blk.frags
	// Text drawn twice in the same place (a fake bold) is read once.
	kept := line[:0]
	for _, i := range line {
		if n := len(kept); n > 0 {
			p, f := &fr[kept[n-1]], &fr[i]
			s := max(p.size, f.size)
			if math.Abs(p.u0-f.u0) < 0.3*s && math.Abs(p.v-f.v) < 0.3*s && bytes.Equal(blk.textOf(p), blk.textOf(f)) {
				continue
			}
		}
		kept = append(kept, i)
	}
	line = kept
	// seps[k] goes between line[k-1] and line[k]; -1 means not decided.
	seps := w.seps[:0]
	for range line {
		seps = append(seps, -1)
	}
	w.combSeparators(line, seps)
	for k := 1; k < len(line); k++ {
		if seps[k] < 0 {
			seps[k] = w.gapSeparator(&fr[line[k-1]], &fr[line[k]])
		}
	}
	lone := 0
	for k, i := range line {
		if k > 0 && seps[k] != 0 {
			out = append(out, byte(seps[k]))
		}
		t := blk.textOf(&fr[i])
		out = append(out, t...)
		if singleDigit(t) && (k == 0 || seps[k] != 0) && (k+1 == len(line) || seps[k+1] != 0) {
			lone++
		}
	}
	w.seps = seps
	if lone >= scatterMin {
		w.scattered++
	}
	return out
}

// gapSeparator is what goes between two fragments of a line: 0 (nothing),
// ' ' or '\t'.
func (w *pdfWalker) gapSeparator(p, f *pdfFrag) int {
	s := max(p.size, f.size)
	gap := f.u0 - p.u1
	switch {
	case gap < overlapGap*s:
		return ' '
	case gap < joinGap*s:
		return 0
	case gap <= columnGap*s:
		return ' '
	case gap <= digitGap*s && endsInDigit(w.blk.textOf(p)) && startsWithDigit(w.blk.textOf(f)):
		return ' '
	}
	return '\t'
}

// combSeparators decides the separators inside runs of single digits
// (and dashes) drawn one by one, as comb fields draw them: digits whose
// pitch is near the smallest pitch of the run are one group; a wider step
// starts the next group.
func (w *pdfWalker) combSeparators(line []int32, seps []int) {
	blk := &w.blk
	fr := blk.frags
	for k := 0; k < len(line); {
		if !combCell(blk.textOf(&fr[line[k]])) {
			k++
			continue
		}
		end := k + 1
		for end < len(line) {
			p, f := &fr[line[end-1]], &fr[line[end]]
			if !combCell(blk.textOf(f)) || f.u0-p.u0 > combMaxStep*max(p.size, f.size) || f.u0-p.u0 < 0 {
				break
			}
			end++
		}
		if end-k < 2 {
			k = end
			continue
		}
		minPitch := math.Inf(1)
		for m := k + 1; m < end; m++ {
			p, f := &fr[line[m-1]], &fr[line[m]]
			if singleDigit(blk.textOf(p)) && singleDigit(blk.textOf(f)) {
				minPitch = min(minPitch, f.u0-p.u0)
			}
		}
		for m := k + 1; m < end; m++ {
			p, f := &fr[line[m-1]], &fr[line[m]]
			switch {
			case !singleDigit(blk.textOf(p)) || !singleDigit(blk.textOf(f)):
				seps[m] = 0 // a dash in its own cell joins its neighbours
			case f.u0-p.u0 <= combCluster*minPitch+1e-9:
				seps[m] = 0
			default:
				seps[m] = ' '
			}
		}
		k = end
	}
}

// combCell: one digit, or one dash, alone in its fragment.
func combCell(t []byte) bool {
	t = bytes.TrimSpace(t)
	r, n := utf8.DecodeRune(t)
	return n == len(t) && n > 0 && (unicode.IsDigit(r) || r == '-' || r == '‐' || r == '–')
}

func singleDigit(t []byte) bool {
	t = bytes.TrimSpace(t)
	r, n := utf8.DecodeRune(t)
	return n == len(t) && n > 0 && unicode.IsDigit(r)
}

func endsInDigit(t []byte) bool {
	r, _ := utf8.DecodeLastRune(bytes.TrimRight(t, " "))
	return unicode.IsDigit(r)
}

func startsWithDigit(t []byte) bool {
	r, _ := utf8.DecodeRune(bytes.TrimLeft(t, " "))
	return unicode.IsDigit(r)
}

// streamOrder writes the block's fragments in the order they were drawn,
// a line break wherever the baseline moved: the old reading.
func (w *pdfWalker) streamOrder(out []byte) []byte {
	blk := &w.blk
	for i := range blk.frags {
		f := &blk.frags[i]
		if i > 0 {
			p := &blk.frags[i-1]
			s := max(p.size, f.size)
			switch gap := f.u0 - p.u1; {
			case p.rot != f.rot || math.Abs(p.v-f.v) > lineSlack*s:
				out = append(out, '\n')
			case gap < overlapGap*s || gap >= joinGap*s:
				out = append(out, ' ')
			}
		}
		out = append(out, blk.textOf(f)...)
	}
	return out
}

// keepMissed adds to the document's extra lines the stream-order lines
// around every number the stream order shows and the layout does not.
func (w *pdfWalker) keepMissed(lay, raw []byte) {
	if !hasNineDigits(raw) {
		return
	}
	env := w.doc.env
	missed := missedMatches(env.Detect(lay), env.Detect(raw))
	for _, m := range missed {
		w.addExtra(snippet(env, raw, m))
	}
}

// matchKey identifies a finding without its digits.
type matchKey struct {
	kind  string
	last4 string
}

// missedMatches returns the matches of other whose kind and last four no
// match of base has.
func missedMatches(base, other []Match) []Match {
	have := map[matchKey]bool{}
	for _, m := range base {
		have[matchKey{m.Kind, m.Last4}] = true
	}
	var out []Match
	for _, m := range other {
		if !have[matchKey{m.Kind, m.Last4}] {
			out = append(out, m)
		}
	}
	return out
}

// snippet is the lines of text that hold m; when those lines alone do not
// show it (an SSN that needs its keyword), the lines around it too.
func snippet(env Env, text []byte, m Match) []byte {
	lo := bytes.LastIndexByte(text[:m.Start], '\n') + 1
	hi := len(text)
	if i := bytes.IndexByte(text[m.End:], '\n'); i >= 0 {
		hi = m.End + i
	}
	if len(missedMatches(env.Detect(text[lo:hi]), []Match{m})) == 0 {
		return text[lo:hi]
	}
	lo = max(0, m.Start-env.KeywordWindow())
	hi = min(len(text), m.End+env.KeywordWindow())
	if i := bytes.LastIndexByte(text[:lo], '\n'); i >= 0 {
		lo = i + 1
	} else {
		lo = 0
	}
	if i := bytes.IndexByte(text[hi:], '\n'); i >= 0 {
		hi += i
	} else {
		hi = len(text)
	}
	return text[lo:hi]
}

func hasNineDigits(t []byte) bool {
	n := 0
	for _, c := range t {
		if c-'0' < 10 || c >= 0x80 {
			if n++; n >= 9 {
				return true
			}
		}
	}
	return false
}
