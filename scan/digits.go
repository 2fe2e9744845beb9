package scan

import (
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// nextCandidate returns the index of the first byte at or after i that is an
// ASCII digit or may start a non-ASCII digit, or -1. Prose is mostly
// neither, so this is the loop the detector spends its time in: it looks at
// eight bytes per step. No decimal digit of any script lies below U+0660,
// whose UTF-8 lead byte is 0xD9: Latin, Greek and Cyrillic letters (lead
// bytes 0xC2-0xD8) and continuation bytes are passed over here.
func nextCandidate(text []byte, i int) int {
	// Two words per step: prose has no candidate in most of them.
	for ; i+16 <= len(text); i += 16 {
		x1 := binary.LittleEndian.Uint64(text[i:])
		x2 := binary.LittleEndian.Uint64(text[i+8:])
		if (x1|x2)&high != 0 {
			if j := candidateIn(text, i, 16); j >= 0 {
				return j
			}
			continue
		}
		if m := asciiDigits(x1); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		if m := asciiDigits(x2); m != 0 {
			return i + 8 + bits.TrailingZeros64(m)/8
		}
	}
	if j := candidateIn(text, i, len(text)-i); j >= 0 {
		return j
	}
	return -1
}

const high = 0x8080808080808080

// asciiDigits has the high bit set in each byte of x (all below 0x80) that
// is an ASCII digit: (b ^ '0') < 10. A borrow can only mark bytes above a
// digit, so the lowest mark is always exact.
func asciiDigits(x uint64) uint64 {
	v := x ^ 0x3030303030303030
	return (v - 0x0A0A0A0A0A0A0A0A) &^ v & high
}

// candidateIn looks at n bytes from i one at a time.
func candidateIn(text []byte, i, n int) int {
	for k := i; k < i+n; k++ {
		if c := text[k]; c-'0' < 10 || c >= 0xD9 {
			return k
		}
	}
	return -1
}

// digitAt decodes the character at text[i] and reports its decimal value if
// it is a digit in any script (ASCII, full-width, Arabic-Indic, Devanagari,
// mathematical...), and its length in bytes.
func digitAt(text []byte, i int) (val int, size int, ok bool) {
	c := text[i]
	if c < 0x80 {
		if c >= '0' && c <= '9' {
			return int(c - '0'), 1, true
		}
		return 0, 1, false
	}
	r, size := utf8.DecodeRune(text[i:])
	v, ok := unicodeDigit(r)
	return v, size, ok
}

// unicodeDigit maps a non-ASCII decimal digit to its value. Every range of
// the Unicode Nd category is a whole number of ten-digit blocks starting at
// a zero (checked by a test), so the value is the offset modulo ten. NFKC
// would give the same answer for full-width and mathematical digits, and we
// also accept native digits of other scripts: a member typing their number
// on an Arabic keyboard is still sending it.
func unicodeDigit(r rune) (int, bool) {
	if r < 0x660 || r == utf8.RuneError {
		return 0, false
	}
	if r >= 0x3000 && r < 0xA620 { // CJK and Hangul: no digits, skip the search
		return 0, false
	}
	if r >= 0xFF10 && r <= 0xFF19 { // full-width, the common case
		return int(r - 0xFF10), true
	}
	if !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}

// runeBefore returns the character ending just before i, or 0 at the start.
func runeBefore(text []byte, i int) rune {
	if i <= 0 {
		return 0
	}
	r, _ := utf8.DecodeLastRune(text[:i])
	return r
}

// runeAt returns the character starting at i, or 0 at the end.
func runeAt(text []byte, i int) rune {
	if i >= len(text) {
		return 0
	}
	if c := text[i]; c < 0x80 {
		return rune(c)
	}
	r, _ := utf8.DecodeRune(text[i:])
	return r
}

func isLetter(r rune) bool {
	if r < 0x80 {
		return (r|0x20) >= 'a' && (r|0x20) <= 'z'
	}
	return unicode.IsLetter(r)
}

func isDecDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(r rune) bool {
	if r < 0x80 {
		return (r >= '0' && r <= '9') || (r|0x20) >= 'a' && (r|0x20) <= 'z'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// wordChar reports whether r continues a word for the context rules (a
// number glued to a token is part of the token): a letter or digit of a
// script written with spaces between words. Letters of the scripts written
// without them are boundaries: in "カード番号は4111…です" or
// "我的卡号是4111…谢谢" the number stands on its own.
func wordChar(r rune) bool {
	return isAlnum(r) && !spaceless(r)
}

// spaceless reports whether r belongs to a script whose words are not
// separated by spaces (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar,
// Tibetan, Yi), or to Hangul, whose particles are glued to numbers.
func spaceless(r rune) bool {
	switch {
	case r < 0x0E00:
		return false
	case r <= 0x0FFF: // Thai, Lao, Tibetan
		return true
	case r <= 0x109F: // Myanmar
		return true
	case r >= 0x1100 && r <= 0x11FF: // Hangul Jamo
		return true
	case r >= 0x1780 && r <= 0x17FF, r >= 0x19E0 && r <= 0x19FF: // Khmer
		return true
	case r >= 0x2E80 && r <= 0xA4CF: // CJK radicals, kana, Bopomofo, Hangul compatibility, CJK ideographs, Yi
		return true
	case r >= 0xA960 && r <= 0xA97F, r >= 0xAC00 && r <= 0xD7FF: // Hangul
		return true
	case r >= 0xF900 && r <= 0xFAFF: // CJK compatibility ideographs
		return true
	case r >= 0xFF66 && r <= 0xFFDC: // half-width katakana and Hangul
		return true
	case r >= 0x1B000 && r <= 0x1B16F: // kana supplement
		return true
	case r >= 0x20000 && r <= 0x323AF: // CJK extensions
		return true
	}
	return false
}
