package guard

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The normalised text is one byte per character, so that the rules read
// plain ASCII:
//
//	'0'-'9'  every Unicode decimal digit (after NFKC: full-width, Arabic-Indic...)
//	'a'-'z'  a Latin letter (ASCII ones lower-cased, any other one is 'z')
//	wordByte any other letter or number (CJK, Cyrillic...): ends a number
//	'\n'     a line break of any kind
//	'\t'     a tab, kept apart for the rule on rows of cells
//	' '      any other white space (no-break and ideographic spaces...)
//	others   punctuation and control characters as they are; a non-ASCII
//	         one, and a byte that is not UTF-8 in text, becomes a byte of
//	         its own above 0x80
//
// and NULs, CR, format characters (zero-width spaces and joiners,
// direction marks, the soft hyphen), combining marks and quoted-printable
// soft breaks ("=" ending a line) are dropped, since a reader does not see
// them. In binary data (see isBinary) a byte that is not UTF-8 is wordByte:
// it ends a number rather than separating its groups.
const wordByte = 0x7f

// normalise reads b with dec (nil: UTF-8) and returns the normalised text
// and, for each group of digits in it, where its first digit was in b.
func normalise(b []byte, dec decoder) (t []byte, starts []int) {
	bin := dec == nil && isBinary(b)
	t = make([]byte, 0, len(b))
	var enc [utf8.UTFMax]byte
	var nfkc []byte
	for i := 0; i < len(b); {
		at := i
		var r rune
		if dec == nil && b[i] < utf8.RuneSelf {
			r, i = rune(b[i]), i+1 // the common case, kept quick
		} else {
			if dec == nil {
				dec = utf8.DecodeRune
			}
			var size int
			r, size = dec(b[i:])
			i += size
		}
		if r == utf8.RuneError && bin {
			t = append(t, wordByte)
			continue
		}
		if r < utf8.RuneSelf || r == utf8.RuneError || invisible(r) {
			t, starts = add(t, starts, r, at)
			continue
		}
		nfkc = norm.NFKC.Append(nfkc[:0], enc[:utf8.EncodeRune(enc[:], r)]...)
		for len(nfkc) > 0 {
			r2, n := utf8.DecodeRune(nfkc)
			nfkc = nfkc[n:]
			t, starts = add(t, starts, r2, at)
		}
	}
	return t, starts
}

// add appends the normalised form of r, read at offset at, to t.
func add(t []byte, starts []int, r rune, at int) ([]byte, []int) {
	var c byte
	if r < utf8.RuneSelf {
		c = asciiClass[r]
	} else {
		c = classify(r)
	}
	if c == 0 {
		return t, starts
	}
	if c == '\n' && len(t) > 0 && t[len(t)-1] == '=' {
		return t[:len(t)-1], starts // a soft break: the line goes on
	}
	if isDigit(c) && (len(t) == 0 || !isDigit(t[len(t)-1])) {
		starts = append(starts, at)
	}
	return append(t, c), starts
}

// asciiClass is classify for ASCII, looked up.
var asciiClass = func() (a [utf8.RuneSelf]byte) {
	for r := range a {
		a[r] = classify(rune(r))
	}
	return a
}()

// classify returns the normalised byte for r, or 0 to drop it.
func classify(r rune) byte {
	switch {
	case r == 0 || r == '\r' || invisible(r):
		return 0
	case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r == '\n', r == '\t', r == ' ':
		return byte(r)
	case r >= 'A' && r <= 'Z':
		return byte(r) + 'a' - 'A'
	case r == 0x7f:
		return 0x1f // keep DEL apart from wordByte
	case r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
		return '\n'
	case unicode.IsSpace(r):
		return ' '
	case r < utf8.RuneSelf:
		return byte(r)
	case unicode.IsDigit(r):
		return digitValue(r)
	case unicode.IsLetter(r) && unicode.Is(unicode.Latin, r):
		return 'z'
	case unicode.IsLetter(r) || unicode.IsNumber(r):
		return wordByte
	}
	return 0x80 | byte(r&0x7f)
}

// invisible reports the characters a reader does not see: format
// characters (Cf) and combining marks.
func invisible(r rune) bool {
	return r >= 0x80 && (unicode.Is(unicode.Cf, r) || unicode.Is(unicode.M, r))
}

// digitValue maps a Unicode decimal digit to ASCII. Unicode encodes every
// set of decimal digits as ten consecutive code points from zero, and the
// ranges of unicode.Nd start at a zero.
func digitValue(r rune) byte {
	for _, rg := range unicode.Nd.R16 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return byte('0' + (r-lo)%10)
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return byte('0' + (r-lo)%10)
		}
	}
	return wordByte
}

// isBinary reports whether b is not text: at least 16 bytes, and more than
// one in eight, are not UTF-8. Compressed and image data are; text in a
// legacy 8-bit charset, whose no-break spaces and dashes separate digit
// groups as well as any, is not.
func isBinary(b []byte) bool {
	if utf8.Valid(b) {
		return false
	}
	bad := 0
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			bad++
		}
		i += size
	}
	return bad >= 16 && bad*8 > len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// isLatin reports a normalised Latin letter: digits glued to one are part
// of a code (hex, base64, an IBAN, a Message-ID), not a number.
func isLatin(c byte) bool { return c >= 'a' && c <= 'z' }

// isWord reports a normalised letter or number other than a digit: it
// ends a run of digit groups.
func isWord(c byte) bool { return isLatin(c) || c == wordByte }
