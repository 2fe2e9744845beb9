package rtf

import (
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// codePage is how the bytes of one Windows code page turn into runes.
// Single-byte pages decode through a table; the East Asian double-byte
// pages need a lead byte and a trail byte, and only valid trails are
// taken, so an ASCII digit is never swallowed as the second half of a
// character.
type codePage struct {
	single *charmap.Charmap // nil for a double-byte page
	double encoding.Encoding
	lead   func(b byte) bool
	trail  func(b byte) bool
}

func between(b, lo, hi byte) bool { return b >= lo && b <= hi }

var (
	cpShiftJIS = &codePage{
		double: japanese.ShiftJIS,
		lead:   func(b byte) bool { return between(b, 0x81, 0x9f) || between(b, 0xe0, 0xfc) },
		trail:  func(b byte) bool { return between(b, 0x40, 0x7e) || between(b, 0x80, 0xfc) },
	}
	cpGBK = &codePage{
		double: simplifiedchinese.GBK,
		lead:   func(b byte) bool { return between(b, 0x81, 0xfe) },
		trail:  func(b byte) bool { return between(b, 0x40, 0x7e) || between(b, 0x80, 0xfe) },
	}
	cpUHC = &codePage{
		double: korean.EUCKR, // x/text's EUC-KR is code page 949 (Unified Hangul Code)
		lead:   func(b byte) bool { return between(b, 0x81, 0xfe) },
		trail: func(b byte) bool {
			return between(b, 0x41, 0x5a) || between(b, 0x61, 0x7a) || between(b, 0x81, 0xfe)
		},
	}
	cpBig5 = &codePage{
		double: traditionalchinese.Big5,
		lead:   func(b byte) bool { return between(b, 0x81, 0xfe) },
		trail:  func(b byte) bool { return between(b, 0x40, 0x7e) || between(b, 0xa1, 0xfe) },
	}
	cpUTF8 = &codePage{} // neither table nor pairs: decoded as UTF-8 runs
)

var singleByte = map[int]*charmap.Charmap{
	437: charmap.CodePage437, 850: charmap.CodePage850, 852: charmap.CodePage852,
	855: charmap.CodePage855, 858: charmap.CodePage858, 860: charmap.CodePage860,
	862: charmap.CodePage862, 863: charmap.CodePage863, 865: charmap.CodePage865,
	866: charmap.CodePage866, 874: charmap.Windows874,
	1250: charmap.Windows1250, 1251: charmap.Windows1251, 1252: charmap.Windows1252,
	1253: charmap.Windows1253, 1254: charmap.Windows1254, 1255: charmap.Windows1255,
	1256: charmap.Windows1256, 1257: charmap.Windows1257, 1258: charmap.Windows1258,
	10000: charmap.Macintosh, 10007: charmap.MacintoshCyrillic,
	20866: charmap.KOI8R, 21866: charmap.KOI8U,
	28591: charmap.ISO8859_1, 28592: charmap.ISO8859_2, 28593: charmap.ISO8859_3,
	28594: charmap.ISO8859_4, 28595: charmap.ISO8859_5, 28596: charmap.ISO8859_6,
	28597: charmap.ISO8859_7, 28598: charmap.ISO8859_8, 28599: charmap.ISO8859_9,
	28603: charmap.ISO8859_13, 28605: charmap.ISO8859_15,
}

// pages are the code pages this reader knows, by number.
var pages = func() map[int]*codePage {
	m := map[int]*codePage{65001: cpUTF8, 20127: {single: charmap.Windows1252}}
	for _, cp := range []int{932, 10001} {
		m[cp] = cpShiftJIS
	}
	for _, cp := range []int{936, 10008, 20936} {
		m[cp] = cpGBK
	}
	for _, cp := range []int{949, 10003, 51949} {
		m[cp] = cpUHC
	}
	for _, cp := range []int{950, 10002} {
		m[cp] = cpBig5
	}
	for cp, cm := range singleByte {
		m[cp] = &codePage{single: cm}
	}
	return m
}()

// lookupCodePage finds a Windows code page by number; ok is false for one
// this reader does not know.
func lookupCodePage(cp int) (*codePage, bool) {
	p, ok := pages[cp]
	return p, ok
}

// KnownCodePage reports whether DecodeCodePage can decode Windows code
// page cp.
func KnownCodePage(cp int) bool {
	_, ok := lookupCodePage(cp)
	return ok
}

// DecodeCodePage turns bytes in Windows code page cp into UTF-8. ok is
// false when the code page is unknown: the bytes are then read as
// Windows-1252 (every ASCII digit stays a digit) and the caller reports
// the text as not read with confidence.
func DecodeCodePage(cp int, b []byte) (s string, ok bool) {
	if isASCII(b) {
		return string(b), true
	}
	p, ok := lookupCodePage(cp)
	if !ok {
		p = pages[1252]
	}
	var d decoder
	out := make([]byte, 0, len(b)+len(b)/2)
	for _, c := range b {
		out = d.byte(p, c, out)
	}
	out = d.flush(out)
	return string(out), ok
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// decoder carries the half-read character between bytes: the lead byte
// of a double-byte character, or the start of a UTF-8 sequence.
type decoder struct {
	held []byte
	page *codePage
	buf  [4]byte

	dbcs     *encoding.Decoder
	dbcsPage *codePage
}

// byte decodes one more byte in page p, appending what it completes.
func (d *decoder) byte(p *codePage, c byte, out []byte) []byte {
	if d.page != p && len(d.held) > 0 {
		out = d.flush(out)
	}
	d.page = p
	switch {
	case p == cpUTF8:
		d.held = append(d.held, c)
		if utf8.FullRune(d.held) || len(d.held) >= utf8.UTFMax {
			r, n := utf8.DecodeRune(d.held)
			out = utf8.AppendRune(out, r)
			var rest [utf8.UTFMax]byte
			m := copy(rest[:], d.held[n:])
			d.held = d.buf[:0]
			for _, b := range rest[:m] {
				out = d.byte(p, b, out)
			}
		}
		return out
	case p.single != nil:
		if c < 0x80 {
			return append(out, c)
		}
		return utf8.AppendRune(out, p.single.DecodeByte(c))
	}
	if len(d.held) == 1 {
		lead := d.held[0]
		d.held = d.buf[:0]
		if p.trail(c) {
			return d.decodeDouble(p, []byte{lead, c}, out)
		}
		out = utf8.AppendRune(out, utf8.RuneError)
		// c is not a trail: it stands on its own.
	}
	if c < 0x80 {
		return append(out, c)
	}
	if p.lead(c) {
		d.held = append(d.buf[:0], c)
		return out
	}
	return d.decodeDouble(p, []byte{c}, out)
}

// decodeDouble decodes one character of a double-byte page through a
// decoder kept for that page, into a fixed buffer: no allocation per
// character.
func (d *decoder) decodeDouble(p *codePage, src []byte, out []byte) []byte {
	if d.dbcs == nil || d.dbcsPage != p {
		d.dbcs, d.dbcsPage = p.double.NewDecoder(), p
	}
	d.dbcs.Reset()
	var dst [16]byte
	n, _, err := d.dbcs.Transform(dst[:], src, true)
	if err != nil || n == 0 {
		return utf8.AppendRune(out, utf8.RuneError)
	}
	return append(out, dst[:n]...)
}

// flush ends a half-read character as U+FFFD.
func (d *decoder) flush(out []byte) []byte {
	if len(d.held) == 0 {
		return out
	}
	if d.page == cpUTF8 {
		for len(d.held) > 0 {
			r, n := utf8.DecodeRune(d.held)
			out = utf8.AppendRune(out, r)
			d.held = d.held[n:]
		}
	} else {
		out = utf8.AppendRune(out, utf8.RuneError)
	}
	d.held = d.buf[:0]
	return out
}

// charsetCodePage maps a font's \fcharset to its code page; 0 means the
// document's own (\ansicpg). Values from the RTF 1.9.1 specification.
func charsetCodePage(charset int) int {
	switch charset {
	case 0:
		return 1252
	case 1, 2, 3: // default, symbol, invalid: the document's page
		return 0
	case 77:
		return 10000
	case 78:
		return 10001
	case 79:
		return 10003
	case 80:
		return 10008
	case 81:
		return 10002
	case 83:
		return 10005
	case 84:
		return 10004
	case 85:
		return 10006
	case 86:
		return 10081
	case 87:
		return 10021
	case 88:
		return 10029
	case 89:
		return 10007
	case 128:
		return 932
	case 129:
		return 949
	case 130:
		return 1361
	case 134:
		return 936
	case 136:
		return 950
	case 161:
		return 1253
	case 162:
		return 1254
	case 163:
		return 1258
	case 177:
		return 1255
	case 178:
		return 1256
	case 186:
		return 1257
	case 204:
		return 1251
	case 222:
		return 874
	case 238:
		return 1250
	case 254:
		return 437
	case 255:
		return 850
	}
	return -charset - 1 // unknown: negative, and reported when it is used
}
