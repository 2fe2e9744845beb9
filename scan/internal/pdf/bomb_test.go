package pdf_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/intake-mail/intake/scan/internal/budget"
	"github.com/intake-mail/intake/scan/internal/pdf"
	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// TestPDFInflateBomb: the bomb, a PDF of a few hundred KiB whose
// content stream inflates to 200 MiB of text-showing operators, is read as
// it inflates: the heap stays small and the part is withheld as too_large
// (its text is past the document's text budget). The old reader inflated
// the whole stream, then held its text several times over: 1.8 GB RSS.
func TestPDFInflateBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 200 MiB bomb")
	}
	// The bomb with the default limits, and other shapes of it
	// (smaller, with a smaller text budget, to keep the test short).
	small := testdoc.Limits()
	small.MaxDocumentText = 1 << 20
	sevens := "(" + strings.Repeat("7", 4000) + ") Tj\n"
	shapes := []struct {
		name, unit, where string
		inflated          int
		lim               budget.Limits
		reason            string
	}{
		{"200 MiB of long strings", sevens, "page", 200 * testdoc.MiB, testdoc.Limits(), budget.ReasonTooLarge},
		{"in a form the page draws", sevens, "form", 200 * testdoc.MiB, testdoc.Limits(), budget.ReasonTooLarge},
		{"in a stream no page draws", sevens, "orphan", 200 * testdoc.MiB, testdoc.Limits(), budget.ReasonTooLarge},
		{"in an attached text file", strings.Repeat("7", 4000) + "\n", "attached", 200 * testdoc.MiB, testdoc.Limits(), budget.ReasonTooLarge},
		{"one glyph per show", "(7) Tj\n", "page", 40 * testdoc.MiB, small, budget.ReasonTooLarge},
		{"one glyph per Td", "(7) Tj 9 0 Td\n", "page", 40 * testdoc.MiB, small, budget.ReasonTooLarge},
		{"TJ arrays kerning every glyph", "[(7) -900 (7) -900 (7) -900 (7)] TJ\n", "page", 40 * testdoc.MiB, small, budget.ReasonTooLarge},
		{"drawing, no text", "0 0 m 1 1 l S\n", "page", 40 * testdoc.MiB, testdoc.Limits(), ""},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			bomb := testdoc.PDFBomb(t, sh.inflated, sh.unit, sh.where)
			stop := testdoc.HeapPeak()
			start := time.Now()
			text, _, err := readPDF(budget.New(context.Background(), sh.lim), bomb)
			elapsed := time.Since(start)
			peak := stop()
			t.Logf("%d KiB PDF inflating to %d MiB: reason %q, %d bytes of text, heap peak %d MiB, %v", len(bomb)>>10, sh.inflated/testdoc.MiB, reasonOrEmpty(err), len(text), peak/testdoc.MiB, elapsed.Round(time.Millisecond))
			if reasonOrEmpty(err) != sh.reason {
				t.Errorf("reason %q, want %q", reasonOrEmpty(err), sh.reason)
			}
			if peak > 160*testdoc.MiB {
				t.Errorf("heap grew by %d MiB reading one bomb", peak/testdoc.MiB)
			}
		})
	}
}

// TestPDFContentWindow: a content stream read through its window loses no
// token at the window's edge, follows a string longer than the window,
// skips an inline image longer than it, and refuses (too_large) a string
// longer than any window it would grow to: cutting it would hide its end.
func TestPDFContentWindow(t *testing.T) {
	filler := strings.Repeat("0 0 m 1 1 l S ", pdf.Window/14+7) // tokens across every edge
	longString := strings.Repeat("x", 3*pdf.Window) + " " + testCard
	image := strings.Repeat("\x00\xffE I\n", 2*pdf.Window/6)
	cases := []struct {
		name, content string
		want          string
		reason        string
	}{
		{"tokens across the window's edges", filler + "BT /F1 12 Tf 72 700 Td (" + testCard + ") Tj ET " + filler, testCard, ""},
		{"a string longer than the window", filler + "BT /F1 12 Tf 72 700 Td (" + longString + ") Tj ET", testCard, ""},
		{"an inline image longer than the window", "BI /W 1 /H 1 ID\n" + image + " EI BT /F1 12 Tf 72 700 Td (" + testCard + ") Tj ET", testCard, ""},
		{"a string longer than any window", "BT /F1 12 Tf 72 700 Td (" + strings.Repeat("7", pdf.MaxToken+10) + ") Tj ET", "", budget.ReasonTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text, _, err := readPDF(testBudget(), testdoc.OnePage(tc.content, testdoc.Helvetica))
			if reasonOrEmpty(err) != tc.reason {
				t.Fatalf("reason %q (%v), want %q", reasonOrEmpty(err), err, tc.reason)
			}
			if tc.want != "" && !strings.Contains(text, tc.want) {
				t.Errorf("text (%d bytes) lacks the number ending %s", len(text), last4(tc.want))
			}
		})
	}
}

// TestSharedBudgetLongDocument: what a document holds of the shared
// account follows what it holds in memory: a window given back at the end
// of each page is given back to the account too, so a long document does
// not run out of a small account.
func TestSharedBudgetLongDocument(t *testing.T) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(true)
	p.SetFont("Helvetica", "", 12)
	for i := 0; i < 400; i++ {
		p.AddPage()
		p.Cell(0, 8, fmt.Sprintf("Page %d of the statement", i+1))
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		t.Fatal(err)
	}
	lim := testdoc.Limits()
	lim.Shared = budget.NewShared(12*testdoc.MiB, 5*time.Second)
	text, _, err := readPDF(budget.New(context.Background(), lim), out.Bytes())
	if err != nil || !strings.Contains(text, "Page 400 of") {
		t.Fatalf("400 pages: %v, %d bytes of text", err, len(text))
	}
	t.Logf("400 pages, %d KiB: shared account peak %d KiB", out.Len()>>10, lim.Shared.Peak()>>10)
	if lim.Shared.InUse() != 0 {
		t.Errorf("%d bytes still held", lim.Shared.InUse())
	}
}
