package scan

import (
	"strings"
	"unicode"

	"github.com/intake-mail/intake/scan/internal/charset"
)

// headerText is a header value as the scanner reads it.
type headerText struct {
	text    string   // the reading shown (and stored, masked)
	alts    []string // other readings some client could show: scanned too
	problem string   // "" or an Unscannable reason: a word we could not decode
}

// maxHeaderAlts bounds the readings of one header value: each ambiguous
// word adds one.
const maxHeaderAlts = 8

// decodeHeaderValue decodes RFC 2047 encoded words in any charset
// go-message knows, with the label checked against the bytes as for
// bodies (decodeCharset). It is more forgiving than mime.WordDecoder, as
// readers of real mail are: B words without padding, spaces inside Q
// words, an RFC 2231 language ("=?utf-8*en?Q?...?="), and a character cut
// across two adjacent words of one charset. Raw 8-bit text (SMTPUTF8, or
// a sender that ignores RFC 2047) is read as UTF-8, else Windows-1252.
func decodeHeaderValue(v string) headerText {
	var h headerText
	if v == "" {
		return h
	}
	pieces := make([]headerPiece, 0, 2*strings.Count(v, "=?")+1)
	rest := v
	for rest != "" {
		start, w, n := nextEncodedWord(rest)
		if n == 0 {
			pieces = append(pieces, headerPiece{raw: rest})
			break
		}
		if start > 0 {
			gap := rest[:start]
			// RFC 2047 section 6.2: white space between two encoded words
			// is not shown.
			if len(pieces) > 0 && pieces[len(pieces)-1].word && strings.TrimLeft(gap, " \t\r\n") == "" {
				gap = ""
			}
			if gap != "" {
				pieces = append(pieces, headerPiece{raw: gap})
			}
		}
		// Adjacent words of one charset are decoded together: senders cut
		// multi-byte characters (and UTF-16 code units) across them.
		if k := len(pieces) - 1; k >= 0 && pieces[k].word && pieces[k].charset == w.charset {
			pieces[k].data = append(pieces[k].data, w.data...)
			pieces[k].problem = firstNonEmpty(pieces[k].problem, w.problem)
		} else {
			pieces = append(pieces, w)
		}
		rest = rest[start+n:]
	}

	texts := make([]string, len(pieces))
	others := make([][]string, len(pieces))
	for i, p := range pieces {
		var problem string
		texts[i], others[i], problem = p.decode()
		if problem != "" && (h.problem == "" || problem == ReasonUnknownCharset) {
			h.problem = problem
		}
	}
	h.text = strings.Join(texts, "")
	// Each other reading of a word is scanned in its context (an SSN
	// keyword before it counts).
	for i, os := range others {
		for _, o := range os {
			if len(h.alts) == maxHeaderAlts {
				break
			}
			h.alts = append(h.alts, strings.Join(texts[:i], "")+o+strings.Join(texts[i+1:], ""))
		}
	}
	return h
}

// headerPiece is an encoded word (or several adjacent ones of one charset)
// or the raw text between words.
type headerPiece struct {
	word    bool
	charset string
	data    []byte // decoded transfer encoding, still in charset
	problem string // the word's Q or B encoding was broken
	raw     string
}

func (p headerPiece) decode() (string, []string, string) {
	if !p.word {
		if isASCII(p.raw) && !strings.ContainsRune(p.raw, 0x1b) {
			return p.raw, nil, ""
		}
		text, alts, problem := charset.Decode([]byte(p.raw), "")
		return string(text), toStrings(alts), problem
	}
	text, alts, problem := charset.Decode(p.data, p.charset)
	if problem == "" {
		problem = p.problem
	}
	return string(text), toStrings(alts), problem
}

func toStrings(bs [][]byte) []string {
	var out []string
	for _, b := range bs {
		out = append(out, string(b))
	}
	return out
}

// nextEncodedWord finds the next "=?charset?X?text?=" in s: its offset, the
// word decoded to bytes, and its length (0: none).
func nextEncodedWord(s string) (int, headerPiece, int) {
	for off := 0; ; {
		i := strings.Index(s[off:], "=?")
		if i < 0 {
			return 0, headerPiece{}, 0
		}
		i += off
		w, n := parseEncodedWord(s[i:])
		if n > 0 {
			return i, w, n
		}
		if n < 0 {
			// No "?=" anywhere after: no later word can end either, and
			// looking again from each "=?" would be quadratic.
			return 0, headerPiece{}, 0
		}
		off = i + 2
	}
}

func parseEncodedWord(s string) (headerPiece, int) {
	body := s[2:]
	q := strings.IndexByte(body, '?')
	if q <= 0 || q > 75 || strings.ContainsAny(body[:q], " \t\r\n\"()<>@,;:\\/[]") {
		return headerPiece{}, 0
	}
	cs := body[:q]
	body = body[q+1:]
	if len(body) < 2 || body[1] != '?' {
		return headerPiece{}, 0
	}
	enc := body[0] | 0x20
	if enc != 'q' && enc != 'b' {
		return headerPiece{}, 0
	}
	body = body[2:]
	end := strings.Index(body, "?=")
	if end < 0 {
		return headerPiece{}, -1
	}
	text := body[:end]
	if strings.ContainsAny(text, "\r\n") {
		text = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, text)
	}
	w := headerPiece{word: true, charset: charset.NormLabel(cs)}
	if enc == 'q' {
		w.data, w.problem = decodeQWord(text)
	} else {
		w.data, w.problem = decodeBWord(text)
	}
	return w, 2 + q + 1 + 2 + end + 2
}

// decodeQWord decodes the Q encoding (RFC 2047 section 4.2). An "=" that
// starts no escape is kept and reported.
func decodeQWord(s string) ([]byte, string) {
	out := make([]byte, 0, len(s))
	problem := ""
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '_':
			out = append(out, ' ')
		case '=':
			if i+2 < len(s) {
				if h, ok := unhex(s[i+1], s[i+2]); ok {
					out = append(out, h)
					i += 2
					continue
				}
			}
			problem = ReasonBadEncoding
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out, problem
}

// decodeBWord decodes the B encoding, forgiving missing padding and white
// space; a character outside the alphabet is reported.
func decodeBWord(s string) ([]byte, string) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	data, problem := decodeBase64([]byte(s))
	if problem == ReasonTruncated {
		problem = ReasonBadEncoding
	}
	return data, problem
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// digitsOf is every decimal digit of s, of any script, as ASCII.
func digitsOf(s string) string {
	b := []byte(s)
	var out strings.Builder
	for i := 0; i < len(b); {
		v, size, ok := digitAt(b, i)
		if ok {
			out.WriteByte('0' + byte(v))
		}
		i += size
	}
	return out.String()
}
