package scan

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// Published test numbers only (promise 1).
const (
	testCard       = "4111 1111 1111 1111"
	testCardDigits = "4111111111111111"
	testSSN        = "078-05-1123"
)

func testBudget() *account { return newAccount(context.Background(), DefaultLimits()) }

func TestPDFText(t *testing.T) {
	small := DefaultLimits()
	small.MaxDecodedBytes = 1 << 20
	bigContent := "BT /F1 12 Tf 72 700 Td (" + testCard + ") Tj ET\n" + strings.Repeat("0 0 m 1 1 l S\n", 200_000)

	cases := []struct {
		name   string
		pdf    func(t *testing.T) []byte
		lim    *Limits
		want   []string // substrings of the text
		reason string   // "" means no error
	}{
		{name: "fpdf compressed", pdf: func(t *testing.T) []byte {
			return testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Lines: []string{"Card " + testCard, "SSN " + testSSN}})
		}, want: []string{testCard, testSSN}},
		{name: "fpdf uncompressed", pdf: func(t *testing.T) []byte {
			return testdoc.FPDF(t, testdoc.FPDFOptions{Compress: false, Lines: []string{"Card " + testCard}})
		}, want: []string{testCard}},
		{name: "number split across cells on one line", pdf: func(t *testing.T) []byte {
			return testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, SplitCells: []string{"4111 1111", "1111 1111"}})
		}, want: []string{testCard}},
		{name: "empty user password opens", pdf: func(t *testing.T) []byte {
			return testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Protect: true, Lines: []string{"Card " + testCard}})
		}, want: []string{testCard}},
		{name: "user password", pdf: func(t *testing.T) []byte {
			return testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Protect: true, UserPass: "hunter2", Lines: []string{"Card " + testCard}})
		}, reason: ReasonEncrypted},
		{name: "image only", pdf: func(t *testing.T) []byte {
			return testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Image: true})
		}, reason: ReasonNoText},
		{name: "page that only draws a 1x1 image: blank", pdf: func(t *testing.T) []byte {
			return testdoc.OnePage("q 100 0 0 100 0 0 cm /Im1 Do Q", testdoc.Helvetica)
		}},
		{name: "truncated", pdf: func(t *testing.T) []byte {
			p := testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Lines: []string{"Card " + testCard}})
			return p[:len(p)/2]
		}, reason: ReasonParseError},
		{name: "garbage after header", pdf: func(t *testing.T) []byte {
			return []byte("%PDF-1.4\n\x00\x01\x02 this is not a pdf at all \xff\xfe")
		}, reason: ReasonParseError},
		{name: "no header", pdf: func(t *testing.T) []byte { return []byte("hello") }, reason: ReasonParseError},
		{name: "runs joined without separator", pdf: func(t *testing.T) []byte {
			return testdoc.OnePage("BT /F1 12 Tf 72 700 Td (4111) Tj (1111) Tj [(1111) -20 (1111)] TJ ET", testdoc.Helvetica)
		}, want: []string{testCardDigits}},
		{name: "type0 font with ToUnicode", pdf: func(t *testing.T) []byte {
			// 4111 1111 1111 1111 as glyph ids
			g := "<0014001200120012 0003 0012001200120012 0003 0012001200120012 0003 0012001200120012>"
			return testdoc.OnePage("BT /F1 12 Tf 72 700 Td "+g+" Tj ET", testdoc.Type0Font,
				testdoc.PDFObject{Body: "<< /Length >>", Stream: testdoc.ToUnicodeCMap, Flate: true})
		}, want: []string{testCard}},
		{name: "type0 font without ToUnicode", pdf: func(t *testing.T) []byte {
			f := strings.Replace(testdoc.Type0Font, "/ToUnicode 7 0 R", "", 1)
			return testdoc.OnePage("BT /F1 12 Tf 72 700 Td <0014001200120012> Tj ET", f)
		}, reason: ReasonNoText},
		{name: "differences with digit glyph names", pdf: func(t *testing.T) []byte {
			f := "<< /Type /Font /Subtype /Type1 /BaseFont /X /Encoding << /Differences [65 /four /one /space /S /S /N] >> >>"
			return testdoc.OnePage("BT /F1 12 Tf 72 700 Td (ABBBCABBB) Tj ET", f)
		}, want: []string{"4111 4111"}},
		{name: "actual text replaces glyphs", pdf: func(t *testing.T) []byte {
			return testdoc.OnePage("BT /F1 12 Tf 72 700 Td /Span << /ActualText (SSN "+testSSN+") >> BDC (xxx) Tj EMC ET", testdoc.Helvetica)
		}, want: []string{"SSN " + testSSN}},
		{name: "PDF 2.0 header and form field", pdf: func(t *testing.T) []byte {
			objs := []testdoc.PDFObject{
				{Body: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>"},
				{Body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
				{Body: "<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>"},
				{Body: "<< /FT /Tx /T <FEFF00530053004E> /V (" + testSSN + ") >>"},
				{Body: "<< /Length >>", Stream: "BT 72 700 Td (Form) Tj ET"},
			}
			return testdoc.BuildPDF("%PDF-2.0", objs...)
		}, want: []string{"SSN: " + testSSN}},
		{name: "object stream", pdf: func(t *testing.T) []byte {
			// Objects 2 and 3 live compressed in object stream 5; the
			// nulls before it stand for an earlier revision.
			o2 := "<< /Type /Pages /Kids [3 0 R] /Count 1 >> "
			o3 := "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>"
			head := fmt.Sprintf("2 0 3 %d ", len(o2))
			objs := []testdoc.PDFObject{
				{Body: "<< /Type /Catalog /Pages 2 0 R >>"},
				{Body: "null"},
				{Body: "null"},
				{Body: "<< /Length >>", Stream: "BT 72 700 Td (" + testCard + ") Tj ET", Flate: true},
				{Body: fmt.Sprintf("<< /Type /ObjStm /N 2 /First %d /Length >>", len(head)), Stream: head + o2 + o3, Flate: true},
			}
			return testdoc.BuildPDF("%PDF-1.5", objs...)
		}, want: []string{testCard}},
		{name: "orphan content stream", pdf: func(t *testing.T) []byte {
			return testdoc.OnePage("BT /F1 12 Tf 72 700 Td (cover) Tj ET", testdoc.Helvetica,
				testdoc.PDFObject{Body: "<< /Length >>", Stream: "BT /F9 12 Tf 1 0 0 1 72 700 Tm (" + testSSN + ") Tj ET", Flate: true})
		}, want: []string{"cover", testSSN}},
		{name: "decoded bytes past the budget", lim: &small, pdf: func(t *testing.T) []byte {
			return testdoc.OnePage(bigContent, testdoc.Helvetica)
		}, reason: ReasonTooLarge},
		{name: "attached binary file", pdf: func(t *testing.T) []byte {
			return testdoc.OnePage("BT /F1 12 Tf 72 700 Td (see attachment) Tj ET", testdoc.Helvetica,
				testdoc.PDFObject{Body: "<< /Type /EmbeddedFile /Length >>", Stream: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
		}, want: []string{"see attachment"}, reason: ReasonUnsupported},
		{name: "attached text file", pdf: func(t *testing.T) []byte {
			return testdoc.OnePage("BT /F1 12 Tf 72 700 Td (see attachment) Tj ET", testdoc.Helvetica,
				testdoc.PDFObject{Body: "<< /Type /EmbeddedFile /Length >>", Stream: "card," + testCardDigits + "\n", Flate: true})
		}, want: []string{testCardDigits}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lim := DefaultLimits()
			if tc.lim != nil {
				lim = *tc.lim
			}
			b := newAccount(context.Background(), lim)
			text, err := pdfText(b, tc.pdf(t))
			err = docVerdict(b, err)
			got := ""
			if err != nil {
				got = reasonOf(err)
			}
			if got != tc.reason {
				t.Fatalf("reason %q (%v), want %q; text has %d bytes", got, err, tc.reason, len(text))
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("text (%d bytes, %q) lacks a %d-byte planted value ending %q", len(text), maskForTest(text), len(w), last4(w))
				}
			}
			if lim.MaxDecodedBytes > 0 && b.Decoded() > lim.MaxDecodedBytes+int64(len(text)) {
				t.Errorf("decoded %d bytes, budget %d", b.Decoded(), lim.MaxDecodedBytes)
			}
		})
	}
}

