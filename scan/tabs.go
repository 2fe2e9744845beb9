package scan

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Numbers pasted from a spreadsheet arrive with a tab between cells. A
// card typed one group per cell ("4111\t1111\t1111\t1111") or an SSN in
// three cells is read by a person as the number, but so is every row of a
// table of ids and amounts read as numbers: rows are taken only when they
// can be nothing else.
//
//   - The row's cells hold exactly a card's printed grouping (4-4-4-4,
//     4-4-4-4-x, 4-6-5, 4-6-4, 4-3-3-3, the airline 4-5-6), and the digits
//     pass Luhn with a known issuer at that length; at most two short cells
//     may follow (an expiry month, a CVV). An SSN is exactly 3-2-4 cells,
//     valid, with an SSN keyword near.
//   - The first and last cells are whole: the row does not go on with more
//     digits to the left or right, and is not glued to a token.
//   - The row is not in a table of numbers: the line above or below holding
//     as many numeric cells that are not themselves a card or an SSN makes
//     it one row of data among others.
//
// A single row of exactly four four-digit cells that happens to pass Luhn
// with an issuer prefix is read as a card: it looks like one to anyone.

const (
	maxTabTrail       = 2    // short cells after a card: an expiry month, a CVV
	maxTabTrailDigits = 3    //
	tableLookBytes    = 4096 // how far the neighbouring lines are read
)

// findTabRows appends the cards and SSNs written across the cells of a row
// of r (groups joined by tabs).
func (d *detector) findTabRows(text []byte, r *run, out []Match) []Match {
	for a := 0; a < len(r.groups); {
		b := a + 1
		for b < len(r.groups) && r.gaps[b-1] == gapTab {
			b++
		}
		if b-a >= 3 {
			if m, ok := d.tabRow(text, r, a, b); ok {
				out = append(out, m)
			}
		}
		a = b
	}
	return out
}

// tabRow reads the row of cells [a, b) of r.
func (d *detector) tabRow(text []byte, r *run, a, b int) (Match, bool) {
	groups := r.groups
	if !rowStarts(text, r, a) {
		return Match{}, false
	}
	for t := 0; t <= maxTabTrail && b-t-a >= 3; t++ {
		j := b - t
		if t > 0 && groups[j].n > maxTabTrailDigits {
			break
		}
		maskEnd := groups[b-1].end
		if t == 0 {
			var ok bool
			if maskEnd, ok = rowEnds(text, r, b); !ok {
				continue
			}
		}
		if !cardCells(r, a, j) {
			continue
		}
		dg := r.digits[groups[a].d0 : groups[j-1].d0+groups[j-1].n]
		if !knownIssuer(dg) || !luhn(dg) || !plausibleUATP(dg, r, a, j) {
			continue
		}
		if d.inTable(text, groups[a].start, groups[b-1].end, j-a) {
			return Match{}, false
		}
		m := d.newMatch(KindPAN, text, r, a, j)
		m.maskEnd = maskEnd
		return m, true
	}
	if b-a != 3 || groups[a].n != 3 || groups[a+1].n != 2 || groups[a+2].n != 4 {
		return Match{}, false
	}
	if _, ok := rowEnds(text, r, b); !ok {
		return Match{}, false
	}
	dg := r.digits[groups[a].d0 : groups[a+2].d0+4]
	start, end := groups[a].start, groups[a+2].end
	if !validSSN(dg) || !d.kw.near(text, start, end) || d.inTable(text, start, end, 3) {
		return Match{}, false
	}
	return d.newMatch(KindSSN, text, r, a, b), true
}

// cardCells reports whether the cells [a, j) of r are a card's printed
// grouping.
func cardCells(r *run, a, j int) bool {
	var shape [6]int
	if j-a > len(shape) {
		return false
	}
	for k := a; k < j; k++ {
		shape[k-a] = r.groups[k].n
	}
	return cardGrouping(shape, j-a)
}

