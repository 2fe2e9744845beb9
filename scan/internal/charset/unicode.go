package charset

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// form is one of the Unicode encoding forms, which the bytes themselves can
// tell apart: a BOM, or the NULs that Latin text leaves in UTF-16 and UTF-32.
type form int

const (
	formNone form = iota
	formUTF8
	formUTF16LE
	formUTF16BE
	formUTF32LE
	formUTF32BE
)

// family is what a charset label promises about the bytes.
type family int

const (
	famOther     family = iota // ASCII-compatible, EBCDIC, unknown: see decodeLabelled
	famUnicode16               // utf-16, ucs-2 and their aliases
	famUnicode32               // utf-32, ucs-4
	famUTF7                    // RFC 2152
	famISO2022                 // ISO-2022-JP, -KR, -CN: 7-bit with escapes
)

// labelFamily sorts a normalised label, with the byte order it names
// (formNone when it names none).
func labelFamily(cs string) (family, form) {
	order := func(le, be form) form {
		switch {
		case strings.HasSuffix(cs, "le") || cs == "unicodefeff" || cs == "x-unicode20":
			return le
		case strings.HasSuffix(cs, "be") || cs == "unicodefffe":
			return be
		}
		return formNone
	}
	switch {
	case strings.Contains(cs, "utf-16"), strings.Contains(cs, "utf16"), strings.HasPrefix(cs, "ucs-2"), strings.HasPrefix(cs, "ucs2"),
		cs == "unicode", cs == "csunicode", cs == "iso-10646-ucs-2", cs == "unicodefeff", cs == "unicodefffe", cs == "x-unicode20":
		return famUnicode16, order(formUTF16LE, formUTF16BE)
	case strings.Contains(cs, "utf-32"), strings.Contains(cs, "utf32"), strings.HasPrefix(cs, "ucs-4"), strings.HasPrefix(cs, "ucs4"),
		cs == "iso-10646-ucs-4", cs == "csucs4":
		return famUnicode32, order(formUTF32LE, formUTF32BE)
	case cs == "utf-7", cs == "utf7", cs == "unicode-1-1-utf-7", cs == "csunicode11utf7", cs == "x-utf-7":
		return famUTF7, formNone
	case strings.HasPrefix(cs, "iso-2022-"), strings.HasPrefix(cs, "iso2022"), strings.HasPrefix(cs, "csiso2022"):
		return famISO2022, formNone
	}
	return famOther, formNone
}

// bomForm recognises a byte order mark and returns its length.
func bomForm(data []byte) (form, int) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}) && len(data)%4 == 0:
		return formUTF32LE, 4
	case bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}):
		return formUTF32BE, 4
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return formUTF8, 3
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return formUTF16LE, 2
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return formUTF16BE, 2
	}
	return formNone, 0
}

// sniffUnicode recognises UTF-32 and UTF-16 without a BOM by their NULs:
// text that is mostly ASCII leaves three NULs in each group of four (UTF-32)
// or one in each pair, always on the same side (UTF-16).
func sniffUnicode(data []byte) form {
	sample := data[:min(len(data), 4096)]
	if f := sniffUTF32(sample); f != formNone {
		return f
	}
	if looksUTF16(sample) {
		if utf16Order(sample) == formUTF16LE {
			return formUTF16LE
		}
		return formUTF16BE
	}
	return formNone
}

func sniffUTF32(s []byte) form {
	n := len(s) / 4
	if n < 2 {
		return formNone
	}
	var le, be, leLow, beLow int
	for i := 0; i < n*4; i += 4 {
		b := s[i : i+4]
		if b[3] == 0 && b[2] <= 0x10 {
			le++
			if b[2] == 0 && b[1] == 0 {
				leLow++
			}
		}
		if b[0] == 0 && b[1] <= 0x10 {
			be++
			if b[1] == 0 && b[2] == 0 {
				beLow++
			}
		}
	}
	// Every group must be a code point; most must be below U+0100 (what
	// tells UTF-32 from UTF-16 of text with many NULs).
	switch {
	case le == n && leLow*10 >= n*5 && !(be == n && beLow >= leLow):
		return formUTF32LE
	case be == n && beLow*10 >= n*5:
		return formUTF32BE
	}
	return formNone
}

