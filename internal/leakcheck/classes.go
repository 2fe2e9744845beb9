package leakcheck

import (
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// How a code point takes part in a run of digits. Digits are their ASCII
// value ('0'..'9'), so one byte says both the class and the digit.
const (
	clsSep    = 0 // a separator: counts towards the gap
	clsLetter = 1 // a letter: ends the run
	clsZero   = 2 // invisible (format character, combining mark): not counted
	clsSpace  = 3 // horizontal white space: a run of it counts once
	clsLF     = 4 // line feed: after a CR it adds nothing (CRLF counts once)
	clsCR     = 5 // carriage return
	clsNUL    = 6 // NUL: invisible like clsZero, and said in the spelling
)

var (
	bmpOnce  sync.Once
	bmpClass []byte // class of every code point of the BMP
)

// classOf returns how r takes part in a run (once buildBMP has run).
func classOf(r rune) byte {
	switch {
	case r < 0:
		return clsSep
	case r < 0x80:
		return asciiClass[r]
	case r < 0x10000:
		return bmpClass[r]
	case r > unicode.MaxRune:
		return clsSep
	}
	return classify(r)
}

var asciiClass = func() (a [0x80]byte) {
	for r := range a {
		a[r] = classify(rune(r))
	}
	return a
}()

func buildBMP() {
	bmpClass = make([]byte, 0x10000)
	for r := rune(0); r < 0x10000; r++ {
		bmpClass[r] = classify(r)
	}
	buildMayStart()
}

// classify is class without the tables. A character NFKC folds into one
// ASCII digit (full-width, superscript, circled) is that digit: a reader
// reads it as one.
func classify(r rune) byte {
	switch {
	case r >= '0' && r <= '9':
		return byte(r)
	case r == '\n':
		return clsLF
	case r == '\r':
		return clsCR
	case r == 0:
		return clsNUL
	case r == ' ' || r == '\t' || r == '\v' || r == '\f':
		return clsSpace
	case r < 0x80:
		if (r|0x20) >= 'a' && (r|0x20) <= 'z' {
			return clsLetter
		}
		return clsSep
	case r >= 0xD800 && r <= 0xDFFF: // a lone surrogate
		return clsSep
	case unicode.IsDigit(r):
		return '0' + byte(digitValue(r))
	}
	if d, ok := foldsToDigit(r); ok {
		return d
	}
	switch {
	case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r):
		return clsZero
	case unicode.IsSpace(r), unicode.Is(unicode.Zs, r):
		return clsSpace
	case unicode.IsLetter(r):
		return clsLetter
	}
	return clsSep
}

// digitValue is the value of a decimal digit: Unicode puts each script's
// digits zero to nine in a row, and rows that touch (the mathematical
// digits) start at a multiple of ten from the first.
func digitValue(r rune) int {
	z := r
	for unicode.IsDigit(z - 1) {
		z--
	}
	return int(r-z) % 10
}

func foldsToDigit(r rune) (byte, bool) {
	s := norm.NFKC.String(string(r))
	if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
		return s[0], true
	}
	return 0, false
}