// cardGrouping reports whether n cells of these lengths are a card's
// printed grouping.
func cardGrouping(shape [6]int, n int) bool {
	switch n {
	case 3:
		return shape[0] == 4 && (shape[1] == 6 && (shape[2] == 5 || shape[2] == 4) ||
			shape[1] == 5 && shape[2] == 6) // Amex, Diners, UATP
	case 4:
		return shape == [6]int{4, 4, 4, 4} || shape == [6]int{4, 3, 3, 3}
	case 5:
		return shape[0] == 4 && shape[1] == 4 && shape[2] == 4 && shape[3] == 4 && shape[4] <= 3
	}
	return false
}

// rowStarts reports whether group a of r begins a row: first in its line
// of the run, with no digits earlier in the row (a cell the fast path
// passed over) and not glued to a token.
func rowStarts(text []byte, r *run, a int) bool {
	if a > 0 {
		return r.gaps[a-1] == gapBreak
	}
	start := r.groups[0].start
	if wordChar(runeBefore(text, start)) {
		return false
	}
	p := skipBlankBack(text, start)
	c := runeBefore(text, p)
	if startsDigitBefore(text, p) {
		return false
	}
	if (c == '.' || c == ',' || c == '-' || c == '/' || c == ':') && startsDigitBefore(text, p-1) {
		return false
	}
	return true
}

// rowEnds reports whether the row of r ending before group b ends there:
// last in its line of the run, with no more digits in it and not glued to
// a token. An expiry or a CVV typed after the last cell ("…\t1111 12/27")
// may follow; end is where they end, for masking.
func rowEnds(text []byte, r *run, b int) (end int, ok bool) {
	groups, gaps := r.groups, r.gaps
	if b < len(groups) {
		if gaps[b-1] == gapBreak {
			return groups[b-1].end, true
		}
		g := b
		for g < len(groups) && g < b+maxTrailGroups && groups[g].n <= maxTrailDigits && (gaps[g-1] == gapSpace || gaps[g-1] == gapDash) {
			g++
		}
		if g == b || (g < len(groups) && gaps[g-1] != gapBreak) {
			return 0, false
		}
		return groups[g-1].end, true
	}
	end = groups[b-1].end
	if wordChar(runeAt(text, end)) {
		return 0, false
	}
	p := skipBlank(text, end)
	if startsDigit(text, p) {
		return 0, false
	}
	if c := runeAt(text, p); (c == '.' || c == ',' || c == '-' || c == '/' || c == ':') && startsDigit(text, p+1) {
		return 0, false
	}
	return end, true
}

// skipBlank passes over tabs, spaces and invisible characters from i.
func skipBlank(text []byte, i int) int {
	for i < len(text) {
		if text[i] == '\t' || text[i] == ' ' {
			i++
			continue
		}
		j := skipInvisible(text, i)
		if j == i {
			return i
		}
		i = j
	}
	return i
}

// skipBlankBack passes over tabs, spaces and format characters before i.
func skipBlankBack(text []byte, i int) int {
	for i > 0 {
		r, size := utf8.DecodeLastRune(text[:i])
		if r != '\t' && r != ' ' && !invisible(r) {
			return i
		}
		i -= size
	}
	return i
}

// startsDigitBefore reports whether a digit of any script ends at i.
func startsDigitBefore(text []byte, i int) bool {
	if i <= 0 {
		return false
	}
	_, size := utf8.DecodeLastRune(text[:i])
	return startsDigit(text, i-size)
}

// tableCache keeps the last inTable answer: every row of a line has the
// same neighbours.
type tableCache struct {
	ok           bool
	ls, le, want int
	data         bool
}

