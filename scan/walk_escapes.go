package scan

import (
	"bytes"
	"html"
	"unicode/utf16"
	"unicode/utf8"
)

// escapedView returns text with the escapes of URLs (%34), JSON and
// JavaScript (\u0034, \x34) and XML/HTML (&#52;, &#x34;, &nbsp;) decoded,
// or nil when it holds none. A number written that way is read by anyone
// who opens the file in the program it was made for (a browser, a JSON
// viewer), so the view is scanned as well as the text itself. Escapes of
// escapes are undone too, a few levels deep.
func escapedView(text []byte) []byte {
	if bytes.IndexByte(text, '%') < 0 && bytes.IndexByte(text, '\\') < 0 && bytes.IndexByte(text, '&') < 0 {
		return nil
	}
	var view []byte
	cur := text
	for range 3 {
		next, changed := unescapeOnce(cur)
		if !changed {
			break
		}
		view, cur = next, next
	}
	return view
}

// unescapeOnce decodes one level of escapes.
func unescapeOnce(b []byte) ([]byte, bool) {
	var out []byte
	changed := false
	last := 0
	emit := func(i, n int, repl []byte) {
		if out == nil {
			out = make([]byte, 0, len(b))
		}
		out = append(out, b[last:i]...)
		out = append(out, repl...)
		last = i + n
		changed = true
	}
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '%':
			if i+2 < len(b) {
				if h, ok := unhex(b[i+1], b[i+2]); ok {
					emit(i, 3, []byte{h})
					i += 2
				}
			}
		case '\\':
			if r, n := jsEscape(b[i:]); n > 0 {
				emit(i, n, utf8.AppendRune(nil, r))
				i += n - 1
			}
		case '&':
			if r, n := entity(b[i:]); n > 0 {
				emit(i, n, r)
				i += n - 1
			}
		}
	}
	if !changed {
		return b, false
	}
	return append(out, b[last:]...), true
}

// jsEscape decodes \uXXXX (a surrogate pair as one), \u{X...} and \xXX.
func jsEscape(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, 0
	}
	switch b[1] {
	case 'u':
		if b[2] == '{' {
			end := bytes.IndexByte(b[3:min(len(b), 12)], '}')
			if end <= 0 {
				return 0, 0
			}
			r, ok := hexRune(b[3 : 3+end])
			if !ok {
				return 0, 0
			}
			return r, 3 + end + 1
		}
		if len(b) < 6 {
			return 0, 0
		}
		r, ok := hexRune(b[2:6])
		if !ok {
			return 0, 0
		}
		if utf16.IsSurrogate(r) && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
			if lo, ok := hexRune(b[8:12]); ok {
				if p := utf16.DecodeRune(r, lo); p != utf8.RuneError {
					return p, 12
				}
			}
		}
		return r, 6
	case 'x':
		r, ok := hexRune(b[2:4])
		if !ok {
			return 0, 0
		}
		return r, 4
	}
	return 0, 0
}

// entity decodes a numeric character reference (the ';' is optional, as
// browsers allow) or a named one.
func entity(b []byte) ([]byte, int) {
	if len(b) < 3 {
		return nil, 0
	}
	if b[1] == '#' {
		i := 2
		hex := i < len(b) && (b[i] == 'x' || b[i] == 'X')
		if hex {
			i++
		}
		start := i
		for i < len(b) && i-start < 8 && isRefDigit(b[i], hex) {
			i++
		}
		if i == start {
			return nil, 0
		}
		var r rune
		for _, c := range b[start:i] {
			v, _ := hexVal(c)
			if hex {
				r = r*16 + rune(v)
			} else {
				r = r*10 + rune(v)
			}
		}
		if i < len(b) && b[i] == ';' {
			i++
		}
		if r == 0 || r > utf8.MaxRune {
			return nil, 0
		}
		return utf8.AppendRune(nil, r), i
	}
	end := bytes.IndexByte(b[:min(len(b), 34)], ';')
	if end < 2 {
		return nil, 0
	}
	ref := string(b[:end+1])
	if u := html.UnescapeString(ref); u != ref {
		return []byte(u), end + 1
	}
	return nil, 0
}

func isRefDigit(c byte, hex bool) bool {
	if hex {
		_, ok := hexVal(c)
		return ok
	}
	return c >= '0' && c <= '9'
}

func hexRune(b []byte) (rune, bool) {
	if len(b) == 0 || len(b) > 6 {
		return 0, false
	}
	var r rune
	for _, c := range b {
		v, ok := hexVal(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}
