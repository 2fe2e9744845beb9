package leakcheck

import (
	"errors"
	"fmt"
	"strings"
)

// MaxGap is the most separators between two digits of one spelling (a run
// of spaces, or a CRLF, counts as one).
const MaxGap = 3

// MinDigits is the shortest number a Checker takes: an SSN. Shorter ones
// would match by chance in a large file.
const MinDigits = 9

// maxDepth is how deep encodings nest (base64 of a zip of XML with
// character references is three).
const maxDepth = 3

// Hit is one place where a planted number was found. It never holds the
// digits.
type Hit struct {
	Number   int    // index of the number in the list given to New
	Last4    string // its last four digits
	Spelling string // how it was written, e.g. "base64@2 › utf-16le@0: digits, separated"
	Offset   int    // byte offset in the blob of its first digit (or of the encoded region holding it)
	End      int    // byte offset just past it (or past the start of the encoded region)
}

func (h Hit) String() string {
	return fmt.Sprintf("number ending %s as %s at offset %d", h.Last4, h.Spelling, h.Offset)
}

// Checker finds a fixed set of numbers. It is safe for concurrent use.
type Checker struct {
	numbers [][]byte
	minLen  int
}

// New returns a Checker for numbers, each given as digits only (use
// Digits to strip a formatted one). It panics on a number that is not all
// ASCII digits or is shorter than MinDigits: that is a bug in the test.
func New(numbers ...string) *Checker {
	c := &Checker{minLen: 1 << 30}
	for i, n := range numbers {
		if len(n) < MinDigits || strings.Trim(n, "0123456789") != "" {
			panic(fmt.Sprintf("leakcheck: number %d is not %d or more ASCII digits", i, MinDigits))
		}
		c.numbers = append(c.numbers, []byte(n))
		c.minLen = min(c.minLen, len(n))
	}
	return c
}

// Digits returns the ASCII digits of s, in order.
func Digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Len is how many numbers c looks for.
func (c *Checker) Len() int { return len(c.numbers) }

// Last4 is the last four digits of number i, for a caller's messages.
func (c *Checker) Last4(i int) string {
	n := c.numbers[i]
	return string(n[len(n)-4:])
}

// ErrIncomplete is returned with the hits when decoding nested encodings
// went past the work budget: what was read is reported, the rest was not
// read.
var ErrIncomplete = errors.New("leakcheck: nested encodings past the work budget were not all read")

// Find returns every place in blob where a number of c sits, first by
// offset within each number. Overlapping hits of one number (a UTF-16
// text is also UTF-8 digits with NULs between them) are reported once,
// under the first reading that found them. The error is ErrIncomplete or
// nil.
func (c *Checker) Find(blob []byte) ([]Hit, error) {
	bmpOnce.Do(buildBMP)
	s := &scan{c: c, at: func(i int) int { return i }, atEnd: func(e int) int { return e }, budget: 16*len(blob) + 256<<20}
	s.level(blob, 0)
	if s.over {
		return s.hits, ErrIncomplete
	}
	return s.hits, nil
}

// maxHits bounds one Find's report: past it the blob is beyond saving.
const maxHits = 1000

// scan is one Find: its hits, where nested readings are, and what is left
// of the budget.
type scan struct {
	c      *Checker
	hits   []Hit
	prefix string          // the nested readings above this level, "base64@1 › "
	at     func(i int) int // offset at this level to offset in the blob
	atEnd  func(e int) int // the same for an offset just past something
	budget int             // bytes nested decoding may still produce
	over   bool
	run    run
	bufs   [maxDepth + 1][]byte
}

func (s *scan) add(h Hit) {
	for _, o := range s.hits {
		if o.Number == h.Number && h.Offset < o.End && o.Offset < h.End {
			return
		}
	}
	if len(s.hits) < maxHits {
		s.hits = append(s.hits, h)
	}
}

// level reads b every direct way, then looks inside the encodings it holds.
func (s *scan) level(b []byte, depth int) {
	s.utf8(b, false)
	if mayHoldEscapes(b) {
		s.utf8(b, true)
	}
	for k, ok := range s.wideCandidates(b) {
		if ok {
			s.wide(b, readings[k])
		}
	}
	if depth >= maxDepth {
		return
	}
	s.hex(b, depth)
	s.words(b, depth)
	s.base64(b, depth)
	s.inflate(b, depth)
}

// nested reads decoded, which the encoding name found in the current
// level; at maps an offset in decoded to one in the current level, atEnd
// an offset just past something (nil: just past where at maps the byte
// before).
func (s *scan) nested(decoded []byte, name string, depth int, at, atEnd func(int) int) {
	if len(decoded) < s.c.minLen {
		return
	}
	if s.budget < len(decoded) {
		s.over = true
		return
	}
	s.budget -= len(decoded)
	if atEnd == nil {
		atEnd = func(e int) int { return at(e-1) + 1 }
	}
	prefix, outer, outerEnd := s.prefix, s.at, s.atEnd
	s.prefix = prefix + name + " › "
	s.at = func(i int) int { return outer(at(i)) }
	s.atEnd = func(e int) int { return outerEnd(atEnd(e)) }
	s.level(decoded, depth+1)
	s.prefix, s.at, s.atEnd = prefix, outer, outerEnd
}
