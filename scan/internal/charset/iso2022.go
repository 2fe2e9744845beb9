package charset

import (
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// ISO-2022 (RFC 1468 -JP, RFC 1554 -JP-2, RFC 1557 -KR, RFC 1922 -CN) is
// 7-bit: escape sequences designate a character set and SO/SI shift into
// it. Full-width digits hide there as pairs of ASCII bytes ("#4#1" in KS
// X 1001). Go reads only -JP, and the WHATWG index maps -KR and -CN to a
// decoder that returns nothing but U+FFFD, so we decode all of them here:
// each 94x94 set is its EUC encoding with the high bits set.

// iso2022Set is a character set an escape sequence can designate.
type iso2022Set int

const (
	setASCII iso2022Set = iota
	setKatakana
	setJIS0208
	setJIS0212
	setGB2312
	setKSC5601
	setLatin1 // 96-character sets, by single shift only (ISO-2022-JP-2)
	setGreek
	setCNS // CNS 11643, which Go cannot decode
	setNone
)

// decodeISO2022 decodes any of the ISO-2022 variants mail uses. problem is
// unknown_charset when a set we cannot decode (CNS 11643) is used, and
// bad_encoding for an escape or byte that fits no variant.
func decodeISO2022(data []byte) ([]byte, string) {
	out := make([]byte, 0, len(data)+len(data)/2)
	problem := ""
	bad := func(p string) {
		if problem == "" || p == budget.ReasonUnknownCharset {
			problem = p
		}
	}
	g0, g1, g2, g3 := setASCII, setNone, setNone, setNone
	shifted := false
	var run []byte // EUC bytes of consecutive pairs in one set
	runSet := setNone
	flush := func() {
		if len(run) > 0 {
			dec, err := eucDecoder(runSet).Bytes(run)
			if err != nil {
				bad(budget.ReasonBadEncoding)
			}
			out = append(out, dec...)
			run = run[:0]
		}
	}
	pair := func(set iso2022Set, a, b byte) {
		if set == setCNS || set == setNone {
			flush()
			if set == setCNS {
				bad(budget.ReasonUnknownCharset)
			} else {
				bad(budget.ReasonBadEncoding)
			}
			out = utf8.AppendRune(out, utf8.RuneError)
			return
		}
		if set != runSet {
			flush()
			runSet = set
		}
		if set == setJIS0212 {
			run = append(run, 0x8f)
		}
		run = append(run, a|0x80, b|0x80)
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == 0x1b:
			set, slot, n := iso2022Escape(data[i+1:])
			if n == 0 {
				flush()
				bad(budget.ReasonBadEncoding)
				out = utf8.AppendRune(out, utf8.RuneError)
				continue
			}
			i += n
			switch slot {
			case 0:
				g0 = set
			case 1:
				g1 = set
			case 2:
				g2 = set
			case 3:
				g3 = set
			case 'N', 'O': // single shift: one character from G2 or G3
				s := g2
				if slot == 'O' {
					s = g3
				}
				i = iso2022Single(data, i, s, pair, &out, flush, bad)
			}
			continue
		case c == 0x0e: // SO
			shifted = true
			if g1 == setNone {
				bad(budget.ReasonBadEncoding)
			}
			continue
		case c == 0x0f: // SI
			shifted = false
			continue
		case c == '\n':
			// Every line starts in ASCII (RFC 1468, RFC 1557).
			flush()
			g0, shifted = setASCII, false
			out = append(out, c)
			continue
		case c >= 0x80:
			flush()
			bad(budget.ReasonBadEncoding)
			out = utf8.AppendRune(out, rune(c))
			continue
		}
		set := g0
		if shifted {
			set = g1
		}
		switch {
		case set == setASCII || c <= 0x20 || c == 0x7f:
			flush()
			out = append(out, c)
		case set == setKatakana:
			flush()
			if c < 0x60 {
				out = utf8.AppendRune(out, rune(c)+0xff61-0x21)
			} else {
				bad(budget.ReasonBadEncoding)
				out = append(out, c)
			}
		default:
			if i+1 >= len(data) || data[i+1] <= 0x20 || data[i+1] >= 0x7f {
				flush()
				bad(budget.ReasonBadEncoding)
				out = append(out, c)
				continue
			}
			pair(set, c, data[i+1])
			i++
		}
	}
	flush()
	return out, problem
}

// iso2022Single reads the one character a single shift (ESC N, ESC O)
// takes from G2 or G3 and returns the index of its last byte.
func iso2022Single(data []byte, i int, s iso2022Set, pair func(iso2022Set, byte, byte), out *[]byte, flush func(), bad func(string)) int {
	switch s {
	case setLatin1, setGreek:
		if i+1 < len(data) {
			flush()
			b := data[i+1] | 0x80
			cm := charmap.ISO8859_1
			if s == setGreek {
				cm = charmap.ISO8859_7
			}
			*out = utf8.AppendRune(*out, cm.DecodeByte(b))
			return i + 1
		}
	case setCNS, setGB2312, setKSC5601, setJIS0208, setJIS0212:
		if i+2 < len(data) {
			pair(s, data[i+1], data[i+2])
			return i + 2
		}
	}
	bad(budget.ReasonBadEncoding)
	return i
}

// iso2022Escape reads the escape sequence after ESC: the set it designates,
// the slot (0-3 for G0-G3, 'N'/'O' for a single shift) and its length.
func iso2022Escape(b []byte) (iso2022Set, int, int) {
	at := func(i int) byte {
		if i < len(b) {
			return b[i]
		}
		return 0
	}
	switch at(0) {
	case 'N', 'O':
		return setNone, int(at(0)), 1
	case '(':
		switch at(1) {
		case 'B', 'J':
			return setASCII, 0, 2
		case 'I':
			return setKatakana, 0, 2
		}
	case '.':
		switch at(1) {
		case 'A':
			return setLatin1, 2, 2
		case 'F':
			return setGreek, 2, 2
		}
	case '$':
		switch at(1) {
		case '@', 'B':
			return setJIS0208, 0, 2
		case 'A':
			return setGB2312, 0, 2
		case '(':
			switch at(2) {
			case '@', 'B':
				return setJIS0208, 0, 3
			case 'D':
				return setJIS0212, 0, 3
			case 'C':
				return setKSC5601, 0, 3
			case 'A':
				return setGB2312, 0, 3
			}
		case ')':
			switch at(2) {
			case 'C':
				return setKSC5601, 1, 3
			case 'A':
				return setGB2312, 1, 3
			case 'G', 'E':
				return setCNS, 1, 3
			}
		case '*':
			if at(2) == 'H' {
				return setCNS, 2, 3
			}
		case '+':
			if c := at(2); c >= 'I' && c <= 'M' {
				return setCNS, 3, 3
			}
		}
	}
	return setNone, 0, 0
}

func eucDecoder(s iso2022Set) *encoding.Decoder {
	switch s {
	case setJIS0208, setJIS0212:
		return japanese.EUCJP.NewDecoder()
	case setGB2312:
		return simplifiedchinese.GBK.NewDecoder()
	}
	return korean.EUCKR.NewDecoder()
}

// decodeISO2022Labelled reads bytes labelled as an ISO-2022 variant. 8-bit
// bytes do not fit the label: they are read as undeclared 8-bit text, and
// the ISO-2022 reading is scanned too.
func decodeISO2022Labelled(data []byte) (text []byte, alts [][]byte, problem string) {
	decoded, p := decodeISO2022(data)
	if !isASCIIBytes(data) {
		text, problem = validUTF8(data)
		return text, [][]byte{decoded}, problem
	}
	return decoded, nil, p
}
