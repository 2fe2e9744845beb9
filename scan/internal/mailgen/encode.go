package mailgen

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// charset is one way to turn a part's text into bytes.
type charset struct {
	name  string // for the Shape: "utf-8", "undeclared-8bit"...
	label string // the charset parameter; "" for none
	enc   encoding.Encoding
	bom   []byte
	wide  bool // UTF-16: NUL bytes, so base64 only
}

var (
	csUTF8       = charset{name: "utf-8", label: "utf-8"}
	csASCII      = charset{name: "us-ascii", label: "us-ascii", enc: charmap.ISO8859_1}
	csLatin1     = charset{name: "iso-8859-1", label: "iso-8859-1", enc: charmap.ISO8859_1}
	csWin1252    = charset{name: "windows-1252", label: "windows-1252", enc: charmap.Windows1252}
	csUTF16LEBOM = charset{name: "utf-16le+bom", label: "utf-16", enc: unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), bom: []byte{0xFF, 0xFE}, wide: true}
	csUTF16BE    = charset{name: "utf-16be", label: "utf-16be", enc: unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), wide: true}
	csJIS        = charset{name: "iso-2022-jp", label: "iso-2022-jp", enc: japanese.ISO2022JP}
	csUndeclared = charset{name: "undeclared-8bit", enc: charmap.Windows1252}
	// A declared charset is a hint, not a law: mailers label UTF-8 as
	// Latin-1 and Windows-1252 as UTF-8 all the time.
	csUTF8asLatin1  = charset{name: "utf-8 labelled iso-8859-1", label: "iso-8859-1"}
	csWin1252asUTF8 = charset{name: "windows-1252 labelled utf-8", label: "utf-8", enc: charmap.Windows1252}

	bodyCharsets = []charset{csUTF8, csUTF8, csASCII, csLatin1, csWin1252, csUTF16LEBOM, csUTF16BE, csJIS, csUndeclared, csUTF8asLatin1, csWin1252asUTF8}
)

// wireName spells a transfer encoding's name as mailers do: mostly lower
// case, sometimes capitalised or upper case (the name is case-insensitive).
func (g *Generator) wireName(name string) string {
	switch g.r.IntN(6) {
	case 0:
		return strings.ToUpper(name)
	case 1:
		parts := strings.Split(name, "-")
		for i, p := range parts {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
		return strings.Join(parts, "-") // "Quoted-Printable", "Base64"
	}
	return name
}

// encodeString returns s in cs, or false when cs cannot write it.
func (cs charset) encodeString(s string) ([]byte, bool) {
	if cs.enc == nil {
		return []byte(s), true
	}
	if cs.name == "us-ascii" {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return nil, false
			}
		}
	}
	b, err := cs.enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		return nil, false
	}
	return b, true
}

// encodedText is a part's bytes in its charset, with the byte spans of the
// pieces marked split (numbers), where soft breaks will go.
type encodedText struct {
	b     []byte
	spans [][2]int
}

// encodePieces writes pieces in cs with CRLF line ends. Each piece is
// encoded on its own, so its span is known (a stateful charset such as
// ISO-2022-JP returns to ASCII at each piece's end, which is valid).
func (cs charset) encodePieces(ps []piece) (encodedText, bool) {
	var out encodedText
	out.b = append(out.b, cs.bom...)
	for _, p := range ps {
		s := strings.ReplaceAll(p.s, "\n", "\r\n")
		b, ok := cs.encodeString(s)
		if !ok {
			return encodedText{}, false
		}
		if p.split {
			out.spans = append(out.spans, [2]int{len(out.b), len(out.b) + len(b)})
		}
		out.b = append(out.b, b...)
	}
	return out, true
}

func isSevenBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == 0 {
			return false
		}
	}
	return true
}

// transfer is a Content-Transfer-Encoding and how the generator writes it.
type transfer struct {
	name       string
	qpDigits   bool // quoted-printable that also escapes digits ("=34=31...")
	qpSpaces   bool // and spaces, as vCard 2.1 writers do (a folded line may not start with one)
	forceBreak bool // soft line breaks inside every number
}

// encodeTransfer encodes t's bytes for the wire.
func (g *Generator) encodeTransfer(cte transfer, t encodedText) []byte {
	switch cte.name {
	case "base64":
		return base64Lines(t.b)
	case "quoted-printable":
		forced := map[int]bool{}
		if cte.forceBreak {
			for _, sp := range t.spans {
				if sp[1]-sp[0] < 2 {
					continue
				}
				at := sp[0] + 1 + g.r.IntN(sp[1]-sp[0]-1)
				if t.b[at] == '\n' || t.b[at-1] == '\r' && t.b[at] == '\n' {
					at-- // never between CR and LF
				}
				forced[at] = true
			}
		}
		return quotedPrintable(t.b, forced, cte.qpDigits, cte.qpSpaces)
	}
	return t.b
}

