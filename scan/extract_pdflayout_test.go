package scan

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

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
			fmt.Fprintf(&b, "1 0 0 1 %d 600 Tm (%c) Tj\n", 100+i*16, testdoc.CombMC[i])
		}
		b.WriteString("ET\n")
		return b.String()
	}
	kerned := func() string {
		// One TJ, every digit kerned a cell apart.
		var b strings.Builder
		b.WriteString("BT /F1 10 Tf 72 640 Td [")
		for _, c := range testdoc.CombAmex {
			fmt.Fprintf(&b, "(%c) -900 ", c)
		}
		b.WriteString("] TJ ET\n")
		return b.String()
	}
	ssnLabel := "BT /F1 9 Tf 72 722 Td (Social security number) Tj ET\n"
	cell := func(d string) string { return testdoc.CombDigits(4, 5, 14, d) }

	cases := []struct {
		name string
		pdf  func(t *testing.T) []byte
		want string // summary of the scan
	}{
		{"comb cells, one Td per digit", func(t *testing.T) []byte {
			return testdoc.OnePage(testdoc.CombDigits(100, 650, 14, testdoc.CombCard), testdoc.Helvetica)
		}, "attachment:form.pdf=pan:4444"},
		{"digits placed by Tm out of reading order", func(t *testing.T) []byte {
			return testdoc.OnePage(shuffled(), testdoc.Helvetica)
		}, "attachment:form.pdf=pan:5100"},
		{"TJ kerning every digit apart", func(t *testing.T) []byte {
			return testdoc.OnePage(kerned(), testdoc.Helvetica)
		}, "attachment:form.pdf=pan:0005"},
		{"SSN in three flattened comb fields 3/2/4, drawn out of order", func(t *testing.T) []byte {
			content := ssnLabel +
				"q 1 0 0 1 186 700 cm /Fc Do Q\n" +
				"q 1 0 0 1 72 700 cm /Fa Do Q\n" +
				"q 1 0 0 1 140 700 cm /Fb Do Q\n"
			return testdoc.FormPage(content, []string{cell(testdoc.CombSSN[:3]), cell(testdoc.CombSSN[3:5]), cell(testdoc.CombSSN[5:])}, "", "")
		}, "attachment:form.pdf=ssn:8350"},
		{"card in four comb fields of four", func(t *testing.T) []byte {
			content := "BT /F1 9 Tf 72 722 Td (Card number) Tj ET\n"
			var forms []string
			for i := 0; i < 4; i++ {
				content += fmt.Sprintf("q 1 0 0 1 %d 700 cm /F%c Do Q\n", 72+i*70, 'a'+i)
				forms = append(forms, cell(testdoc.CombCard[4*i:4*i+4]))
			}
			return testdoc.FormPage(content, forms, "", "")
		}, "attachment:form.pdf=pan:4444"},
		{"AcroForm comb fields with values and no appearance", func(t *testing.T) []byte {
			return testdoc.AcroFormSSN(false)
		}, "attachment:form.pdf=ssn:8350"},
		{"AcroForm widgets whose appearance draws one digit per cell", func(t *testing.T) []byte {
			return testdoc.AcroFormSSN(true)
		}, "attachment:form.pdf=ssn:8350"},
		{"AcroForm values in field order, on no page", func(t *testing.T) []byte {
			objs := []testdoc.PDFObject{
				{Body: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>"},
				{Body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
				{Body: "<< /Type /Page /Parent 2 0 R /Contents 8 0 R >>"},
				{Body: "<< /T (ssn) /Kids [5 0 R 6 0 R 7 0 R] >>"},
				{Body: "<< /FT /Tx /T (a) /Parent 4 0 R /V (" + testdoc.CombSSN[:3] + ") >>"},
				{Body: "<< /FT /Tx /T (b) /Parent 4 0 R /V (" + testdoc.CombSSN[3:5] + ") >>"},
				{Body: "<< /FT /Tx /T (c) /Parent 4 0 R /V (" + testdoc.CombSSN[5:] + ") >>"},
				{Body: "<< /Length >>", Stream: "BT 72 700 Td (Social security number) Tj ET"},
			}
			return testdoc.BuildPDF("%PDF-1.7", objs...)
		}, "attachment:form.pdf=ssn:8350"},
		{"fpdf comb boxes, one cell per digit", func(t *testing.T) []byte {
			return testdoc.FPDFComb(t, "Social security number", []string{testdoc.CombSSN[:3], testdoc.CombSSN[3:5], testdoc.CombSSN[5:]})
		}, "attachment:form.pdf=ssn:8350"},
		{"digits too far apart to join are not clean", func(t *testing.T) []byte {
			return testdoc.OnePage(testdoc.CombDigits(20, 650, 90, testdoc.CombCard), testdoc.Helvetica)
		}, "attachment:form.pdf!no_text"},
		{"ordinary words and amounts stay apart", func(t *testing.T) []byte {
			var b strings.Builder
			b.WriteString("BT /F1 10 Tf 72 700 Td (Invoice) Tj 43 0 Td (2024) Tj 30 0 Td (0312) Tj 60 0 Td (Total) Tj 30 0 Td (1,234.56) Tj ET\n")
			b.WriteString("BT /F1 10 Tf 72 680 Td (Page) Tj 26 0 Td (1) Tj 10 0 Td (of) Tj 14 0 Td (2) Tj ET\n")
			return testdoc.OnePage(b.String(), testdoc.Helvetica)
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
