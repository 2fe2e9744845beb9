package pdf_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// TestPDFLayoutText shows the text the layout rebuilds: comb digits in
// the groups their cells make, words apart, lines in reading order.
func TestPDFLayoutText(t *testing.T) {
	content := "BT /F1 9 Tf 72 722 Td (Social security number) Tj ET\n" +
		"q 1 0 0 1 186 700 cm /Fc Do Q\nq 1 0 0 1 72 700 cm /Fa Do Q\nq 1 0 0 1 140 700 cm /Fb Do Q\n" +
		"BT /F1 10 Tf 72 650 Td (Name) Tj 40 0 Td (Jane) Tj 24.5 0 Td (Doe) Tj ET\n"
	cell := func(d string) string { return testdoc.CombDigits(4, 5, 14, d) }
	pdf := testdoc.FormPage(content, []string{cell(testdoc.CombSSN[:3]), cell(testdoc.CombSSN[3:5]), cell(testdoc.CombSSN[5:])}, "", "")
	text, _, err := readPDF(testBudget(), pdf)
	if err != nil {
		t.Fatal(err)
	}
	want := "Social security number\n" + testdoc.CombSSN[:3] + " " + testdoc.CombSSN[3:5] + " " + testdoc.CombSSN[5:] + "\nName Jane Doe"
	if !strings.Contains(text, want) {
		t.Errorf("text %q, want it to hold %q", maskForTest(text), maskForTest(want))
	}
}

// pdfLayoutSeeds are fuzz seeds for the layout, the form and the streaming
// reader: comb digits, kerned TJ, AcroForm fields with and without
// appearances, flattened fields drawn as forms, and a content stream long
// enough to be read through the window more than once.
func pdfLayoutSeeds(t testing.TB) [][]byte {
	cell := func(d string) string { return testdoc.CombDigits(4, 5, 14, d) }
	long := strings.Repeat("BT /F1 10 Tf 1 0 0 1 72 700 Tm [(4) -900 (1) -900 (1)] TJ ET q 1 0 0 1 5 5 cm Q\n", 2000) +
		"BI /W 4 /H 1 /CS /G /BPC 8 ID \x00EI\x01\x02 EI\n" + testdoc.CombDigits(100, 650, 14, testdoc.CombCard)
	return [][]byte{
		testdoc.OnePage(testdoc.CombDigits(100, 650, 14, testdoc.CombCard), testdoc.Helvetica),
		testdoc.AcroFormSSN(false),
		testdoc.AcroFormSSN(true),
		testdoc.FormPage(testdoc.CombDigits(72, 720, 9, "12")+"q 1 0 0 1 186 700 cm /Fc Do Q q 1 0 0 1 72 700 cm /Fa Do Q q 0 1 -1 0 140 700 cm /Fb Do Q",
			[]string{cell(testdoc.CombSSN[:3]), cell(testdoc.CombSSN[3:5]), cell(testdoc.CombSSN[5:])}, "", ""),
		testdoc.OnePage(long, testdoc.Helvetica),
	}
}

// TestWritePDFLayoutSeeds writes pdfLayoutSeeds under testdata/fuzz when
// INTAKE_WRITE_FUZZ_SEEDS is set (see TestWriteFuzzSeeds).
func TestWritePDFLayoutSeeds(t *testing.T) {
	if os.Getenv("INTAKE_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set INTAKE_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz seeds")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzExtractPDF")
	for i, s := range pdfLayoutSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-layout-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
