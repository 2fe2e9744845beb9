package scan

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"

	"github.com/intake-mail/intake/scan/internal/charset"
)

// minBase64Run is the shortest base64 run worth decoding: 32 characters
// are 24 bytes, room for a card number and a word or two. Shorter runs
// are ids and hashes.
const minBase64Run = 32

// base64View decodes the base64 runs in text that decode to text, joined
// by newlines, or returns nil. A form mailer that encodes its body and
// forgets the Content-Transfer-Encoding header sends exactly this: no
// person reads it as sent, but anyone can decode it, so a number in it is
// as good as written out.
func base64View(text []byte) []byte {
	var view []byte
	for i := 0; i < len(text); {
		if !isBase64Char(text[i]) {
			i++
			continue
		}
		start, chars, letters := i, 0, 0
		for i < len(text) {
			c := text[i]
			switch {
			case isBase64Char(c):
				chars++
				if c|0x20 >= 'a' && c|0x20 <= 'z' {
					letters++
				}
			case c == '=' || c == '\r' || c == '\n' || c == ' ' || c == '\t':
			default:
				goto end
			}
			i++
		}
	end:
		// A run without a letter (a column of numbers across its lines)
		// encodes nothing readable: with every character a digit, '+',
		// '/', '-' or '_', the first byte of each three decodes to 0xD0
		// or above and the second to 0x4D or above, so an ASCII digit can
		// only be every third byte, never two together, and no number can
		// be written in it. Decoding it (Latin-1 takes any byte) only
		// costs time: a CSV of card-free numbers was 3 million
		// allocations per 64 MiB.
		if chars < minBase64Run || letters == 0 {
			continue
		}
		if dec := decodeBase64Text(text[start:i]); dec != nil {
			view = append(append(view, dec...), '\n')
		}
	}
	return view
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}

// decodeBase64Text decodes a run in either alphabet, padded or not, and
// keeps it only when the bytes read as text in some charset: binary data
// that happens to be base64 is somebody's attachment, not a message. Most
// runs are binary (a CSV's digits across its lines are a run): they are
// refused from buffers on the stack, before anything is allocated.
func decodeBase64Text(run []byte) []byte {
	var cbuf [512]byte
	compact := cbuf[:0]
	if len(run) > len(cbuf) {
		compact = make([]byte, 0, len(run))
	}
	for _, c := range run {
		if isBase64Char(c) {
			compact = append(compact, c)
		}
	}
	// A trailing partial quantum is ignored rather than refused: the run
	// may end in a character that only looked like base64.
	n := len(compact) - len(compact)%4
	if len(compact)%4 >= 2 {
		n = len(compact)
	}
	var dbuf [384]byte
	var dec []byte
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		dst := dbuf[:]
		if need := enc.DecodedLen(n); need > len(dst) {
			dst = make([]byte, need)
		}
		if k, err := enc.Decode(dst, compact[:n]); err == nil {
			dec = dst[:k]
			break
		}
	}
	if len(dec) == 0 || controlBytes(dec) {
		return nil
	}
	text, _, problem := charset.Decode(bytes.Clone(dec), "")
	if problem != "" || !mostlyText(text) {
		return nil
	}
	return text
}

// controlBytes is mostlyText's verdict, before any decoding, on bytes
// holding more than one control character in ten: binary data, which is
// most base64. Each is a character that is not text in every charset the
// decoder may read them in, and there are no more characters than bytes.
// Bytes the decoder may read otherwise are left to it: a NUL may be
// UTF-16's, a byte-order mark starts UTF-16 or UTF-8, and ISO-2022's
// escapes and shifts are no characters.
func controlBytes(b []byte) bool {
	if len(b) > 0 && (b[0] == 0xef || b[0] == 0xfe || b[0] == 0xff) {
		return false
	}
	n := 0
	for _, c := range b {
		switch {
		case c == 0 || c == 0x1b:
			return false
		case c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f:
			n++
		}
	}
	return n*10 > len(b)
}

// mostlyText: nine in ten characters printable or white space.
func mostlyText(b []byte) bool {
	total, ok := 0, 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		total++
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		if r >= 0x20 && r != 0x7f || r == '\n' || r == '\r' || r == '\t' {
			ok++
		}
	}
	return total > 0 && ok*10 >= total*9
}

// hasBase64Run is the cheap test before base64View: is there a run of
// minBase64Run base64 characters, with only padding and line breaks among
// them? It reads most text a few bytes in every minBase64Run: a run that
// long cannot hold the last byte that breaks one in the window ahead, so
// the search jumps past that byte.
func hasBase64Run(text []byte) bool {
	i := 0 // always 0 or just past a byte that breaks a run
	for i+minBase64Run <= len(text) {
		if j := lastSpace(text[i : i+minBase64Run]); j >= 0 {
			i += j + 1 // prose: a space breaks a run, eight bytes at a look
			continue
		}
		j := i + minBase64Run - 1
		for j >= i && base64Class[text[j]] != b64Breaks {
			j--
		}
		if j >= i {
			i = j + 1
			continue
		}
		run := 0
		k := i
		for ; k < len(text); k++ {
			switch base64Class[text[k]] {
			case b64Char:
				if run++; run >= minBase64Run {
					return true
				}
			case b64Breaks:
				goto next
			}
		}
		return false
	next:
		i = k + 1
	}
	return false
}

// lastSpace is the offset of the last ' ' in w (32 bytes), or -1.
func lastSpace(w []byte) int {
	for k := minBase64Run - 8; k >= 0; k -= 8 {
		v := binary.LittleEndian.Uint64(w[k:]) ^ 0x2020202020202020
		// The high bit of each byte of v that is zero, exactly.
		const low7 = 0x7f7f7f7f7f7f7f7f
		if m := ^((v&low7 + low7) | v | low7); m != 0 {
			return k + (63-bits.LeadingZeros64(m))/8
		}
	}
	return -1
}

// What a byte is to hasBase64Run.
const (
	b64Breaks = iota // ends a run
	b64Char          // counts
	b64Passes        // '=', CR, LF: neither
)

var base64Class = func() (t [256]uint8) {
	for c := range t {
		switch {
		case isBase64Char(byte(c)):
			t[c] = b64Char
		case c == '=' || c == '\n' || c == '\r':
			t[c] = b64Passes
		}
	}
	return t
}()
