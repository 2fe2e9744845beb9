package pdf_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/budget"
	"github.com/intake-mail/intake/scan/internal/testdoc"
)

func BenchmarkPDFText(b *testing.B) {
	var lines []string
	for i := 0; i < 40; i++ {
		lines = append(lines, fmt.Sprintf("Line %d of a typical statement: order 20%02d-%04d, total $%d.%02d", i, i, i*37, i*11, i%100))
	}
	lines = append(lines, "Card "+testCard)
	data := testdoc.FPDF(b, testdoc.FPDFOptions{Compress: true, Lines: lines})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		text, _, err := readPDF(testBudget(), data)
		if err != nil || !strings.Contains(text, testCard) {
			b.Fatalf("pdf.Text: %v (%d bytes)", err, len(text))
		}
	}
}

// TestPDFHostile feeds structures that would loop, recurse or grow without
// bound in a naive reader. Each must end with a verdict, within the budget.
func TestPDFHostile(t *testing.T) {
	selfForm := []testdoc.PDFObject{
		{Body: "<< /Type /Catalog /Pages 2 0 R >>"},
		{Body: "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 1 >>"}, // the tree contains itself
		{Body: "<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Fm 5 0 R >> >> /Contents [4 0 R 4 0 R 4 0 R] >>"},
		{Body: "<< /Length >>", Stream: "/Fm Do /Fm Do"},
		{Body: "<< /Type /XObject /Subtype /Form /Resources << /XObject << /Fm 5 0 R >> >> /Length >>", Stream: "BT (4111) Tj ET /Fm Do /Fm Do"},
	}
	deep := strings.Repeat("[", 100_000) + "(x)" + strings.Repeat("]", 100_000)
	manyOperands := strings.Repeat("1 ", 500_000) + "BT (ok) Tj ET"
	cases := []struct {
		name string
		pdf  []byte
	}{
		{"form draws itself, tree holds itself", testdoc.BuildPDF("%PDF-1.7", selfForm...)},
		{"deep nesting", testdoc.OnePage("BT "+deep+" TJ ET", testdoc.Helvetica)},
		{"a million operands", testdoc.OnePage(manyOperands, testdoc.Helvetica)},
		{"object stream that lies about its count", testdoc.BuildPDF("%PDF-1.5",
			testdoc.PDFObject{Body: "<< /Type /Catalog /Pages 2 0 R >>"},
			testdoc.PDFObject{Body: "<< /Type /ObjStm /N 9223372036854775807 /First 4 /Length >>", Stream: "2 0 << /Type /Pages >>"})},
		{"unterminated strings after every trailer", []byte("%PDF-1.4\n" + strings.Repeat("trailer << /A (", 20_000) + "\n%%EOF")},
		{"codespace flood", testdoc.OnePage("BT /F1 12 Tf <"+strings.Repeat("0014", 20_000)+"> Tj ET", testdoc.Type0Font,
			testdoc.PDFObject{Body: "<< /Length >>", Stream: "begincodespacerange " + strings.Repeat("<00000000> <00000001> ", 50_000) + "endcodespacerange", Flate: true})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lim := fuzzLimits()
			b := budget.New(context.Background(), lim)
			text, _, err := readPDF(b, tc.pdf)
			if budget.ReasonOf(err) == budget.ReasonTimeout {
				t.Fatalf("ran out of time: %v", err)
			}
			checkBudget(t, b, len(text))
		})
	}
}
