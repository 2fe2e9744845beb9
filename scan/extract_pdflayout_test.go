package scan

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

// Test numbers (promise 1): a MasterCard and an Amex test card, a Visa
// test card, and an SSN that passes the SSA's rules.
const (
	combCard = "5555555555554444"
	combMC   = "5105105105105100"
	combAmex = "378282246310005"
	combSSN  = "489368350"
)

// combDigits draws digits one per cell, pitch apart, from x on baseline y,
// one Td per digit, as viewers write comb field appearances.
func combDigits(x, y, pitch float64, digits string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "BT /F1 10 Tf %g %g Td ", x, y)
	for i, c := range digits {
		if i > 0 {
			fmt.Fprintf(&b, "%g 0 Td ", pitch)
		}
		fmt.Fprintf(&b, "(%c) Tj ", c)
	}
	b.WriteString("ET\n")
	return b.String()
}

// formPage is a one-page PDF whose page draws content with font F1
// (Helvetica) and form XObjects Fa, Fb, Fc (objects 6-8, when given), and
// whose catalog carries the AcroForm and page the annotations given.
func formPage(content string, forms []string, acroForm, annots string, more ...pdfObject) []byte {
	xobj := ""
	for i := range forms {
		xobj += fmt.Sprintf("/F%c %d 0 R ", 'a'+i, 6+i)
	}
	objs := []pdfObject{
		{body: "<< /Type /Catalog /Pages 2 0 R " + acroForm + " >>"},
		{body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{body: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << " + xobj + ">> >> /Contents 4 0 R " + annots + " >>"},
		{body: "<< /Length >>", stream: content, flate: true},
		{body: helvetica},
	}
	for _, f := range forms {
		objs = append(objs, pdfObject{body: "<< /Type /XObject /Subtype /Form /BBox [0 0 200 20] /Resources << /Font << /F1 5 0 R >> >> /Length >>", stream: f, flate: true})
	}
	return buildPDF("%PDF-1.7", append(objs, more...)...)
}

// scanPDF scans a message that carries pdf as form.pdf.
func scanPDF(t *testing.T, pdf []byte) *Result {
	t.Helper()
	raw := msg("Subject: the form\r\nContent-Type: multipart/mixed; boundary=b\r\n", []byte(
		"--b\r\nContent-Type: text/plain\r\n\r\nform attached\r\n"+
			"--b\r\nContent-Type: application/pdf; name=form.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64(pdf))+"--b--\r\n"))
	res, err := New(DefaultLimits()).Scan(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestPDFGlyphLayout: numbers drawn a glyph at a time, the way tax and
// bank forms draw comb fields and flattened form fields, are found; the
// old stream-order reading came out as "5 5 5 5 ..." and passed them as
// clean attachments.
func TestPDFGlyphLayout(t *testing.T) {
	shuffled := func() string {
		// The digits of the card drawn by Tm in an order that is not
		// the reading order; on the page they read left to right.
		var b strings.Builder
		b.WriteString("BT /F1 11 Tf\n")
		for _, i := range []int{7, 0, 12, 3, 15, 9, 1, 14, 5, 10, 2, 13, 6, 11, 4, 8} {
			fmt.Fprintf(&b, "1 0 0 1 %d 600 Tm (%c) Tj\n", 100+i*16, combMC[i])
		}
		b.WriteString("ET\n")
		return b.String()
	}
	kerned := func() string {
		// One TJ, every digit kerned a cell apart.
		var b strings.Builder
		b.WriteString("BT /F1 10 Tf 72 640 Td [")
		for _, c := range combAmex {
			fmt.Fprintf(&b, "(%c) -900 ", c)
		}
		b.WriteString("] TJ ET\n")
		return b.String()
	}
	ssnLabel := "BT /F1 9 Tf 72 722 Td (Social security number) Tj ET\n"
	cell := func(d string) string { return combDigits(4, 5, 14, d) }

	cases := []struct {
		name string
		pdf  func(t *testing.T) []byte
		want string // summary of the scan
	}{
		{"comb cells, one Td per digit", func(t *testing.T) []byte {
			return onePage(combDigits(100, 650, 14, combCard), helvetica)
		}, "attachment:form.pdf=pan:4444"},
		{"digits placed by Tm out of reading order", func(t *testing.T) []byte {
			return onePage(shuffled(), helvetica)
		}, "attachment:form.pdf=pan:5100"},
		{"TJ kerning every digit apart", func(t *testing.T) []byte {
			return onePage(kerned(), helvetica)
		}, "attachment:form.pdf=pan:0005"},
		{"SSN in three flattened comb fields 3/2/4, drawn out of order", func(t *testing.T) []byte {
			content := ssnLabel +
				"q 1 0 0 1 186 700 cm /Fc Do Q\n" +
				"q 1 0 0 1 72 700 cm /Fa Do Q\n" +
				"q 1 0 0 1 140 700 cm /Fb Do Q\n"
			return formPage(content, []string{cell(combSSN[:3]), cell(combSSN[3:5]), cell(combSSN[5:])}, "", "")
		}, "attachment:form.pdf=ssn:8350"},
		{"card in four comb fields of four", func(t *testing.T) []byte {
			content := "BT /F1 9 Tf 72 722 Td (Card number) Tj ET\n"
			var forms []string
			for i := 0; i < 4; i++ {
				content += fmt.Sprintf("q 1 0 0 1 %d 700 cm /F%c Do Q\n", 72+i*70, 'a'+i)
				forms = append(forms, cell(combCard[4*i:4*i+4]))
			}
			return formPage(content, forms, "", "")
		}, "attachment:form.pdf=pan:4444"},
		{"AcroForm comb fields with values and no appearance", func(t *testing.T) []byte {
			return acroFormSSN(false)
		}, "attachment:form.pdf=ssn:8350"},
		{"AcroForm widgets whose appearance draws one digit per cell", func(t *testing.T) []byte {
			return acroFormSSN(true)
		}, "attachment:form.pdf=ssn:8350"},
		{"AcroForm values in field order, on no page", func(t *testing.T) []byte {
			objs := []pdfObject{
				{body: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>"},
				{body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
				{body: "<< /Type /Page /Parent 2 0 R /Contents 8 0 R >>"},
				{body: "<< /T (ssn) /Kids [5 0 R 6 0 R 7 0 R] >>"},
				{body: "<< /FT /Tx /T (a) /Parent 4 0 R /V (" + combSSN[:3] + ") >>"},
				{body: "<< /FT /Tx /T (b) /Parent 4 0 R /V (" + combSSN[3:5] + ") >>"},
				{body: "<< /FT /Tx /T (c) /Parent 4 0 R /V (" + combSSN[5:] + ") >>"},
				{body: "<< /Length >>", stream: "BT 72 700 Td (Social security number) Tj ET"},
			}
			return buildPDF("%PDF-1.7", objs...)
		}, "attachment:form.pdf=ssn:8350"},
		{"fpdf comb boxes, one cell per digit", func(t *testing.T) []byte {
			return fpdfComb(t, "Social security number", []string{combSSN[:3], combSSN[3:5], combSSN[5:]})
		}, "attachment:form.pdf=ssn:8350"},
		{"digits too far apart to join are not clean", func(t *testing.T) []byte {
			return onePage(combDigits(20, 650, 90, combCard), helvetica)
		}, "attachment:form.pdf!no_text"},
		{"ordinary words and amounts stay apart", func(t *testing.T) []byte {
			var b strings.Builder
			b.WriteString("BT /F1 10 Tf 72 700 Td (Invoice) Tj 43 0 Td (2024) Tj 30 0 Td (0312) Tj 60 0 Td (Total) Tj 30 0 Td (1,234.56) Tj ET\n")
			b.WriteString("BT /F1 10 Tf 72 680 Td (Page) Tj 26 0 Td (1) Tj 10 0 Td (of) Tj 14 0 Td (2) Tj ET\n")
			return onePage(b.String(), helvetica)
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := scanPDF(t, tc.pdf(t))
			if got := summary(res); got != tc.want {
				t.Errorf("scan: %q, want %q", got, tc.want)
			}
		})
	}
}

// acroFormSSN is a form of three comb text fields (MaxLen 3, 2, 4) under
// a "Social security number" label, holding an SSN. With appearances, each
// widget draws its digits one per cell, as Acrobat does; without, the
// values are only in /V and the file asks viewers to draw them.
func acroFormSSN(appearances bool) []byte {
	parts := []string{combSSN[:3], combSSN[3:5], combSSN[5:]}
	rects := []string{"[72 690 114 710]", "[130 690 158 710]", "[174 690 230 710]"}
	objs := []pdfObject{
		{body: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R 7 0 R 8 0 R] /NeedAppearances true /DA (/Helv 0 Tf 0 g) >> >>"},
		{body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{body: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R /Annots [6 0 R 7 0 R 8 0 R] >>"},
		{body: "<< /Length >>", stream: "BT /F1 9 Tf 72 722 Td (Social security number) Tj ET", flate: true},
		{body: helvetica},
	}
	for i, p := range parts {
		ap := ""
		if appearances {
			ap = fmt.Sprintf("/AP << /N %d 0 R >>", 9+i)
		}
		objs = append(objs, pdfObject{body: fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /Ff 29360128 /MaxLen %d /T (ssn%d) /V (%s) /Rect %s /DA (/Helv 10 Tf 0 g) /P 3 0 R %s >>", len(p), i+1, p, rects[i], ap)})
	}
	if appearances {
		for _, p := range parts {
			// A BBox of 100 units squeezed into the widget's rectangle.
			objs = append(objs, pdfObject{body: fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 %d 40] /Resources << /Font << /F1 5 0 R >> >> /Length >>", 28*len(p)),
				stream: "/Tx BMC q BT /F1 20 Tf 6 10 Td " + combAppearance(p) + " ET Q EMC", flate: true})
		}
	}
	return buildPDF("%PDF-1.7", objs...)
}

// combAppearance shows digits one per 28-unit cell after "6 10 Td".
func combAppearance(digits string) string {
	var b strings.Builder
	for i, c := range digits {
		if i > 0 {
			b.WriteString(" 28 0 Td ")
		}
		fmt.Fprintf(&b, "(%c) Tj", c)
	}
	return b.String()
}

// fpdfComb draws a label and, under it, groups of digits in comb boxes of
// one cell per digit, a blank cell between groups, as go-pdf/fpdf would
// for a tax form.
func fpdfComb(t *testing.T, label string, groups []string) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(true)
	p.AddPage()
	p.SetFont("Helvetica", "", 8)
	p.Cell(0, 6, label)
	p.Ln(7)
	p.SetFont("Helvetica", "", 12)
	for gi, g := range groups {
		if gi > 0 {
			p.Cell(6, 7, "")
		}
		for _, c := range g {
			p.CellFormat(6, 7, string(c), "1", 0, "C", false, 0, "")
		}
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		t.Fatalf("fpdf: %v", err)
	}
	return out.Bytes()
}

// TestPDFLayoutText shows the text the layout rebuilds: comb digits in
// the groups their cells make, words apart, lines in reading order.
func TestPDFLayoutText(t *testing.T) {
	content := "BT /F1 9 Tf 72 722 Td (Social security number) Tj ET\n" +
		"q 1 0 0 1 186 700 cm /Fc Do Q\nq 1 0 0 1 72 700 cm /Fa Do Q\nq 1 0 0 1 140 700 cm /Fb Do Q\n" +
		"BT /F1 10 Tf 72 650 Td (Name) Tj 40 0 Td (Jane) Tj 24.5 0 Td (Doe) Tj ET\n"
	cell := func(d string) string { return combDigits(4, 5, 14, d) }
	pdf := formPage(content, []string{cell(combSSN[:3]), cell(combSSN[3:5]), cell(combSSN[5:])}, "", "")
	text, err := pdfText(testBudget(), pdf)
	if err != nil {
		t.Fatal(err)
	}
	want := "Social security number\n" + combSSN[:3] + " " + combSSN[3:5] + " " + combSSN[5:] + "\nName Jane Doe"
	if !strings.Contains(text, want) {
		t.Errorf("text %q, want it to hold %q", maskForTest(text), maskForTest(want))
	}
}

// pdfLayoutSeeds are fuzz seeds for the layout, the form and the streaming
// reader: comb digits, kerned TJ, AcroForm fields with and without
// appearances, flattened fields drawn as forms, and a content stream long
// enough to be read through the window more than once.
func pdfLayoutSeeds(t testing.TB) [][]byte {
	cell := func(d string) string { return combDigits(4, 5, 14, d) }
	long := strings.Repeat("BT /F1 10 Tf 1 0 0 1 72 700 Tm [(4) -900 (1) -900 (1)] TJ ET q 1 0 0 1 5 5 cm Q\n", 2000) +
		"BI /W 4 /H 1 /CS /G /BPC 8 ID \x00EI\x01\x02 EI\n" + combDigits(100, 650, 14, combCard)
	return [][]byte{
		onePage(combDigits(100, 650, 14, combCard), helvetica),
		acroFormSSN(false),
		acroFormSSN(true),
		formPage(combDigits(72, 720, 9, "12")+"q 1 0 0 1 186 700 cm /Fc Do Q q 1 0 0 1 72 700 cm /Fa Do Q q 0 1 -1 0 140 700 cm /Fb Do Q",
			[]string{cell(combSSN[:3]), cell(combSSN[3:5]), cell(combSSN[5:])}, "", ""),
		onePage(long, helvetica),
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
