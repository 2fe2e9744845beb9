package scan

import (
	"encoding/base64"
	"strings"
)

// decodeTransfer undoes a Content-Transfer-Encoding. It is lenient, as
// readers of real mail must be, but says when it had to guess: problem is
// "" or an Unscannable reason. Identity encodings return body itself, so a
// large plain message is never copied.
func decodeTransfer(cte string, body []byte) (data []byte, problem string) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "7bit", "8bit", "binary", "7-bit", "8-bit":
		return body, ""
	case "quoted-printable":
		return decodeQP(body), ""
	case "base64":
		return decodeBase64(body)
	}
	return body, ReasonBadEncoding
}

// decodeQP decodes quoted-printable (RFC 2045 section 6.7). A soft line
// break may fall inside a number ("4111 1111 11=\r\n11 1111"): it is
// removed, so the number is whole again. An '=' that starts no valid escape
// is kept as it is, as most readers do.
func decodeQP(body []byte) []byte {
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		// Soft line break, allowing blanks the sender's MTA left before it.
		j := i + 1
		for j < len(body) && (body[j] == ' ' || body[j] == '\t') {
			j++
		}
		if j < len(body) && body[j] == '\n' {
			i = j
			continue
		}
		if j+1 < len(body) && body[j] == '\r' && body[j+1] == '\n' {
			i = j + 1
			continue
		}
		if j == len(body) {
			break // "=" at the very end: a soft break before EOF
		}
		if i+2 < len(body) {
			if h, ok := unhex(body[i+1], body[i+2]); ok {
				out = append(out, h)
				i += 2
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

func unhex(a, b byte) (byte, bool) {
	x, ok1 := hexVal(a)
	y, ok2 := hexVal(b)
	return x<<4 | y, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// decodeBase64 skips white space and reports characters outside the
// alphabet or a cut-off final quantum. Some mailers encode each line on its
// own, padding included: a chunk after padding is decoded as a new one.
func decodeBase64(body []byte) ([]byte, string) {
	// Well-formed base64 (line breaks ignored) goes through the standard
	// decoder at full speed; anything it refuses takes the careful path,
	// which copies runs of the alphabet at once and decodes them a block
	// at a time, so a malformed body costs a few times a well-formed one.
	out := make([]byte, base64.StdEncoding.DecodedLen(len(body)))
	if n, err := base64.StdEncoding.Decode(out, body); err == nil {
		return out[:n], ""
	}
	out = out[:0]
	var blk [4096]byte // characters of the current chunk not decoded yet
	nb := 0
	problem := ""
	decode := func(chars []byte) {
		if need := len(out) + base64.RawStdEncoding.DecodedLen(len(chars)); need > cap(out) {
			out = append(make([]byte, 0, max(need, 2*cap(out))), out...)
		}
		n, err := base64.RawStdEncoding.Decode(out[len(out):cap(out)], chars)
		if err != nil && problem == "" {
			problem = ReasonBadEncoding
		}
		out = out[:len(out)+n]
	}
	// whole decodes the whole quanta gathered so far.
	whole := func() {
		q := nb &^ 3
		decode(blk[:q])
		nb = copy(blk[:], blk[q:nb])
	}
	// flush ends a chunk: its whole quanta, then what is left of it.
	flush := func() {
		whole()
		if nb == 1 {
			nb = 0
			problem = ReasonTruncated
		}
		decode(blk[:nb])
		nb = 0
	}
	padded := false
	for i := 0; i < len(body); {
		switch base64Alphabet[body[i]] {
		case b64Letter:
			if padded {
				flush()
				padded = false
			}
			j := i + 1
			for j < len(body) && base64Alphabet[body[j]] == b64Letter {
				j++
			}
			for i < j {
				k := copy(blk[nb:], body[i:j])
				nb, i = nb+k, i+k
				if nb == len(blk) {
					whole()
				}
			}
			continue
		case b64Pad:
			padded = true
		case b64Other:
			problem = ReasonBadEncoding
		}
		i++
	}
	flush()
	return out, problem
}

// What a byte is to decodeBase64.
const (
	b64Other  = iota // outside the alphabet: bad_encoding, skipped
	b64Letter        // A-Z a-z 0-9 + /
	b64Space         // white space, skipped
	b64Pad           // '=': the chunk ends
)

var base64Alphabet = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			t[c] = b64Letter
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			t[c] = b64Space
		case c == '=':
			t[c] = b64Pad
		}
	}
	return t
}()
