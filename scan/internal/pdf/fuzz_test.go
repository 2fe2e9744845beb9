package pdf_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/intake-mail/intake/scan/internal/budget"
	"github.com/intake-mail/intake/scan/internal/pdf"
	"github.com/intake-mail/intake/scan/internal/testdoc"
)

func pdfSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Lines: []string{"Card " + testCard, "SSN " + testSSN}}),
		testdoc.FPDF(t, testdoc.FPDFOptions{Compress: false, SplitCells: []string{"4111 1111", "1111 1111"}}),
		testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Protect: true, Lines: []string{"Card " + testCard}}),
		testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Image: true}),
		testdoc.OnePage("BT /F1 12 Tf 72 700 Td <0014001200120012 0003 0012> Tj ET", testdoc.Type0Font,
			testdoc.PDFObject{Body: "<< /Length >>", Stream: testdoc.ToUnicodeCMap}),
		testdoc.OnePage("BT /F1 12 Tf /Span << /ActualText (x) >> BDC [(41) -300 (11)] TJ EMC ET BI /W 1 /H 1 ID \x00 EI", testdoc.Helvetica),
		[]byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj trailer << /Root 1 0 R >> %%EOF"),
	}
	return seeds
}

func FuzzExtractPDF(f *testing.F) {
	for _, s := range pdfSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pdf.RethrowPanics(true)
		b := budget.New(context.Background(), fuzzLimits())
		text, env, err := readPDF(b, data)
		if err == nil && text == "" && len(env.images) == 0 {
			t.Fatal("no error, no text and no image: an empty PDF must be no_text")
		}
		checkBudget(t, b, len(text))
	})
}

// FuzzPDFImage: a PDF image's dictionary and data, as hostile as they
// come, are turned into a picture for OCR (or refused) within the budget
// and without a panic. (FuzzExtractPDF runs with images = withhold, which
// never decodes samples.)
func FuzzPDFImage(f *testing.F) {
	f.Add("<< /Width 8 /Height 4 /ColorSpace /DeviceGray /BitsPerComponent 8 >>", bytes.Repeat([]byte{0x80}, 32))
	f.Add("<< /Width 9 /Height 3 /ColorSpace [/Indexed /DeviceRGB 1 <FFFFFF000000>] /BitsPerComponent 1 >>", []byte{0x55, 0x80, 0xaa, 0, 0xff, 0})
	f.Add("<< /Width 64 /Height 16 /ImageMask true /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns 64 >> >>", []byte{0xff, 0xff})
	f.Add("<< /Width 4 /Height 4 /ColorSpace /DeviceCMYK /BitsPerComponent 16 /Decode [1 0] >>", bytes.Repeat([]byte{0x12}, 128))
	f.Add("<< /Width 2 /Height 2 /ColorSpace [/DeviceN [/A /B] /DeviceGray null] /BitsPerComponent 4 /Filter /ASCIIHexDecode >>", []byte("a1b2c3d4>"))
	f.Add("<< /Width 30 /Height 10 /Filter /DCTDecode >>", testdoc.SmallJPEG(f))
	f.Fuzz(func(t *testing.T, dictSrc string, data []byte) {
		pdf.RethrowPanics(true)
		defer pdf.RethrowPanics(false)
		lim := fuzzLimits()
		lim.MaxOCRPixels = 1 << 20
		b := budget.New(context.Background(), lim)
		out, ok, err := pdf.ImageFile(b, dictSrc, data)
		if !ok {
			return
		}
		if err == nil && len(out) == 0 {
			t.Fatal("no picture and no error")
		}
		checkBudget(t, b, 0)
	})
}

// TestWriteFuzzSeeds regenerates the committed seed corpus under
// testdata/fuzz when INTAKE_WRITE_FUZZ_SEEDS is set; the seeds are also
// added in code, the files let `go test` replay them without the fixtures'
// generators changing under them.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("INTAKE_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set INTAKE_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz seeds")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzExtractPDF")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range pdfSeeds(t) {
		body := "go test fuzz v1\n" + fmt.Sprintf("[]byte(%q)", s) + "\n"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
