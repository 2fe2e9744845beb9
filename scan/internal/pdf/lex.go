package pdf

import (
	"bytes"
	"strconv"
)

// This file reads PDF tokens and objects (ISO 32000-1 7.2, 7.3). One lexer
// serves the file's objects, content streams and ToUnicode CMaps. It never
// fails: bytes it cannot make sense of are skipped, and every loop moves
// forward, so hostile input costs at most one pass.

type pdfTokKind uint8

const (
	tokEOF pdfTokKind = iota
	tokNumber
	tokString // literal or hex string, decoded
	tokName   // without the slash, #XX decoded
	tokKeyword
	tokArrayOpen
	tokArrayClose
	tokDictOpen
	tokDictClose
)

type pdfToken struct {
	kind  pdfTokKind
	num   float64
	isInt bool
	str   []byte // string value, name or keyword
}

type pdfLexer struct {
	data   []byte
	pos    int
	noRefs bool // content streams have no "N G R" references
}

func isPDFSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// next returns the next token.
func (lx *pdfLexer) next() pdfToken {
	d := lx.data
	for lx.pos < len(d) {
		c := d[lx.pos]
		switch {
		case isPDFSpace(c):
			lx.pos++
		case c == '%':
			for lx.pos < len(d) && d[lx.pos] != '\n' && d[lx.pos] != '\r' {
				lx.pos++
			}
		case c == '(':
			lx.pos++
			return pdfToken{kind: tokString, str: lx.literalString()}
		case c == '<':
			if lx.pos+1 < len(d) && d[lx.pos+1] == '<' {
				lx.pos += 2
				return pdfToken{kind: tokDictOpen}
			}
			lx.pos++
			return pdfToken{kind: tokString, str: lx.hexString()}
		case c == '>':
			lx.pos++
			if lx.pos < len(d) && d[lx.pos] == '>' {
				lx.pos++
				return pdfToken{kind: tokDictClose}
			}
			// a stray '>': skip it
		case c == '[':
			lx.pos++
			return pdfToken{kind: tokArrayOpen}
		case c == ']':
			lx.pos++
			return pdfToken{kind: tokArrayClose}
		case c == '{' || c == '}' || c == ')':
			lx.pos++ // PostScript procedures and stray parens carry no text
		case c == '/':
			lx.pos++
			return pdfToken{kind: tokName, str: lx.name()}
		default:
			start := lx.pos
			for lx.pos < len(d) && !isPDFSpace(d[lx.pos]) && !isPDFDelim(d[lx.pos]) {
				lx.pos++
			}
			return regularToken(d[start:lx.pos])
		}
	}
	return pdfToken{kind: tokEOF}
}

// regularToken is a number or a keyword (operator, true, obj, R...).
func regularToken(w []byte) pdfToken {
	if len(w) > 0 && len(w) < 40 && (isDecDigit(w[0]) || w[0] == '-' || w[0] == '+' || w[0] == '.') {
		if v, ok := smallNumber(w); ok {
			return v
		}
		isInt := bytes.IndexByte(w, '.') < 0
		if isInt {
			if v, err := strconv.ParseInt(string(w), 10, 64); err == nil {
				return pdfToken{kind: tokNumber, num: float64(v), isInt: true}
			}
		}
		if v, err := strconv.ParseFloat(string(w), 64); err == nil {
			return pdfToken{kind: tokNumber, num: v}
		}
		// Producers write "--5" or "1.2.3"; a number all the same.
		return pdfToken{kind: tokNumber, num: 0}
	}
	return pdfToken{kind: tokKeyword, str: w}
}

// smallNumber reads the numbers content streams are made of ("12",
// "-3.5", ".25") without strconv, which would copy each one to a string.
func smallNumber(w []byte) (pdfToken, bool) {
	i, neg := 0, false
	if w[0] == '-' || w[0] == '+' {
		neg, i = w[0] == '-', 1
	}
	if i == len(w) || len(w)-i > 15 {
		return pdfToken{}, false
	}
	var v, scale float64 = 0, 0
	for ; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
			v = v*10 + float64(c-'0')
			if scale > 0 {
				scale *= 10
			}
		case c == '.' && scale == 0:
			scale = 1
		default:
			return pdfToken{}, false
		}
	}
	if scale > 1 {
		v /= scale
	}
	if neg {
		v = -v
	}
	return pdfToken{kind: tokNumber, num: v, isInt: scale == 0}, true
}

