package scan

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestKeywordNearSkipsOnlyNonKeywords: the index's inline first tests
// pass over no byte keywordAt would take: near answers as a search of
// every byte does.
func TestKeywordNearSkipsOnlyNonKeywords(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 2))
	words := []string{"ssn", "SSN#", "its", "tin", "Tax ID", "itin", "social", "x", " ", "\n", "é", "社会保障番号", "1", "-", "sit", "TINs"}
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := r.IntN(30); n > 0; n-- {
			b.WriteString(words[r.IntN(len(words))])
		}
		text := []byte(b.String())
		var k keywordIndex
		for start := 0; start < len(text); start += 1 + r.IntN(40) {
			end := min(len(text), start+1+r.IntN(9))
			want := false
			for p := max(0, start-keywordWindow); p < min(len(text), end+keywordWindow); p++ {
				want = want || keywordAt(text, p)
			}
			if got := k.near(text, start, end); got != want {
				t.Fatalf("near(%q, %d, %d) = %v, want %v", text, start, end, got, want)
			}
		}
	}
}

// TestMayStartKeyword: every byte value, at every place in the word and
// beside every other kind of byte, is marked exactly when keywordAt could
// take it.
func TestMayStartKeyword(t *testing.T) {
	for _, fill := range []byte{0, ' ', 's', 0xE3, 0x7f, 0xff} {
		for c := 0; c < 256; c++ {
			for at := 0; at < 8; at++ {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[at] = byte(c)
				m := mayStartKeyword(uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 | uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56)
				for i, b := range w {
					want := b >= 0xE0 || b|0x20 == 's' || b|0x20 == 'i' || b|0x20 == 't'
					if got := m>>(8*i+7)&1 == 1; got != want {
						t.Fatalf("byte %#x at %d (beside %#x): marked %v, want %v", b, i, fill, got, want)
					}
				}
			}
		}
	}
}

// TestKeywordSecondLetters: keywordAt's test of the second letter lets
// through every keyword: each one, in any case, is still found.
func TestKeywordSecondLetters(t *testing.T) {
	for _, kw := range ssnKeywords {
		for _, v := range []string{kw, strings.ToUpper(kw), strings.ToUpper(kw[:1]) + kw[1:]} {
			if !keywordAt([]byte(" "+v+" "), 1) {
				t.Errorf("%q not found", v)
			}
		}
	}
}
