package scan

import (
	"sort"
	"sync"
)

// Match is one sensitive number in a text. It keeps the last four digits
// and the masked form, never the number itself.
type Match struct {
	Kind   Kind
	Start  int    // byte offset of the first digit
	End    int    // byte offset just past the last digit
	Last4  string // ASCII
	Masked string // "***-**-6789" or the card with its separators, "**** **** **** 1111"
	// maskEnd, when past End, is where the short groups that follow a card
	// on its run end (expiry, CVV): Mask hides them too.
	maskEnd int
}

// detector holds the buffers one detection pass reuses.
type detector struct {
	r       run
	cands   []panCandidate
	anchors []bool
	reach   []int8
	kw      keywordIndex
	table   tableCache
}

var detectors = sync.Pool{New: func() any { return new(detector) }}

// noFastPath turns shortRun off, so tests can check it never skips a
// number the full parser would find.
var noFastPath = false

// Detect returns every SSN/ITIN and payment card number in text, in order.
// text is UTF-8 (invalid bytes are passed over); digits of any script count.
func Detect(text []byte) []Match {
	d := detectors.Get().(*detector)
	defer detectors.Put(d)
	return d.detect(text, nil)
}

func (d *detector) detect(text []byte, out []Match) []Match {
	d.kw.reset()
	d.table = tableCache{}
	first := len(out)
	for i := 0; ; {
		i = nextCandidate(text, i)
		if i < 0 {
			break
		}
		if _, size, ok := digitAt(text, i); !ok {
			i += size
			continue
		}
		if end, skip := shortRun(text, i); skip && !noFastPath {
			i = end
			continue
		}
		next := d.r.parse(text, i)
		if len(d.r.digits) >= 9 {
			out = d.findRun(text, &d.r, out)
		}
		i = next
	}
	found := out[first:]
	sort.Slice(found, func(a, b int) bool { return found[a].Start < found[b].Start })
	return out
}

// findRun appends the numbers in r. Tabs separate the cells of a table:
// each stretch between them is read as a run of its own, as before tabs
// joined runs at all, and the rows of cells are read by the stricter rules
// of tabs.go.
func (d *detector) findRun(text []byte, r *run, out []Match) []Match {
	if !r.hasTab {
		return d.findIn(text, r, out)
	}
	for a := 0; a < len(r.groups); {
		b := a + 1
		for b < len(r.groups) && r.gaps[b-1] != gapTab {
			b++
		}
		if r.ndigits(a, b) >= 9 {
			sub := r.cells(a, b)
			out = d.findIn(text, &sub, out)
		}
		a = b
	}
	return d.findTabRows(text, r, out)
}

func (d *detector) findIn(text []byte, r *run, out []Match) []Match {
	n := len(out)
	out = d.findPANs(text, r, out)
	if r.ssnShaped {
		out = d.dropOverlaps(d.findSSNs(text, r, out), n)
	}
	return out
}

// dropOverlaps removes SSN matches (appended after the cards from index
// cards on) that overlap a card found in the same run: the card wins.
func (d *detector) dropOverlaps(out []Match, from int) []Match {
	keep := out[:from]
	for _, m := range out[from:] {
		overlap := false
		if m.Kind == KindSSN {
			for _, c := range out[from:] {
				if c.Kind == KindPAN && c.Start < m.End && m.Start < c.End {
					overlap = true
					break
				}
			}
		}
		if !overlap {
			keep = append(keep, m)
		}
	}
	return keep
}

// newMatch builds the Match for groups [i, j) of r.
func (d *detector) newMatch(kind Kind, text []byte, r *run, i, j int) Match {
	last := r.groups[j-1]
	dg := r.digits[r.groups[i].d0 : last.d0+last.n]
	m := Match{
		Kind:  kind,
		Start: r.groups[i].start,
		End:   last.end,
		Last4: string(dg[len(dg)-4:]),
	}
	if kind == KindSSN {
		m.Masked = "***-**-" + m.Last4
		return m
	}
	// The masked card keeps its grouping with plain separators, so staff
	// can tell "**** **** **** 1111" from "***** 1111".
	b := make([]byte, 0, len(dg)+j-i)
	left := len(dg)
	for g := i; g < j; g++ {
		if g > i {
			switch r.gaps[g-1] {
			case gapDash, gapSpacedDash:
				b = append(b, '-')
			default:
				b = append(b, ' ')
			}
		}
		for k := 0; k < r.groups[g].n; k++ {
			if left <= 4 {
				b = append(b, dg[len(dg)-left])
			} else {
				b = append(b, '*')
			}
			left--
		}
	}
	m.Masked = string(b)
	return m
}

// shortRun is the fast path for the many numbers that cannot be an SSN or
// a card: the short ones of prose (dates, times, amounts) and the single
// unbroken ids and timestamps of exports. It follows ASCII digits and the
// simple one-byte separators and reports the run's end when the run
// certainly holds no candidate. Anything less simple is left to run.parse.
func shortRun(text []byte, i int) (end int, skip bool) {
	n, groups := 0, 0
	for {
		start := i
		for i < len(text) && text[i]-'0' < 10 {
			i++
		}
		n += i - start
		groups++
		if i >= len(text) {
			return i, noCandidate(n, groups)
		}
		switch c := text[i]; c {
		case ' ', '-', '.', '*':
			next := byte(0)
			if i+1 < len(text) {
				next = text[i+1]
			}
			if next-'0' < 10 {
				if n >= 9 {
					return i, false // long and joined: let parse decide
				}
				i++
				continue
			}
			if next >= 0x80 || next == ' ' || next == '*' || next == '\r' || next == '\n' || next == '-' {
				return i, false // a longer separator: let parse decide
			}
			return i, noCandidate(n, groups)
		case '\r', '\n', '=', '&', 0:
			return i, false // a line break, an escape or an invisible NUL
		case '\t':
			// The first cell of a row that may be a card (4) or an SSN (3)
			// split over cells: let parse read the row.
			if groups == 1 && (n == 3 || n == 4) {
				return i, false
			}
		}
		if text[i] >= 0x80 {
			return i, false
		}
		return i, noCandidate(n, groups)
	}
}

// noCandidate: fewer than nine digits, or one unbroken group whose length
// is neither an SSN's (9) nor a card's (13-19).
func noCandidate(n, groups int) bool {
	return n < 9 || (groups == 1 && n != 9 && (n < minPAN || n > maxPAN))
}