// inTable reports whether the line holding [start, end) is a row of a
// table of numbers: the line above or the line below has a stretch of at
// least cells numeric cells that are not a card or an SSN.
func (d *detector) inTable(text []byte, start, end, cells int) bool {
	lo := max(0, start-tableLookBytes)
	ls := bytes.LastIndexByte(text[lo:start], '\n')
	if ls >= 0 {
		ls += lo
	}
	hi := min(len(text), end+tableLookBytes)
	le := bytes.IndexByte(text[end:hi], '\n')
	if le >= 0 {
		le += end
	}
	c := &d.table
	if c.ok && c.ls == ls && c.le == le && c.want == cells {
		return c.data
	}
	data := false
	if ls >= 0 {
		pl := max(0, ls-tableLookBytes)
		ps := bytes.LastIndexByte(text[pl:ls], '\n') + 1 + pl
		data = dataRow(text[ps:ls], cells)
	}
	if le >= 0 && !data {
		ns := le + 1
		ne := min(len(text), ns+tableLookBytes)
		if k := bytes.IndexByte(text[ns:ne], '\n'); k >= 0 {
			ne = ns + k
		}
		data = dataRow(text[ns:ne], cells)
	}
	*c = tableCache{ok: true, ls: ls, le: le, want: cells, data: data}
	return data
}

// dataRow reports whether line holds at least want consecutive numeric
// cells (empty cells passed over) that hold no card and no SSN.
func dataRow(line []byte, want int) bool {
	var digits [8][]byte // the pure-digit cells of the current stretch, ASCII
	var buf [8 * 24]byte
	numeric, pure := 0, 0
	flush := func() bool {
		data := numeric >= want && !sensitiveCells(digits[:pure])
		numeric, pure = 0, 0
		return data
	}
	for len(line) > 0 {
		cell := line
		if k := bytes.IndexByte(line, '\t'); k >= 0 {
			cell, line = line[:k], line[k+1:]
		} else {
			line = nil
		}
		cell = bytes.Trim(cell, " \r")
		if len(cell) == 0 {
			continue
		}
		kind := cellKind(cell)
		if kind == 0 {
			if flush() {
				return true
			}
			continue
		}
		numeric++
		if kind == cellDigits && pure < len(digits) && len(cell) <= 24 {
			dst := buf[pure*24 : pure*24]
			for i := 0; i < len(cell); {
				v, size, ok := digitAt(cell, i)
				if ok {
					dst = append(dst, byte('0'+v))
				}
				i += size
			}
			digits[pure] = dst
			pure++
		}
	}
	return flush()
}

const (
	cellNumber = 1 // digits with the marks of amounts and dates: "1,200.50", "12/27"
	cellDigits = 2 // digits alone
)

// cellKind tells whether a cell is a number, or starts with one ("12 kg",
// a last cell the writer typed on after: "5520 Let me know").
func cellKind(cell []byte) int {
	if k := bytes.IndexByte(cell, ' '); k > 0 {
		if kind := cellKind(cell[:k]); kind != 0 {
			return cellNumber
		}
	}
	kind, digits := cellDigits, 0
	for i := 0; i < len(cell); {
		_, size, ok := digitAt(cell, i)
		switch r := runeAt(cell, i); {
		case ok:
			digits++
		case invisible(r):
		case strings.ContainsRune(" .,-/:$%()+'€£¥", r):
			kind = cellNumber
		default:
			return 0
		}
		i += size
	}
	if digits == 0 {
		return 0
	}
	return kind
}

// sensitiveCells reports whether consecutive cells among ds (ASCII digits)
// are a card in its grouping or a valid 3-2-4 SSN: a list of cards or SSNs
// is not a table of data.
func sensitiveCells(ds [][]byte) bool {
	var cat [24]byte
	for i := range ds {
		for j := i + 3; j <= len(ds) && j <= i+5; j++ {
			var shape [6]int
			d := cat[:0]
			for k := i; k < j; k++ {
				shape[k-i] = len(ds[k])
				if len(d)+len(ds[k]) > len(cat) {
					d = nil
					break
				}
				d = append(d, ds[k]...)
			}
			if d == nil {
				continue
			}
			if shape == [6]int{3, 2, 4} && validSSN(d) {
				return true
			}
			if cardGrouping(shape, j-i) && len(d) >= minPAN && len(d) <= maxPAN && knownIssuer(d) && luhn(d) {
				return true
			}
		}
	}
	return false
}
