package mailgen

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// TestQuotedPrintable round-trips random bytes through the encoder, with
// soft breaks forced at random offsets, and the standard library's reader.
func TestQuotedPrintable(t *testing.T) {
	g := New(5)
	for i := 0; i < 500; i++ {
		b := g.bytes(g.r.IntN(400))
		if g.r.IntN(2) == 0 {
			b = []byte(strings.ReplaceAll(string(b), "\n", "\r\n"))
		}
		forced := map[int]bool{}
		for k := g.r.IntN(5); k > 0 && len(b) > 0; k-- {
			forced[g.r.IntN(len(b))] = true
		}
		enc := quotedPrintable(b, forced, g.r.IntN(2) == 0, g.r.IntN(2) == 0)
		for _, line := range bytes.Split(enc, []byte("\r\n")) {
			if len(line) > 76 {
				t.Fatalf("line of %d characters", len(line))
			}
		}
		dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc)))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		// The reader turns hard line breaks into CRLF; bare CR and LF
		// were escaped, so only CRLF pairs may differ.
		if !bytes.Equal(dec, b) {
			t.Fatalf("round trip changed %d bytes into %d", len(b), len(dec))
		}
	}
}

// TestEncodedWords decodes what encodedWords writes, in each header
// charset, with the standard library's decoder.
func TestEncodedWords(t *testing.T) {
	g := New(6)
	dec := words
	for _, cs := range headerCharsets {
		for _, text := range []string{"Renée Weiß 4111 1111 1111 1111", "plain ascii 489-36-8350 and more words to need a second word", "カード番号 ４１１１ １１１１"} {
			rs := []rune(text)
			ps := []piece{{s: string(rs[:len(rs)/2])}, {s: string(rs[len(rs)/2:]), split: true}}
			if !strings.HasSuffix(text, "１") && cs.name == "iso-2022-jp" {
				continue
			}
			w, ok := g.encodedWords(cs, ps, g.r.IntN(2) == 0 && cs.name != "iso-2022-jp")
			if !ok {
				if _, can := cs.encodeString(text); can {
					t.Errorf("%s: could not encode a text it can write", cs.name)
				}
				continue
			}
			for _, word := range strings.Fields(w) {
				if len(word) > 75 {
					t.Errorf("%s: encoded word of %d characters", cs.name, len(word))
				}
			}
			got, err := dec.DecodeHeader(w)
			if err != nil || got != text {
				t.Errorf("%s: decoded %q (%v), want the text back", cs.name, maskDigits(got), err)
			}
		}
	}
}
