package charset

import (
	"bytes"
	"unicode"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// legacyCJK are the multi-byte charsets undeclared 8-bit mail from East
// Asia is written in. Their full-width digits are two bytes above 0x80,
// which the Windows-1252 guess for undeclared 8-bit turns into
// punctuation: "４" in Shift_JIS is "‚S".
var legacyCJK = []encoding.Encoding{japanese.ShiftJIS, japanese.EUCJP, simplifiedchinese.GB18030, traditionalchinese.Big5, korean.EUCKR}

// legacyDigitReadings returns the readings of undeclared 8-bit bytes that
// are not UTF-8 in a legacy CJK charset that decode cleanly and show digits the
// Windows-1252 reading does not. They are scanned too: a reader whose
// client guesses that charset sees those digits.
func legacyDigitReadings(data []byte) [][]byte {
	if !hasWideDigitBytes(data) {
		return nil
	}
	var out [][]byte
	for _, e := range legacyCJK {
		dec, err := e.NewDecoder().Bytes(data)
		if err != nil || bytes.Contains(dec, replacement) || !hasWideDigit(dec) {
			continue
		}
		out = append(out, dec)
	}
	return out
}

// hasWideDigit reports whether text holds a decimal digit outside ASCII.
func hasWideDigit(text []byte) bool {
	for _, r := range string(text) {
		if r >= 0x80 && unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// hasWideDigitBytes looks for the byte pairs of a full-width digit in any
// of legacyCJK, so that most text is not decoded five times for nothing.
func hasWideDigitBytes(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		c, d := b[i], b[i+1]
		switch {
		case c == 0x82 && d >= 0x4f && d <= 0x58: // Shift_JIS
			return true
		case c == 0xa3 && d >= 0xb0 && d <= 0xb9: // EUC-JP, EUC-KR, GB 2312
			return true
		case c == 0xa2 && d >= 0xaf && d <= 0xb8: // Big5
			return true
		}
	}
	return false
}
