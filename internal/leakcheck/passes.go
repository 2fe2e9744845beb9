package leakcheck

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// utf8 reads b as UTF-8 (a byte that is not is a separator). With escapes,
// it reads digits escaped one by one too, and reports only spellings that
// use such an escape: the plain reading reports the rest, and keeps "=30"
// read as the digits 3 and 0 where that is what was meant.
func (s *scan) utf8(b []byte, escapes bool) {
	r := s.newRun("utf-8", 0)
	if escapes {
		r = s.newRun("utf-8", escapedForms)
	}
	for i := 0; i < len(b); {
		c := b[i]
		if r.empty() && !mayStart[c] {
			i++ // the common case: nothing here can start a number
			continue
		}
		if c >= utf8.RuneSelf {
			if c < 0xC2 || c > 0xF4 { // never starts a UTF-8 sequence
				r.other(clsSep)
				i++
				continue
			}
			cp, size := utf8.DecodeRune(b[i:])
			if cp == utf8.RuneError && size == 1 {
				r.other(clsSep)
			} else {
				r.code(cp, i, i+size, formUnicode)
			}
			i += size
			continue
		}
		cls := asciiClass[c]
		if cls >= '0' {
			r.digit(c, i, i+1, formASCII)
			i++
			continue
		}
		if c == '=' && i+1 < len(b) {
			// A quoted-printable soft line break joins what it splits.
			if b[i+1] == '\n' {
				i += 2
				continue
			}
			if b[i+1] == '\r' && i+2 < len(b) && b[i+2] == '\n' {
				i += 3
				continue
			}
		}
		if escapes {
			if cp, n, form := escapeAt(b, i); n > 0 {
				r.code(cp, i, i+n, form)
				i += n
				continue
			}
		}
		r.other(cls)
		i++
	}
	r.flush()
}

// mayStart says which bytes may begin a digit in the UTF-8 readings: an
// ASCII digit, the first byte of any other digit, or what begins an escape
// or a soft line break. Filled by buildBMP.
var mayStart [256]bool

func buildMayStart() {
	for c := '0'; c <= '9'; c++ {
		mayStart[c] = true
	}
	for _, c := range "=%&\\" {
		mayStart[c] = true
	}
	var enc [utf8.UTFMax]byte
	mark := func(r rune) {
		utf8.EncodeRune(enc[:], r)
		mayStart[enc[0]] = true
	}
	for r := rune(0x80); r < 0x10000; r++ {
		if bmpClass[r] >= '0' {
			mark(r)
		}
	}
	for _, rg := range unicode.Nd.R32 {
		for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
			mark(r)
		}
	}
}

// escapeAt reads one escaped code point at b[i:] (=34, %34, &#52;, &#x34;,
// \u0034, \x34) and returns it with its length, or n == 0.
func escapeAt(b []byte, i int) (cp rune, n int, form byte) {
	switch b[i] {
	case '=', '%':
		v, ok := hexAt(b, i+1, 2)
		if !ok {
			return 0, 0, 0
		}
		if b[i] == '=' {
			return v, 3, formQP
		}
		return v, 3, formURL
	case '&':
		if i+3 >= len(b) || b[i+1] != '#' {
			return 0, 0, 0
		}
		j, base := i+2, rune(10)
		if b[j] == 'x' || b[j] == 'X' {
			j, base = j+1, 16
		}
		var v rune
		k := j
		for ; k < len(b) && k-j < 8; k++ {
			d := hexVal(b[k])
			if d < 0 || d >= base {
				break
			}
			v = v*base + d
		}
		if k == j || k >= len(b) || b[k] != ';' || v > utf8.MaxRune {
			return 0, 0, 0
		}
		return v, k + 1 - i, formEntity
	case '\\':
		if i+1 >= len(b) {
			return 0, 0, 0
		}
		switch b[i+1] {
		case 'u':
			if v, ok := hexAt(b, i+2, 4); ok {
				return v, 6, formEscape
			}
		case 'x':
			if v, ok := hexAt(b, i+2, 2); ok {
				return v, 4, formEscape
			}
		}
	}
	return 0, 0, 0
}

// hexAt reads n hex digits at b[j:].
func hexAt(b []byte, j, n int) (rune, bool) {
	if j+n > len(b) {
		return 0, false
	}
	var v rune
	for _, c := range b[j : j+n] {
		d := hexVal(c)
		if d < 0 {
			return 0, false
		}
		v = v<<4 | d
	}
	return v, true
}

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

// mayHoldEscapes says whether b holds an escaped digit or NUL, the only
// escapes the escaped reading needs (a spelling with escaped separators
// alone, like "4=2D1", is no spelling a writer makes).
func mayHoldEscapes(b []byte) bool {
	for _, e := range escapeMarks {
		if bytes.Contains(b, e) {
			return true
		}
	}
	return false
}

var escapeMarks = [][]byte{[]byte("=3"), []byte("%3"), []byte("&#"), []byte(`\u`), []byte(`\x`), []byte("=00"), []byte("%00")}

// wide reads b as UTF-16 or UTF-32 (rd).
func (s *scan) wide(b []byte, rd reading) {
	unit, be := rd.unit, rd.be
	r := s.newRun(rd.name(), 0)
	read := func(i int) rune {
		switch {
		case unit == 2 && be:
			return rune(b[i])<<8 | rune(b[i+1])
		case unit == 2:
			return rune(b[i+1])<<8 | rune(b[i])
		case be:
			return rune(uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3]))
		default:
			return rune(uint32(b[i+3])<<24 | uint32(b[i+2])<<16 | uint32(b[i+1])<<8 | uint32(b[i]))
		}
	}
	for i := rd.align; i+unit <= len(b); i += unit {
		cp := read(i)
		n := unit
		if unit == 2 && cp >= 0xD800 && cp < 0xDC00 && i+4 <= len(b) {
			if lo := read(i + 2); lo >= 0xDC00 && lo < 0xE000 {
				cp = 0x10000 + (cp-0xD800)<<10 + (lo - 0xDC00)
				n = 4
			}
		}
		cls := classOf(cp)
		switch {
		case cls >= '0':
			form := byte(formASCII)
			if cp >= 0x80 {
				form = formUnicode
			}
			r.digit(cls, i, i+n, form)
		case !r.empty():
			r.other(cls)
		}
		i += n - unit
	}
	r.flush()
}

func isHex(c byte) bool { return hexVal(c) >= 0 }
