package scan

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// decodeCharset turns a part's bytes into UTF-8. The declared charset is a
// hint, not a law: a BOM wins over it, UTF-16 is recognised by its NULs,
// and text labelled as a single-byte charset that is valid multi-byte UTF-8
// is UTF-8. problem is "" or an Unscannable reason; with a problem the
// returned text is still the best reading we have, and callers also scan
// the raw bytes (a false alarm is cheaper than a leak).
func decodeCharset(data []byte, declared string) (text []byte, problem string) {
	declared = strings.ToLower(strings.Trim(strings.TrimSpace(declared), `"'`))
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return validUTF8(data[3:])
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeUTF16(data, unicode.ExpectBOM)
	}
	if strings.HasPrefix(declared, "utf-16") || strings.HasPrefix(declared, "utf16") || declared == "ucs-2" || looksUTF16(data) {
		switch {
		case strings.HasSuffix(declared, "le"):
			return decodeUTF16(data, unicode.IgnoreBOM, unicode.LittleEndian)
		case strings.HasSuffix(declared, "be"):
			return decodeUTF16(data, unicode.IgnoreBOM, unicode.BigEndian)
		}
		return decodeUTF16(data, unicode.IgnoreBOM, utf16Order(data))
	}
	if declared == "" && (bytes.Contains(data, []byte("\x1b$B")) || bytes.Contains(data, []byte("\x1b$@"))) {
		declared = "iso-2022-jp" // JIS escapes: full-width digits hide in them
	}
	if isASCIIBytes(data) && asciiCompatible(declared) {
		return data, ""
	}
	switch declared {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "unknown-8bit", "x-unknown", "8bit", "default":
		return validUTF8(data)
	}
	if singleByte(declared) && utf8.Valid(data) {
		return data, "" // mislabelled UTF-8
	}
	r, err := charset.Reader(declared, bytes.NewReader(data))
	if err != nil {
		if utf8.Valid(data) {
			return data, ""
		}
		text, _ = latin1(data)
		return text, ReasonUnknownCharset
	}
	out, err := io.ReadAll(r)
	if err != nil {
		text, _ = latin1(data)
		return text, ReasonBadEncoding
	}
	return out, ""
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
		return bytes.ToValidUTF8(data, []byte("\uFFFD")), ReasonBadEncoding
	}
	return out, ""
}

func decodeUTF16(data []byte, bom unicode.BOMPolicy, order ...unicode.Endianness) ([]byte, string) {
	e := unicode.BigEndian
	if len(order) > 0 {
		e = order[0]
	}
	out, err := unicode.UTF16(e, bom).NewDecoder().Bytes(data)
	if err != nil {
		return validUTF8(data)
	}
	if len(data)%2 == 1 {
		return out, ReasonBadEncoding
	}
	return out, ""
}

// looksUTF16 reports whether NULs fill one byte of most pairs, as in UTF-16
// text of Latin script mislabelled or unlabelled.
func looksUTF16(data []byte) bool {
	n := len(data)
	if n > 4096 {
		n = 4096
	}
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

func utf16Order(data []byte) unicode.Endianness {
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
		return unicode.LittleEndian
	}
	return unicode.BigEndian
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// asciiCompatible is false for the charsets in which ASCII bytes do not
// mean ASCII (stateful or multi-byte encodings where escape sequences or
// shifts change what the bytes mean).
func asciiCompatible(cs string) bool {
	return !strings.HasPrefix(cs, "iso-2022") && !strings.HasPrefix(cs, "utf-7") &&
		!strings.HasPrefix(cs, "hz") && !strings.HasPrefix(cs, "utf-32") && !strings.Contains(cs, "ebcdic") &&
		!strings.HasPrefix(cs, "ibm0") && !strings.HasPrefix(cs, "cp0")
}

func singleByte(cs string) bool {
	return strings.HasPrefix(cs, "iso-8859") || strings.HasPrefix(cs, "iso8859") ||
		strings.HasPrefix(cs, "windows-125") || strings.HasPrefix(cs, "cp125") ||
		cs == "latin1" || cs == "latin-1" || strings.HasPrefix(cs, "koi8")
}