func (lx *pdfLexer) literalString() []byte {
	d := lx.data
	var out []byte
	depth := 1
	for lx.pos < len(d) {
		c := d[lx.pos]
		lx.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out
			}
		case '\r':
			// An end of line in a string is a single newline (7.3.4.2).
			if lx.pos < len(d) && d[lx.pos] == '\n' {
				lx.pos++
			}
			c = '\n'
		case '\\':
			if lx.pos >= len(d) {
				return out
			}
			e := d[lx.pos]
			lx.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if lx.pos < len(d) && d[lx.pos] == '\n' {
					lx.pos++
				}
				continue // line continuation
			case '\n':
				continue
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(e - '0')
				for i := 0; i < 2 && lx.pos < len(d) && d[lx.pos] >= '0' && d[lx.pos] <= '7'; i++ {
					v = v*8 + int(d[lx.pos]-'0')
					lx.pos++
				}
				c = byte(v)
			default:
				c = e // \( \) \\ and unknown escapes: the character itself
			}
		}
		out = append(out, c)
	}
	return out
}

func (lx *pdfLexer) hexString() []byte {
	d := lx.data
	var out []byte
	var hi byte
	half := false
	for lx.pos < len(d) {
		c := d[lx.pos]
		lx.pos++
		if c == '>' {
			break
		}
		if !isHex(c) {
			continue
		}
		if half {
			out = append(out, hi<<4|unhexByte(c))
		} else {
			hi = unhexByte(c)
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}

func (lx *pdfLexer) name() []byte {
	d := lx.data
	start := lx.pos
	for lx.pos < len(d) && !isPDFSpace(d[lx.pos]) && !isPDFDelim(d[lx.pos]) {
		lx.pos++
	}
	raw := d[start:lx.pos]
	if bytes.IndexByte(raw, '#') < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]) {
			out = append(out, unhexByte(raw[i+1])<<4|unhexByte(raw[i+2]))
			i += 2
			continue
		}
		out = append(out, raw[i])
	}
	return out
}

// PDF objects as this package holds them.
type (
	pdfObj    = any // nil, bool, float64, pdfInt, pdfString, pdfName, pdfArray, pdfDict, pdfRef, *pdfStream
	pdfInt    int64
	pdfString []byte
	pdfName   string
	pdfArray  []pdfObj
	pdfDict   map[pdfName]pdfObj
	pdfRef    struct{ num, gen int }
)

// pdfStream is a stream object: its dictionary and where its bytes are.
type pdfStream struct {
	dict     pdfDict
	ref      pdfRef // the object it was read as, for decryption and caching
	src      []byte // the bytes the offsets refer to (the file)
	start    int    // first byte after "stream" and its end of line
	end      int    // one past the last byte of data (found, not trusted)
	fromFile bool   // a file-level object: its data may be encrypted
}

// maxPDFNesting bounds arrays and dictionaries inside each other.
const maxPDFNesting = 64

// object reads one object. It returns nil for a stray close or EOF.
func (lx *pdfLexer) object(depth int) pdfObj {
	t := lx.next()
	return lx.objectFrom(t, depth)
}

func (lx *pdfLexer) objectFrom(t pdfToken, depth int) pdfObj {
	switch t.kind {
	case tokNumber:
		if !t.isInt {
			return t.num
		}
		if lx.noRefs {
			return pdfInt(t.num)
		}
		// "num gen R" is a reference: look two tokens ahead.
		save := lx.pos
		t2 := lx.next()
		if t2.kind == tokNumber && t2.isInt {
			t3 := lx.next()
			if t3.kind == tokKeyword && string(t3.str) == "R" {
				return pdfRef{num: int(t.num), gen: int(t2.num)}
			}
		}
		lx.pos = save
		return pdfInt(t.num)
	case tokString:
		return pdfString(t.str)
	case tokName:
		return pdfName(t.str)
	case tokKeyword:
		switch string(t.str) {
		case "true":
			return true
		case "false":
			return false
		}
		return nil
	case tokArrayOpen:
		var arr pdfArray
		for {
			t := lx.next()
			if t.kind == tokArrayClose || t.kind == tokEOF || t.kind == tokDictClose {
				return arr
			}
			if depth >= maxPDFNesting {
				continue // too deep: skip the contents, keep moving
			}
			if t.kind == tokKeyword && !isValueKeyword(t.str) {
				return arr // an operator: the array was never closed
			}
			arr = append(arr, lx.objectFrom(t, depth+1))
		}
	case tokDictOpen:
		dict := pdfDict{}
		for {
			t := lx.next()
			if t.kind == tokDictClose || t.kind == tokEOF || t.kind == tokArrayClose {
				return dict
			}
			if t.kind == tokKeyword && !isValueKeyword(t.str) {
				lx.pos -= len(t.str) // leave "stream", "endobj" for the caller
				return dict
			}
			if t.kind != tokName {
				continue // a key must be a name; skip the stray token
			}
			if depth >= maxPDFNesting {
				lx.next()
				continue
			}
			v := lx.object(depth + 1)
			dict[pdfName(t.str)] = v
		}
	}
	return nil
}

func isValueKeyword(k []byte) bool {
	switch string(k) {
	case "true", "false", "null", "R":
		return true
	}
	return false
}
