package scan

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/corpus"
)

// streamed feeds text to a streamDetector in pieces of size bytes.
func streamed(text []byte, size int) []Match {
	s := newStreamDetector()
	for len(text) > 0 {
		n := min(size, len(text))
		s.Write(text[:n])
		text = text[n:]
	}
	return s.Close()
}

// sameMatches reports the first difference between two lists of matches,
// without digits beyond the last four.
func sameMatches(got, want []Match) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d matches, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Sprintf("match %d: %s %s at [%d,%d), want %s %s at [%d,%d)", i,
				got[i].Kind, got[i].Masked, got[i].Start, got[i].End, want[i].Kind, want[i].Masked, want[i].Start, want[i].End)
		}
	}
	return ""
}

// straddlingText is prose of about n bytes with numbers of every shape
// the detector decides by its surroundings, every few hundred bytes, so
// that some straddle every piece boundary and every window limit: cards
// spaced, wrapped and in cells; SSNs bare (their keyword before or after
// them, near the window's reach), mixed, in a row of cells under a line of
// figures or not; look-alikes beside them.
func straddlingText(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 13))
	prose := corpus.Prose(n, seed)
	shapes := []string{
		"card 4111 1111 1111 1111 thanks",
		"4111 1111\n1111 1111",
		"4111111111111111 12/27 123",
		"SSN 489-36-8350",
		"my SSN is\n" + strings.Repeat("word ", 55) + "489368350",
		"489368350 " + strings.Repeat("word ", 55) + " is my social security number",
		"489368350 " + strings.Repeat("word ", 70) + " SSN too far",
		"SSN 589 93-7059",
		"Part 589 93-7059 back-ordered",
		"SSN\n489\t36\t8350\n",
		"1\t2\t3\t4\n489\t36\t8350\n5\t6\t7\t8\n",
		"call (262) 555-0123 on 03/04/2026",
		"order 4111 1111 1111 1112",
		"４１１１ １１１１ １１１１ １１１１",
		strings.Repeat("1 ", 300),
		strings.Repeat("9", 40),
	}
	var b bytes.Buffer
	for len(prose) > 0 {
		k := min(len(prose), 50+r.IntN(400))
		b.Write(prose[:k])
		prose = prose[k:]
		b.WriteByte(' ')
		b.WriteString(shapes[r.IntN(len(shapes))])
		b.WriteByte(' ')
	}
	return b.Bytes()
}

// TestStreamDetectorSameAsWhole: fed in pieces of any size, the stream
// detector finds exactly what Detect finds in the whole text, offsets
// included: numbers cut by a piece boundary or by the window's limit,
// SSN words just inside and just outside the window's reach, rows of
// cells whose neighbour lines decide them, runs longer than the window.
func TestStreamDetectorSameAsWhole(t *testing.T) {
	texts := map[string][]byte{
		"straddling":   straddlingText(3*streamContext, 1),
		"straddling-2": straddlingText(5*streamContext, 2),
		"dense csv":    corpus.CSV(2*streamContext, 3),
		"prose":        corpus.Prose(3*streamContext, 4),
		"one long run": append(append([]byte("SSN "), bytes.Repeat([]byte("12 "), 3*streamContext)...), " 489-36-8350"...),
		"short":        []byte("SSN 489-36-8350 and 4111 1111 1111 1111"),
		"empty":        nil,
	}
	sizes := []int{1, 2, 3, 7, 64, 1000, 4093, streamContext - 1, streamContext, streamContext + 1, 2*streamContext + 17, 1 << 20}
	for k := 5; k < 4096; k = k*3/2 + 1 {
		sizes = append(sizes, k)
	}
	for name, text := range texts {
		want := Detect(text)
		if len(text) > streamContext && len(want) == 0 && name != "prose" && name != "dense csv" {
			t.Fatalf("%s: nothing to find; the case proves nothing", name)
		}
		for _, size := range sizes {
			if size < 64 && len(text) > 2*streamContext {
				// One byte at a time over a long text costs minutes;
				// the boundary cases are the same at every size.
				text := text[:2*streamContext]
				if diff := sameMatches(streamed(text, size), Detect(text)); diff != "" {
					t.Errorf("%s (first %d bytes), pieces of %d: %s", name, len(text), size, diff)
				}
				continue
			}
			if diff := sameMatches(streamed(text, size), want); diff != "" {
				t.Errorf("%s, pieces of %d: %s", name, size, diff)
			}
		}
	}
}

// TestStreamDetectorEveryPieceSize: every piece size from one byte to
// 700, and then every 97th to past the window, on a text with a number
// every few hundred bytes.
func TestStreamDetectorEveryPieceSize(t *testing.T) {
	text := straddlingText(streamContext+streamContext/2, 7)
	want := Detect(text)
	if len(want) < 20 {
		t.Fatalf("%d numbers: too few to prove anything", len(want))
	}
	for size := 1; size < 3*streamContext; size++ {
		if size > 700 {
			size += 96
		}
		if diff := sameMatches(streamed(text, size), want); diff != "" {
			t.Fatalf("pieces of %d: %s", size, diff)
		}
	}
}

// TestStreamDetectorEveryCut: a number cut at every byte offset by the
// first piece boundary, with the window limit at every offset too.
func TestStreamDetectorEveryCut(t *testing.T) {
	pad := corpus.Prose(streamContext+500, 9)
	for _, shape := range []string{"card 4111 1111 1111 1111 thanks", "SSN 489-36-8350", "my ssn\n489368350.", "SSN\n489\t36\t8350\n", "SSN 589 93-7059"} {
		text := append(append(bytes.Clone(pad), ' '), shape...)
		text = append(text, pad[:600]...)
		want := Detect(text)
		if len(want) != 1 {
			t.Fatalf("%q: %d matches in the whole text, want 1", last4(shape), len(want))
		}
		for cut := 1; cut < len(text); cut += 1 + cut/4096*97 {
			s := newStreamDetector()
			s.Write(text[:cut])
			s.Write(text[cut:])
			if diff := sameMatches(s.Close(), want); diff != "" {
				t.Fatalf("number ending %s, cut at %d: %s", last4(shape), cut, diff)
			}
		}
	}
}

// BenchmarkStreamDetectProse is the detector as `intake scan` runs it
// over a large message: the prose corpus in pieces of 1 MiB.
func BenchmarkStreamDetectProse(b *testing.B) { benchStream(b, prose) }
func BenchmarkStreamDetectDense(b *testing.B) { benchStream(b, dense) }

func benchStream(b *testing.B, text []byte) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		streamed(text, 1<<20)
	}
}