// quotedPrintable encodes b (RFC 2045 6.7) with lines of at most 76
// characters, and a soft line break before each offset in forced.
func quotedPrintable(b []byte, forced map[int]bool, escapeDigits, escapeSpaces bool) []byte {
	var out bytes.Buffer
	line := 0
	soft := func() {
		out.WriteString("=\r\n")
		line = 0
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			out.WriteString("\r\n")
			line = 0
			i++
			continue
		}
		var tok string
		switch {
		case (c == ' ' || c == '\t') && (escapeSpaces || i+1 == len(b) || b[i+1] == '\r'):
			tok = fmt.Sprintf("=%02X", c) // trailing white space is not kept
		case c == ' ' || c == '\t':
			tok = string(c)
		case c >= '0' && c <= '9' && escapeDigits:
			tok = fmt.Sprintf("=%02X", c)
		case c >= 33 && c <= 126 && c != '=':
			tok = string(c)
		default:
			tok = fmt.Sprintf("=%02X", c)
		}
		if (forced[i] && line > 0) || line+len(tok) > 75 {
			soft()
		}
		out.WriteString(tok)
		line += len(tok)
	}
	return out.Bytes()
}

func base64Lines(b []byte) []byte {
	s := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	for len(s) > 76 {
		out.WriteString(s[:76])
		out.WriteString("\r\n")
		s = s[76:]
	}
	out.WriteString(s)
	out.WriteString("\r\n")
	return out.Bytes()
}

// chooseTransfer picks a transfer encoding the bytes allow.
func (g *Generator) chooseTransfer(cs charset, b []byte) transfer {
	if cs.wide {
		return transfer{name: "base64"}
	}
	plain := "8bit"
	if isSevenBit(b) {
		plain = "7bit"
	}
	switch g.r.IntN(5) {
	case 0:
		return transfer{name: plain}
	case 1:
		return transfer{name: "base64"}
	case 2:
		return transfer{name: "quoted-printable"}
	default:
		return transfer{name: "quoted-printable", forceBreak: true, qpDigits: g.r.IntN(4) == 0}
	}
}

func (t transfer) String() string {
	switch {
	case t.qpDigits:
		return t.name + " (breaks in numbers, digits escaped)"
	case t.forceBreak:
		return t.name + " (breaks in numbers)"
	}
	return t.name
}

// encodedWords writes text as RFC 2047 encoded words in cs (Q or B), cut
// into several words at random places, including inside numbers: a reader
// must join adjacent encoded words with nothing between them.
func (g *Generator) encodedWords(cs charset, ps []piece, q bool) (string, bool) {
	type cut struct {
		r     []rune
		force map[int]bool
	}
	var runes []rune
	force := map[int]bool{}
	for _, p := range ps {
		rs := []rune(p.s)
		if p.split && len(rs) > 1 {
			force[len(runes)+1+g.r.IntN(len(rs)-1)] = true
		}
		runes = append(runes, rs...)
	}
	mode := "B"
	if q {
		mode = "Q"
	}
	prefix := "=?" + cs.label + "?" + mode + "?"
	var words []string
	start := 0
	flush := func(end int) bool {
		b, ok := cs.encodeString(string(runes[start:end]))
		if !ok {
			return false
		}
		var enc string
		if q {
			enc = qWord(b)
		} else {
			enc = base64.StdEncoding.EncodeToString(b)
		}
		words = append(words, prefix+enc+"?=")
		start = end
		return true
	}
	for i := range runes {
		if i == start {
			continue
		}
		// Would runes[start:i+1] still fit in one 75-character word?
		b, ok := cs.encodeString(string(runes[start : i+1]))
		if !ok {
			return "", false
		}
		size := len(prefix) + 2 + len(qWord(b))
		if !q {
			size = len(prefix) + 2 + base64.StdEncoding.EncodedLen(len(b))
		}
		if force[i] || size > 75 {
			if !flush(i) {
				return "", false
			}
		}
	}
	if start < len(runes) && !flush(len(runes)) {
		return "", false
	}
	return strings.Join(words, g.pick("\r\n ", " ", "\r\n\t")), true
}

// qWord is RFC 2047 "Q" encoding for a phrase: letters and digits as
// they are, space as "_", everything else as =XX.
func qWord(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '!', c == '*', c == '+', c == '/':
			s.WriteByte(c)
		case c == ' ':
			s.WriteByte('_')
		default:
			fmt.Fprintf(&s, "=%02X", c)
		}
	}
	return s.String()
}
