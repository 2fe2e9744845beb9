package charset

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// decodeUTF7 decodes UTF-7 (RFC 2152), which no Go library reads: digits
// can hide in it as base64 of UTF-16 ("+ADQAMQ-" is "41"), where a client
// that honours the label shows them. problem is bad_encoding for bytes
// UTF-7 cannot hold or a shifted run left with stray bits; the reading
// goes on past them.
func decodeUTF7(data []byte) ([]byte, string) {
	out := make([]byte, 0, len(data))
	problem := ""
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c >= 0x80 {
			problem = budget.ReasonBadEncoding
			out = utf8.AppendRune(out, rune(c)) // as Latin-1, so digits nearby stay digits
			continue
		}
		if c != '+' {
			out = append(out, c)
			continue
		}
		// "+-" is a plus sign.
		if i+1 < len(data) && data[i+1] == '-' {
			out = append(out, '+')
			i++
			continue
		}
		var bits uint32
		var nbits int
		var units []uint16
		j := i + 1
		for ; j < len(data); j++ {
			v, ok := Base64Value(data[j])
			if !ok {
				break
			}
			bits = bits<<6 | uint32(v)
			nbits += 6
			if nbits >= 16 {
				nbits -= 16
				units = append(units, uint16(bits>>nbits))
				bits &= 1<<nbits - 1
			}
		}
		if nbits >= 6 || bits != 0 {
			problem = budget.ReasonBadEncoding // RFC 2152: the leftover bits must be a few zeros
		}
		for _, r := range utf16.Decode(units) {
			if r == utf8.RuneError {
				problem = budget.ReasonBadEncoding
			}
			out = utf8.AppendRune(out, r)
		}
		// A '-' ends the run and is absorbed; any other character ends it
		// and is itself.
		if j < len(data) && data[j] == '-' {
			i = j
		} else {
			i = j - 1
		}
	}
	return out, problem
}

// Base64Value is the value of one base64 digit (RFC 4648 alphabet); ok is
// false for any other byte.
func Base64Value(c byte) (byte, bool) {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A', true
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26, true
	case c >= '0' && c <= '9':
		return c - '0' + 52, true
	case c == '+':
		return 62, true
	case c == '/':
		return 63, true
	}
	return 0, false
}

// decodeUTF7Labelled reads bytes labelled UTF-7. 8-bit bytes do not fit
// the label (UTF-7 is 7-bit): then they are read as undeclared 8-bit text,
// and the UTF-7 reading is scanned too.
func decodeUTF7Labelled(data []byte) (text []byte, alts [][]byte, problem string) {
	decoded, p := decodeUTF7(data)
	if !isASCIIBytes(data) {
		text, problem = validUTF8(data)
		return text, [][]byte{decoded}, problem
	}
	if p != "" {
		// What a client that does not read UTF-7 shows.
		return decoded, [][]byte{data}, p
	}
	return decoded, nil, ""
}
