// Package charset turns the bytes of a text part, an encoded header word
// or a parameter into UTF-8 for the scanner's walk, by the charset they
// declare checked against the bytes themselves (Decode): a BOM, NULs
// between ASCII bytes, ISO-2022 escapes or UTF-7 shifts under another
// label are read as a client that sniffs reads them, and every reading
// some client could show besides the one shown to staff comes back too, to
// be scanned. Unicode forms (unicode.go), UTF-7 (utf7.go), ISO-2022
// (iso2022.go) and the digits legacy CJK charsets could show (legacy.go)
// are decoded here; other charsets through go-message and x/text. What
// cannot be read with confidence is a reason (unknown_charset,
// bad_encoding), with the best reading still returned.
//
// Budgets: it allocates in proportion to its input (the walk has charged
// that input to the message's budget); the table of charset labels it has
// looked up is bounded (a sender can invent a new label with every
// message).
package charset

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	mcharset "github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// Decode turns a part's bytes into UTF-8. The declared charset is a
// hint, not a law: a sender (or an attacker) labels ASCII "utf-16" so that
// a reader honouring the label sees CJK and the scanner sees nothing. So
// the label is checked against the bytes. A BOM wins over it; a label the
// bytes do not fit is corrected by sniffing, and then both readings are
// scanned: text is the one shown to staff, alts are the others some client
// could show (scanned for findings only). problem is "" or an Unscannable
// reason; with a problem text is still the best reading we have, and
// callers also scan the raw bytes (a false alarm is cheaper than a leak).
func Decode(data []byte, declared string) (text []byte, alts [][]byte, problem string) {
	cs := NormLabel(declared)
	if f, n := bomForm(data); f != formNone {
		text, problem = decodeForm(data[n:], f)
		return text, nil, problem
	}
	switch fam, order := labelFamily(cs); fam {
	case famUnicode16, famUnicode32:
		return decodeUnicodeLabelled(data, fam, order)
	case famUTF7:
		return decodeUTF7Labelled(data)
	case famISO2022:
		return decodeISO2022Labelled(data)
	}
	// NULs in every other byte (or three of four) are UTF-16 (UTF-32)
	// whatever the label says: no client shows the NULs, and the digits
	// between them are what a person reads.
	if f := sniffUnicode(data); f != formNone {
		text, problem = decodeForm(data, f)
		return text, nil, problem
	}
	text, alts, problem = decodeLabelled(data, cs)
	if bytes.IndexByte(data, 0x1b) >= 0 && problem == "" {
		// ISO-2022 escapes under another label: a client that sniffs shows
		// the full-width digits they hide.
		if iso, p := decodeISO2022(data); p != budget.ReasonUnknownCharset && !bytes.Equal(iso, text) {
			if isNoneLabel(cs) && p == "" {
				alts = append(alts, text)
				text = iso
			} else {
				alts = append(alts, iso)
			}
		}
	}
	return text, alts, problem
}

// decodeLabelled reads bytes under a label that is ASCII-compatible or not
// of the Unicode families: legacy charsets, EBCDIC, unknown labels.
func decodeLabelled(data []byte, cs string) (text []byte, alts [][]byte, problem string) {
	if isNoneLabel(cs) {
		if utf8.Valid(data) {
			return data, nil, ""
		}
		text, problem = latin1(data)
		return text, legacyDigitReadings(data), problem
	}
	info := charsetInfo(cs)
	switch {
	case !info.known:
		// Bytes a label we do not know would turn into other characters
		// cannot be read with confidence; UTF-8 under an unknown label of
		// an ASCII family is what such a client shows anyway.
		if utf8.Valid(data) && asciiCompatible(cs) {
			return data, nil, ""
		}
		text, _ = latin1(data)
		return text, nil, budget.ReasonUnknownCharset
	case info.replacement:
		// The WHATWG index maps some labels (ISO-2022-CN-EXT...) to a
		// decoder that turns everything into U+FFFD.
		text, _ = validUTF8(data)
		return text, nil, budget.ReasonUnknownCharset
	case !info.asciiCompat:
		// EBCDIC and its kin: ASCII text under such a label is mislabelled
		// (EBCDIC letters and digits are all above 0x80).
		decl, err := info.decode(data)
		if isASCIIBytes(data) {
			if err == nil {
				alts = append(alts, decl)
			}
			return data, alts, ""
		}
		if err != nil {
			text, _ = latin1(data)
			return text, nil, budget.ReasonBadEncoding
		}
		return decl, nil, ""
	}
	if isASCIIBytes(data) && !info.stateful {
		return data, nil, ""
	}
	decl, err := info.decode(data)
	if err != nil {
		text, _ = latin1(data)
		return text, nil, budget.ReasonBadEncoding
	}
	if !utf8.Valid(data) {
		if bytes.Count(decl, replacement) > 0 {
			// Bytes the charset has no character for: scan the raw
			// reading too, where the digits are still ASCII.
			raw, _ := latin1(data)
			alts = append(alts, raw)
		}
		return decl, alts, ""
	}
	// Valid multi-byte UTF-8 under a legacy label: mislabelled UTF-8 for a
	// single-byte charset (a CJK charset rarely leaves valid UTF-8 behind
	// unless it is). Both readings are scanned.
	if info.singleByte || bytes.Count(decl, replacement) > bytes.Count(data, replacement) {
		return data, [][]byte{decl}, ""
	}
	return decl, [][]byte{data}, ""
}

var replacement = []byte("\uFFFD")

