// Package guard is intake's second line of defence: a deliberately crude,
// paranoid check on the exact bytes about to be stored, shown or sent. It
// looks for any Luhn-valid run of 13 to 19 digits with a card issuer's
// prefix, and for any SSA-valid nine-digit run near an SSN word, however
// the digits are written: UTF-16 or UTF-32 of either endian, full-width or
// other Unicode digits, and any short run of punctuation, spaces, NULs,
// format characters or a quoted line break between digit groups. What it
// passes over on purpose is listed in rules.go and normalise.go: codes of
// letters and digits, IBANs, UPS numbers, decimals, a row of tab-separated
// cells among rows of figures (as the precise scanner does), and digits
// split by bytes that are not UTF-8 in binary data.
//
// It shares no code with scan on purpose: a bug in the precise scanner must
// not be a bug here too. It decides nothing about masking; a Hit only says
// that the text must not be kept or sent as it is. Hits name the rule and
// where the run starts, never the digits.
//
// The whole check is normalise.go (how bytes become a plain line of digits,
// letters and separators) and rules.go (what counts as a number).
package guard

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// Rules, as they appear in a Hit (and in metric labels).
const (
	RuleCard = "card_luhn_prefix" // Luhn-valid 13-19 digits with an issuer prefix
	RuleSSN  = "ssn_near_keyword" // SSA-valid 9 digits near an SSN word
)

// Hit is one number the guard found. It never holds the digits.
type Hit struct {
	Rule   string // RuleCard or RuleSSN
	Kind   string // "pan" or "ssn"
	Offset int    // byte offset in the input of the run's first digit
	Read   string // how the bytes were read: "utf-8", "utf-16le", ...
}

func (h Hit) String() string {
	return h.Rule + " at byte " + strconv.Itoa(h.Offset) + " (" + h.Read + ")"
}

// Text checks a string.
func Text(s string) []Hit { return Bytes([]byte(s)) }

// Bytes checks bytes of any kind (a text field, an attachment). They are
// always read as UTF-8 (NULs dropped, so UTF-16 and UTF-32 of ASCII read
// right too); also as UTF-16 of both byte orders when they are not valid
// UTF-8 (full-width digits in UTF-16 hold no NUL), and as UTF-32 too when
// they look wide: a byte-order mark, or one NUL in eight bytes. A reading
// that meets many invalid code units (binary data) is not tried.
func Bytes(b []byte) []Hit {
	hits := check(b, "utf-8", nil)
	wide := looksWide(b)
	for _, v := range wideViews {
		if (wide || (v.unit == 2 && !utf8.Valid(b))) && plausible(b, v.dec) {
			hits = append(hits, check(b, v.name, v.dec)...)
		}
	}
	return hits
}

func check(b []byte, read string, dec decoder) []Hit {
	t, starts := normalise(b, dec)
	hits := findNumbers(t, starts)
	for i := range hits {
		hits[i].Read = read
	}
	return hits
}

// decoder reads one character from the front of b.
type decoder func(b []byte) (r rune, size int)

func looksWide(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	if (b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff) ||
		(b[0] == 0 && b[1] == 0 && b[2] == 0xfe && b[3] == 0xff) {
		return true
	}
	nuls := 0
	for _, c := range b {
		if c == 0 {
			nuls++
		}
	}
	return nuls*8 >= len(b)
}

var wideViews = []struct {
	name string
	unit int
	dec  decoder
}{
	{"utf-16le", 2, wide16(binary.LittleEndian)},
	{"utf-16be", 2, wide16(binary.BigEndian)},
	{"utf-32le", 4, wide32(binary.LittleEndian)},
	{"utf-32be", 4, wide32(binary.BigEndian)},
}

// plausible reports whether b read with dec is text: at most one code
// unit in 256 invalid (an unpaired surrogate, a value past U+10FFFF).
// Binary data read as UTF-16 fails about one unit in 30.
func plausible(b []byte, dec decoder) bool {
	bad := 0
	for i := 0; i < len(b); {
		r, size := dec(b[i:])
		if r == utf8.RuneError {
			bad++
		}
		i += size
	}
	return bad*256 <= len(b)
}

func wide16(order binary.ByteOrder) decoder {
	return func(b []byte) (rune, int) {
		if len(b) < 2 {
			return utf8.RuneError, len(b)
		}
		u := rune(order.Uint16(b))
		if u < 0xd800 || u > 0xdfff {
			return u, 2
		}
		if u <= 0xdbff && len(b) >= 4 {
			if l := rune(order.Uint16(b[2:])); l >= 0xdc00 && l <= 0xdfff {
				return 0x10000 + (u-0xd800)<<10 + (l - 0xdc00), 4
			}
		}
		return utf8.RuneError, 2
	}
}

func wide32(order binary.ByteOrder) decoder {
	return func(b []byte) (rune, int) {
		if len(b) < 4 {
			return utf8.RuneError, len(b)
		}
		u := order.Uint32(b)
		if u > utf8.MaxRune || (u >= 0xd800 && u <= 0xdfff) {
			return utf8.RuneError, 4
		}
		return rune(u), 4
	}
}
