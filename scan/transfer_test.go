package scan

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// TestDecodeBase64Blocks: the careful path, which copies runs and decodes
// a block at a time, decodes exactly as reading one byte at a time did
// (decodeBase64ByByte, below), problem included: stray characters, white
// space anywhere, padding in the middle, quanta cut short, long bodies
// that fill the block.
func TestDecodeBase64Blocks(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 4))
	pieces := []string{"QUJD", "REVG", "R0g", "SQ", "=", "==", "\r\n", " ", "\t", "!", "-", "_", "é", "Zm9v", "YmFy"}
	for i := 0; i < 100000; i++ {
		var b bytes.Buffer
		n := r.IntN(40)
		if i%100 == 0 {
			n = 3000 // past the 4 KiB block
		}
		for ; n > 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		got, gp := decodeBase64(b.Bytes())
		want, wp := decodeBase64ByByte(b.Bytes())
		if !bytes.Equal(got, want) || gp != wp {
			t.Fatalf("decodeBase64(%q) = %q %q, want %q %q", b.Bytes(), got, gp, want, wp)
		}
	}
}

// decodeBase64ByByte is decodeBase64 as it was, one byte at a time: the
// reference. It skips white space and reports characters outside the
// alphabet or a cut-off final quantum. Some mailers encode each line on its
// own, padding included: a chunk after padding is decoded as a new one.
func decodeBase64ByByte(body []byte) ([]byte, string) {
	// Well-formed base64 (line breaks ignored) goes through the standard
	// decoder at full speed; anything it refuses takes the careful path.
	out := make([]byte, base64.StdEncoding.DecodedLen(len(body)))
	if n, err := base64.StdEncoding.Decode(out, body); err == nil {
		return out[:n], ""
	}
	out = out[:0]
	chunk := make([]byte, 0, len(body))
	problem := ""
	padded := false
	flush := func() {
		if len(chunk)%4 == 1 {
			chunk = chunk[:len(chunk)-1]
			problem = ReasonTruncated
		}
		if need := len(out) + base64.RawStdEncoding.DecodedLen(len(chunk)); need > cap(out) {
			out = append(make([]byte, 0, need), out...)
		}
		n, err := base64.RawStdEncoding.Decode(out[len(out):cap(out)], chunk)
		if err != nil && problem == "" {
			problem = ReasonBadEncoding
		}
		out = out[:len(out)+n]
		chunk = chunk[:0]
	}
	for _, c := range body {
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case c == '=':
			padded = true
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			if padded {
				flush()
				padded = false
			}
			chunk = append(chunk, c)
		default:
			problem = ReasonBadEncoding
		}
	}
	flush()
	return out, problem
}