// NormLabel is the charset label as the lookups want it: lower case,
// unquoted, without an RFC 2231 language ("utf-8*en").
func NormLabel(cs string) string {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
	if i := strings.IndexByte(cs, '*'); i >= 0 {
		cs = cs[:i]
	}
	return strings.TrimSpace(cs)
}

// isNoneLabel is true for the labels that mean "ASCII or UTF-8, or we were
// not told": raw 8-bit in them is read as UTF-8, else Windows-1252.
func isNoneLabel(cs string) bool {
	switch cs {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "unknown-8bit", "x-unknown", "8bit", "default", "x-utf_8j", "ansi_x3.4-1968":
		return true
	}
	return false
}

// validUTF8 returns UTF-8 as is and reads anything else as Windows-1252,
// what undeclared 8-bit mail almost always is. Digits are ASCII in both, so
// detection does not depend on the guess.
func validUTF8(data []byte) ([]byte, string) {
	if utf8.Valid(data) {
		return data, ""
	}
	return latin1(data)
}

func latin1(data []byte) ([]byte, string) {
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return bytes.ToValidUTF8(data, replacement), budget.ReasonBadEncoding
	}
	return out, ""
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// asciiCompatible is false for the names of charsets in which ASCII bytes
// do not mean ASCII (stateful or multi-byte encodings where escape
// sequences or shifts change what the bytes mean). Used for labels no
// lookup knows; known ones are probed.
func asciiCompatible(cs string) bool {
	for _, p := range []string{"iso-2022", "iso2022", "csiso2022", "utf-7", "utf7", "hz", "utf-32", "utf32",
		"ucs", "utf-16", "utf16", "unicode", "ebcdic", "ibm", "cp0", "cp1026", "cp500", "scsu", "bocu", "imap"} {
		if strings.Contains(cs, p) {
			return false
		}
	}
	return true
}

func singleByte(cs string) bool {
	return strings.HasPrefix(cs, "iso-8859") || strings.HasPrefix(cs, "iso8859") ||
		strings.HasPrefix(cs, "windows-125") || strings.HasPrefix(cs, "cp125") ||
		cs == "latin1" || cs == "latin-1" || strings.HasPrefix(cs, "koi8")
}

// csInfo is what a label's lookup tells: whether go-message knows it, and
// how its decoder treats ASCII.
type csInfo struct {
	label       string
	enc         encoding.Encoding // nil with known: only charset.Reader knows it
	known       bool
	replacement bool // decodes everything to U+FFFD
	asciiCompat bool // ASCII bytes decode to themselves
	stateful    bool // ASCII bytes can shift into another set (HZ)
	singleByte  bool
}

func (i *csInfo) decode(data []byte) ([]byte, error) {
	if i.enc != nil {
		return i.enc.NewDecoder().Bytes(data)
	}
	r, err := mcharset.Reader(i.label, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

var (
	csInfos     sync.Map // label -> *csInfo
	csInfoCount atomic.Int64
)

const maxCSInfos = 4096

// asciiProbe is text whose every byte means the same in every
// ASCII-compatible charset.
var asciiProbe = []byte("0123456789 ABCXYZ abcxyz -.:/\r\n")

func charsetInfo(cs string) *csInfo {
	if v, ok := csInfos.Load(cs); ok {
		return v.(*csInfo)
	}
	info := &csInfo{label: cs}
	info.enc = lookupCharset(cs)
	info.known = info.enc != nil
	if !info.known {
		// go-message's own quirks and registered charsets.
		if _, err := mcharset.Reader(cs, bytes.NewReader(nil)); err == nil {
			info.known = true
		}
	}
	if info.known {
		info.replacement = info.enc == encoding.Replacement
		out, err := info.decode(asciiProbe)
		info.asciiCompat = err == nil && bytes.Equal(out, asciiProbe)
		// HZ-GB-2312 keeps ASCII but "~{" shifts into GB 2312.
		if out, err := info.decode([]byte("~{~}")); err == nil && !bytes.Equal(out, []byte("~{~}")) {
			info.stateful = true
		}
		_, isCharmap := info.enc.(*charmap.Charmap)
		info.singleByte = isCharmap || singleByte(cs)
	}
	// Bounded: a sender can invent a new label with every message.
	if csInfoCount.Add(1) <= maxCSInfos {
		csInfos.Store(cs, info)
	}
	return info
}

// lookupCharset finds a label the way go-message/charset does (IANA names,
// then "cs" aliases, then the WHATWG index), returning the encoding itself
// so that its nature can be probed.
func lookupCharset(cs string) encoding.Encoding {
	switch cs {
	case "ansi_x3.110-1983":
		return charmap.ISO8859_1
	}
	if e, err := ianaindex.MIME.Encoding(cs); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding("cs" + cs); err == nil && e != nil {
		return e
	}
	if e, err := htmlindex.Get(cs); err == nil && e != nil {
		return e
	}
	return nil
}

// PlainUTF8 reports whether Decode reads a text labelled label, starting
// with head (its first 4 KiB or more), as the bytes themselves, provided
// the whole text is valid UTF-8 and holds no ESC: no byte-order mark, no
// UTF-16 or UTF-32 pattern, and a label that asks for no conversion. A
// caller that reads the text in pieces checks those two itself.
func PlainUTF8(label string, head []byte) bool {
	if f, _ := bomForm(head); f != formNone {
		return false
	}
	return isNoneLabel(NormLabel(label)) && sniffUnicode(head) == formNone
}