// looksUTF16 reports whether NULs fill one byte of most pairs, as in UTF-16
// text of Latin script mislabelled or unlabelled.
func looksUTF16(data []byte) bool {
	n := min(len(data), 4096)
	if n < 4 {
		return false
	}
	even, odd := 0, 0
	for i := 0; i+1 < n; i += 2 {
		if data[i] == 0 {
			even++
		}
		if data[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	return even*10 >= pairs*6 || odd*10 >= pairs*6
}

func utf16Order(data []byte) form {
	even, odd := 0, 0
	for i := 0; i+1 < len(data) && i < 4096; i += 2 {
		if data[i] == 0 {
			even++
		}
		if data[i+1] == 0 {
			odd++
		}
	}
	if odd > even {
		return formUTF16LE
	}
	return formUTF16BE
}

// decodeForm decodes one Unicode form. A cut-off code unit or an unpaired
// surrogate is bad_encoding (the reading is still returned).
func decodeForm(data []byte, f form) ([]byte, string) {
	switch f {
	case formUTF16LE, formUTF16BE:
		return decodeUTF16(data, f == formUTF16LE)
	case formUTF32LE, formUTF32BE:
		return decodeUTF32(data, f == formUTF32LE)
	}
	return validUTF8(data)
}

func decodeUTF16(data []byte, le bool) ([]byte, string) {
	problem := ""
	if len(data)%2 == 1 {
		problem = budget.ReasonBadEncoding
	}
	unit := func(i int) uint16 {
		if le {
			return binary.LittleEndian.Uint16(data[i:])
		}
		return binary.BigEndian.Uint16(data[i:])
	}
	out := make([]byte, 0, len(data)+len(data)/2)
	for i := 0; i+1 < len(data); i += 2 {
		u := rune(unit(i))
		switch {
		case utf16.IsSurrogate(u) && u < 0xDC00 && i+3 < len(data):
			if r := utf16.DecodeRune(u, rune(unit(i+2))); r != utf8.RuneError {
				out = utf8.AppendRune(out, r)
				i += 2
				continue
			}
			fallthrough
		case utf16.IsSurrogate(u):
			problem = budget.ReasonBadEncoding
			u = utf8.RuneError
		}
		out = utf8.AppendRune(out, u)
	}
	return out, problem
}

func decodeUTF32(data []byte, le bool) ([]byte, string) {
	problem := ""
	if len(data)%4 != 0 {
		problem = budget.ReasonBadEncoding
	}
	out := make([]byte, 0, len(data)/2)
	for i := 0; i+3 < len(data); i += 4 {
		var u uint32
		if le {
			u = binary.LittleEndian.Uint32(data[i:])
		} else {
			u = binary.BigEndian.Uint32(data[i:])
		}
		r := rune(u)
		if u > utf8.MaxRune || utf16.IsSurrogate(r) {
			problem = budget.ReasonBadEncoding
			r = utf8.RuneError
		}
		out = utf8.AppendRune(out, r)
	}
	return out, problem
}

// decodeUnicodeLabelled reads bytes labelled UTF-16 or UTF-32. The label is
// believed only when the bytes fit it: ASCII or UTF-8 under such a label
// reads as CJK (or nothing at all) in a client that honours the label, so
// the sniffed reading is shown and both are scanned.
func decodeUnicodeLabelled(data []byte, fam family, order form) (text []byte, alts [][]byte, problem string) {
	sniffed := sniffUnicode(data)
	declared := order
	if declared == formNone {
		switch {
		case fam == famUnicode16 && (sniffed == formUTF16LE || sniffed == formUTF16BE):
			declared = sniffed
		case fam == famUnicode32 && (sniffed == formUTF32LE || sniffed == formUTF32BE):
			declared = sniffed
		case fam == famUnicode16:
			declared = formUTF16BE // RFC 2781 section 4.3
		default:
			declared = formUTF32BE
		}
	}
	declText, declProblem := decodeForm(data, declared)
	if sniffed == declared {
		return declText, nil, declProblem
	}
	if sniffed != formNone {
		text, problem = decodeForm(data, sniffed)
		return text, [][]byte{declText}, problem
	}
	if bytes.IndexByte(data, 0) < 0 && utf8.Valid(data) {
		// ASCII or UTF-8: no UTF-16 text of any length lacks the NULs its
		// line breaks and spaces leave.
		return data, [][]byte{declText}, ""
	}
	// Nothing contradicts the label (CJK text has few NULs). The other
	// byte order is read too (full-width digits show only in the right
	// one), and so are the bytes as ASCII: a stray NUL must not be enough
	// to hide ASCII digits behind the label.
	other := map[form]form{formUTF16LE: formUTF16BE, formUTF16BE: formUTF16LE, formUTF32LE: formUTF32BE, formUTF32BE: formUTF32LE}[declared]
	if alt, p := decodeForm(data, other); p == "" {
		alts = append(alts, alt)
	}
	raw, _ := validUTF8(data)
	return declText, append(alts, raw), declProblem
}
