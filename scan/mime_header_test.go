package scan

import (
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// encodeIn returns s in the charset enc, for building encoded words.
func encodeIn(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

func qWord(cs string, b []byte) string {
	var out strings.Builder
	out.WriteString("=?" + cs + "?Q?")
	for _, c := range b {
		switch {
		case c == ' ':
			out.WriteByte('_')
		case c >= 0x80 || c == '=' || c == '?' || c == '_':
			out.WriteString("=" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		default:
			out.WriteByte(c)
		}
	}
	return out.String() + "?="
}

func bWord(cs string, b []byte, pad bool) string {
	enc := base64.StdEncoding
	if !pad {
		enc = base64.RawStdEncoding
	}
	return "=?" + cs + "?B?" + enc.EncodeToString(b) + "?="
}

// TestDecodeHeaderCharsets: a display name in any charset go-message knows,
// Q or B encoded, decodes to text in which the masker sees (and masks) the
// number; the forms mime.WordDecoder leaves raw (unpadded B, a language
// tag, a name cut across two words) too. Issue 8 item 1.
func TestDecodeHeaderCharsets(t *testing.T) {
	charsets := []struct {
		label string
		enc   encoding.Encoding
	}{
		{"windows-1252", charmap.Windows1252},
		{"iso-8859-15", charmap.ISO8859_15},
		{"iso-8859-2", charmap.ISO8859_2},
		{"koi8-r", charmap.KOI8R},
		{"ISO-8859-1", charmap.ISO8859_1},
		{"shift_jis", japanese.ShiftJIS},
		{"euc-kr", korean.EUCKR},
	}
	names := map[string]string{
		"windows-1252": "José", "iso-8859-15": "José", "iso-8859-2": "Józef", "koi8-r": "Иван",
		"ISO-8859-1": "José", "shift_jis": "山田", "euc-kr": "김",
	}
	for _, c := range charsets {
		name := names[c.label] + " card 4111 1111 1111 1111"
		b := encodeIn(t, c.enc, name)
		half := len(b) / 2
		forms := map[string]string{
			"Q":               qWord(c.label, b),
			"B":               bWord(c.label, b, true),
			"B unpadded":      bWord(c.label, b, false),
			"lower-case q":    strings.Replace(qWord(strings.ToLower(c.label), b), "?Q?", "?q?", 1),
			"language tag":    qWord(c.label+"*en", b),
			"cut in two":      bWord(c.label, b[:half], false) + "\r\n " + bWord(c.label, b[half:], true),
			"glued to text":   "Mr" + qWord(c.label, b),
			"spaces inside Q": strings.ReplaceAll(qWord(c.label, b), "_", " "),
		}
		for form, word := range forms {
			v := word + " <jose@example.org>"
			text, ok := DecodeHeader(v)
			if !ok {
				t.Errorf("%s %s: ok=false", c.label, form)
			}
			if got := found(text); got != "pan:1111" {
				t.Errorf("%s %s: decoded text holds %q, want the card", c.label, form, got)
			}
			if strings.Contains(digitsOf(MaskString(text)), "4111111111111111") {
				t.Errorf("%s %s: the masked header still holds the full number", c.label, form)
			}
			if !strings.HasSuffix(text, "<jose@example.org>") {
				t.Errorf("%s %s: address lost: %q", c.label, form, MaskString(text))
			}
		}
	}
}

// TestDecodeHeaderLabelVsBytes: a word's label is checked against its
// bytes as a body's is (issue 8 item 2, header words).
func TestDecodeHeaderLabelVsBytes(t *testing.T) {
	card := "card 4111 1111 1111 1111"
	cases := []struct {
		name, v string
	}{
		{"utf-16 label on ASCII", bWord("utf-16", []byte(card), true)},
		{"utf-16le label on ASCII", qWord("utf-16le", []byte(card))},
		{"ucs-2 label on ASCII", bWord("ucs-2", []byte(card), true)},
		{"utf-16 label on UTF-16LE", bWord("utf-16", encUTF16LE(card)[2:], true)},
		{"utf-16be label on UTF-16LE", bWord("utf-16be", encUTF16LE(card)[2:], true)},
		{"utf-32 label on ASCII", bWord("utf-32", []byte(card), true)},
		{"utf-32", bWord("utf-32", utf32LE(card), true)},
		{"utf-7 shifted digits", "=?utf-7?Q?card_+ADQAMQAxADEAIAAxADEAMQAxACAAMQAxADEAMQAgADEAMQAxADE-?="},
		{"utf-7 plain digits", "=?utf-7?Q?card_4111_1111_1111_1111?="},
		{"iso-2022-kr full-width", bWord("iso-2022-kr", iso2022kr("카드 ４１１１ １１１１ １１１１ １１１１"), true)},
		{"iso-2022-jp full-width", bWord("iso-2022-jp", iso2022jp("カード ４１１１ １１１１ １１１１ １１１１"), true)},
	}
	for _, c := range cases {
		text, ok := DecodeHeader(c.v)
		if got := found(text); got != "pan:1111" {
			t.Errorf("%s: decoded text holds %q, want the card (ok=%v)", c.name, got, ok)
		}
	}
}

// TestDecodeHeaderNotOK: ok is false exactly when something could not be
// decoded with confidence.
func TestDecodeHeaderNotOK(t *testing.T) {
	sjis := encodeIn(t, japanese.ShiftJIS, "カード ４１１１ １１１１ １１１１ １１１１")
	cases := []struct {
		name, v string
		ok      bool
	}{
		{"plain", "Jose <jose@example.org>", true},
		{"utf-8 raw", "José <jose@example.org>", true},
		{"latin-1 raw", "Jos\xe9 <jose@example.org>", true},
		{"not a word", "2+2=?4 and =?x?", true},
		{"good word", "=?utf-8?q?Jos=C3=A9?= <j@example.org>", true},
		{"broken Q escape", "=?utf-8?q?Jos=ZZ?= <j@example.org>", false},
		{"base64 junk", "=?utf-8?b?Sm9z!!!ZQ==?= <j@example.org>", false},
		{"unknown charset", "=?x-klingon?q?Jos=E9?= <j@example.org>", false},
		{"iso-2022-cn in GB 2312", "=?iso-2022-cn-ext?b?" + base64.StdEncoding.EncodeToString([]byte("\x1b$)A\x0e#4\x0f")) + "?=", true},
		{"iso-2022-cn in CNS 11643", "=?iso-2022-cn?b?" + base64.StdEncoding.EncodeToString([]byte("\x1b$)G\x0e#4\x0f")) + "?=", false},
		{"raw Shift_JIS full-width digits", string(sjis), false},
		{"utf-16 ASCII corrected", bWord("utf-16", []byte("hello there"), true), true},
	}
	for _, c := range cases {
		if _, ok := DecodeHeader(c.v); ok != c.ok {
			t.Errorf("%s: ok=%v, want %v", c.name, ok, c.ok)
		}
	}
	// The Shift_JIS reading is the one that shows the card: scanned.
	h := decodeHeaderValue(string(sjis))
	hit := false
	for _, a := range h.alts {
		hit = hit || found(a) == "pan:1111"
	}
	if !hit {
		t.Errorf("raw Shift_JIS: no reading shows the card")
	}
}

// TestDecodeHeaderEveryCharset: every charset with a MIME name that can
// write the number decodes, Q and B, to text the masker reads.
func TestDecodeHeaderEveryCharset(t *testing.T) {
	var all []encoding.Encoding
	for _, l := range [][]encoding.Encoding{charmap.All, japanese.All, korean.All, simplifiedchinese.All, traditionalchinese.All, unicode.All} {
		all = append(all, l...)
	}
	n := 0
	for _, e := range all {
		label, err := ianaindex.MIME.Name(e)
		if err != nil || label == "" {
			continue
		}
		b, err := e.NewEncoder().Bytes([]byte("card 4111 1111 1111 1111"))
		if err != nil {
			continue // cannot write ASCII digits (none should fail here)
		}
		n++
		for _, v := range []string{qWord(label, b), bWord(label, b, true), bWord(label, b, false)} {
			text, _ := DecodeHeader(v + " <a@example.org>")
			if got := found(text); got != "pan:1111" {
				t.Errorf("%s: decoded text holds %q, want the card", label, got)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d charsets tried", n)
	}
	t.Logf("%d charsets", n)
}