var (
	maskForTest = testdoc.MaskForTest
	last4       = testdoc.Last4
)

// TestPDFScanOCR: a page that is only a JPEG (a scan) is read by OCR when
// images = "ocr", and withheld (no_text) when images = "withhold".
func TestPDFScanOCR(t *testing.T) {
	scan := testdoc.OnePage("q 612 0 0 792 0 0 cm /Im1 Do Q", testdoc.Helvetica)
	jpg := testdoc.GrayJPEG(t, 64, 48)
	scan = bytes.Replace(scan, []byte("/Width 1 /Height 1 /ColorSpace /DeviceGray"), []byte("/Width 64 /Height 48 /Filter /DCTDecode /ColorSpace /DeviceGray"), 1)
	scan = bytes.Replace(scan, []byte("stream\n\x00\nendstream"), append(append([]byte("stream\n"), jpg...), "\nendstream"...), 1)
	scan = bytes.Replace(scan, []byte("/Length 1 >>"), []byte(fmt.Sprintf("/Length %d >>", len(jpg))), 1)

	b := testBudget()
	_, err := pdfText(b, scan)
	if reasonOrEmpty(docVerdict(b, err)) != ReasonNoText {
		t.Fatalf("images = withhold: reason %q, want no_text", reasonOrEmpty(docVerdict(b, err)))
	}
	lim := DefaultLimits()
	lim.Images = ImagesOCR
	lim.TesseractPath = fakeTesseract(t, "PNG\\|JFIF\\|\xff\xd8")
	b = newAccount(context.Background(), lim)
	if _, err := pdfText(b, scan); err != nil || !strings.Contains(imageTexts(b), testCard) {
		t.Fatalf("images = ocr: %v, OCR text %q", err, maskForTest(imageTexts(b)))
	}
}
