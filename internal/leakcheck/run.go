package leakcheck

import (
	"bytes"
	"strings"
)

// How one digit was written.
const (
	formASCII   = 1 << iota // '4'
	formUnicode             // any other code point read as a digit
	formQP                  // =34
	formURL                 // %34
	formEntity              // &#52; or &#x34;
	formEscape              // \u0034 or \x34
	formNUL                 // NULs before it (UTF-16 or UTF-32 read as bytes)

	escapedForms = formQP | formURL | formEntity | formEscape
)

var formNames = []struct {
	form byte
	name string
}{
	{formASCII, "digits"}, {formUnicode, "unicode digits"}, {formQP, "quoted-printable"},
	{formURL, "url-encoded"}, {formEntity, "character references"}, {formEscape, "\\u escapes"},
	{formNUL, "NULs"},
}

// run is the digits read so far that could still be one spelling: no more
// than MaxGap separators between any two, no letter.
type run struct {
	s         *scan
	family    string // how the current pass reads bytes, "utf-16le@1"
	need      byte   // a hit must use one of these forms (0: any)
	digits    []byte
	starts    []int // offset of each digit's first byte
	ends      []int // offset just past it
	forms     []byte
	gap       int
	sepForm   byte // escapes among the separators since the last digit
	lastSpace bool
	lastCR    bool
}

func (s *scan) newRun(family string, need byte) *run {
	r := &s.run
	r.s, r.family, r.need = s, family, need
	r.reset()
	return r
}

func (r *run) reset() {
	r.digits, r.starts, r.ends, r.forms = r.digits[:0], r.starts[:0], r.ends[:0], r.forms[:0]
	r.gap, r.sepForm, r.lastSpace, r.lastCR = 0, 0, false, false
}

func (r *run) empty() bool { return len(r.digits) == 0 }

func (r *run) digit(d byte, start, end int, form byte) {
	r.digits = append(r.digits, d)
	r.starts = append(r.starts, start)
	r.ends = append(r.ends, end)
	r.forms = append(r.forms, form|r.sepForm)
	r.gap, r.sepForm, r.lastSpace, r.lastCR = 0, 0, false, false
}

// other takes a code point that is not a digit, by its class.
func (r *run) other(cls byte) {
	if len(r.digits) == 0 {
		return
	}
	switch cls {
	case clsZero:
		return
	case clsNUL:
		r.sepForm |= formNUL
		return
	case clsLetter:
		r.flush()
		return
	case clsSpace:
		if r.lastSpace {
			return
		}
		r.lastSpace, r.lastCR = true, false
	case clsLF:
		if r.lastCR {
			r.lastCR = false
			return
		}
		r.lastSpace = false
	case clsCR:
		r.lastSpace, r.lastCR = false, true
	default:
		r.lastSpace, r.lastCR = false, false
	}
	r.gap++
	if r.gap > MaxGap {
		r.flush()
	}
}

// code takes a code point read at [start, end), written as form (an
// escape, or formUnicode).
func (r *run) code(cp rune, start, end int, form byte) {
	cls := classOf(cp)
	if cls >= '0' {
		if cp >= 0x80 {
			form |= formUnicode
		}
		r.digit(cls, start, end, form)
		return
	}
	r.other(cls)
	if form&escapedForms != 0 && !r.empty() {
		r.sepForm |= form // "4=001=00": the NULs were escaped
	}
}

// flush ends the run, reporting every number it holds.
func (r *run) flush() {
	if len(r.digits) >= r.s.c.minLen {
		for i, n := range r.s.c.numbers {
			for from := 0; ; {
				k := bytes.Index(r.digits[from:], n)
				if k < 0 {
					break
				}
				k += from
				r.report(i, k, k+len(n))
				from = k + len(n)
			}
		}
	}
	r.reset()
}

func (r *run) report(number, lo, hi int) {
	var forms byte
	separated := false
	for j := lo; j < hi; j++ {
		forms |= r.forms[j]
		if j > lo && r.starts[j] != r.ends[j-1] {
			separated = true
		}
	}
	if r.need != 0 && forms&r.need == 0 {
		return // the plain reading reports it
	}
	var names []string
	for _, f := range formNames {
		if forms&f.form != 0 {
			names = append(names, f.name)
		}
	}
	sp := r.s.prefix + r.family + ": " + strings.Join(names, "+")
	if separated {
		sp += ", separated"
	}
	c := r.s.c
	r.s.add(Hit{Number: number, Last4: c.Last4(number), Spelling: sp,
		Offset: r.s.at(r.starts[lo]), End: r.s.atEnd(r.ends[hi-1])})
}
