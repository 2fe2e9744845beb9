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
