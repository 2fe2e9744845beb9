package pdf_test

import (
	"bytes"
	"context"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/scan/internal/budget"
	"github.com/intake-mail/intake/scan/internal/pdf"
	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// The reader's tests read documents as the walk lends them: the scanner's
// own detector checks the layout, and the image policy is images =
// withhold, which never decodes an image (noted, to be counted). (The
// tests of package scan read PDFs through the real walk and policy.)

// Published test numbers only (promise 1).
const (
	testCard       = testdoc.Card
	testCardDigits = testdoc.CardDigits
	testSSN        = testdoc.SSN
)

var (
	maskForTest   = testdoc.MaskForTest
	last4         = testdoc.Last4
	reasonOrEmpty = testdoc.ReasonOrEmpty
)

// testEnv stands in for the walk.
type testEnv struct {
	images []string // the names of the images the document drew
}

func (*testEnv) Detect(text []byte) []pdf.Match {
	var out []pdf.Match
	for _, m := range scan.Detect(text) {
		out = append(out, pdf.Match{Kind: string(m.Kind), Last4: m.Last4, Start: m.Start, End: m.End})
	}
	return out
}

// KeywordWindow is the detector's (scan's keywordWindow).
func (*testEnv) KeywordWindow() int { return 300 }

// Format tells text from anything else, as the walk's classifier does for
// the files these tests attach.
func (*testEnv) Format(data []byte) string {
	if utf8.Valid(data) && !bytes.ContainsRune(data, 0) {
		return "text"
	}
	return "unknown"
}

func (*testEnv) WantsImage(w, h int, sized bool) bool { return false }

func (e *testEnv) Image(name string, w, h int, sized bool, load func() ([]byte, error)) {
	e.images = append(e.images, name)
}

// readPDF reads a PDF within b.
func readPDF(b *budget.Budget, data []byte) (string, *testEnv, error) {
	env := &testEnv{}
	t, err := pdf.Text(b, data, env)
	return t, env, err
}

func testBudget() *budget.Budget { return budget.New(context.Background(), testdoc.Limits()) }

// fuzzLimits are small, so one input cannot take the fuzzer's memory or
// time, and so crossing a budget is a path the fuzzer reaches.
func fuzzLimits() budget.Limits {
	return budget.Limits{
		MaxDecodedBytes: 4 << 20,
		MaxParts:        64,
		MaxArchiveRatio: 100,
		MaxArchiveFiles: 64,
		MaxTime:         5 * time.Second,
	}
}

// checkBudget asserts the reader stayed within the decoded-bytes budget;
// the text itself may be charged once past it (that is how it is refused).
func checkBudget(t *testing.T, b *budget.Budget, extra int) {
	t.Helper()
	if b.Decoded() > b.Limits().MaxDecodedBytes+int64(extra) {
		t.Fatalf("decoded %d bytes, budget %d", b.Decoded(), b.Limits().MaxDecodedBytes)
	}
}
