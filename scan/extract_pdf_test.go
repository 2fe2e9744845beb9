package scan

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// Published test numbers only (promise 1).
const (
	testCard       = "4111 1111 1111 1111"
	testCardDigits = "4111111111111111"
	testSSN        = "078-05-1123"
)

func testBudget() *account { return newAccount(context.Background(), DefaultLimits()) }

// fpdfOptions shape a generated PDF.
type fpdfOptions struct {
	compress   bool
	userPass   string // with protect: "" opens without a prompt
	protect    bool
	image      bool     // draw a picture
	picture    []byte   // draw this PNG or JPEG (a photographed card)
	lines      []string // text lines
	splitCells []string // cells drawn side by side on one line
}

func makeFPDF(t testing.TB, o fpdfOptions) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(o.compress)
	if o.protect {
		p.SetProtection(fpdf.CnProtectPrint, o.userPass, "owner-secret")
	}
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	for _, l := range o.lines {
		p.Cell(0, 8, l)
		p.Ln(10)
	}
	for _, c := range o.splitCells {
		p.Cell(30, 8, c)
	}
	if o.image {
		img := image.NewRGBA(image.Rect(0, 0, 64, 64)) // above the image floor
		for i := range img.Pix {
			img.Pix[i] = byte(i)
		}
		img.Set(1, 1, color.Black)
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		p.RegisterImageOptionsReader("card", fpdf.ImageOptions{ImageType: "PNG"}, &buf)
		p.ImageOptions("card", 10, 40, 50, 50, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	if o.picture != nil {
		typ := "PNG"
		if bytes.HasPrefix(o.picture, magicJPEG) {
			typ = "JPG"
		}
		p.RegisterImageOptionsReader("photo", fpdf.ImageOptions{ImageType: typ}, bytes.NewReader(o.picture))
		p.ImageOptions("photo", 10, 100, 120, 0, false, fpdf.ImageOptions{ImageType: typ}, 0, "")
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		t.Fatalf("fpdf: %v", err)
	}
	return out.Bytes()
}

// pdfObject is one object of a hand-built PDF.
type pdfObject struct {
	body   string // dictionary or other object
	stream string // stream data, if any
	flate  bool
}

// buildPDF writes objects 1..n with a correct cross-reference table, so
// each test shows one feature of the format in a few lines.
func buildPDF(header string, objs ...pdfObject) []byte {
	var b bytes.Buffer
	b.WriteString(header + "\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs)+1)
	for i, o := range objs {
		offsets[i+1] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		if o.stream == "" && !strings.Contains(o.body, "/Length") {
			b.WriteString(o.body)
		} else {
			data := []byte(o.stream)
			body := o.body
			if o.flate {
				var z bytes.Buffer
				zw := zlib.NewWriter(&z)
				zw.Write(data)
				zw.Close()
				data = z.Bytes()
				body = strings.Replace(body, "<<", "<< /Filter /FlateDecode", 1)
			}
			body = strings.Replace(body, "/Length", fmt.Sprintf("/Length %d", len(data)), 1)
			b.WriteString(body)
			b.WriteString("\nstream\n")
			b.Write(data)
			b.WriteString("\nendstream")
		}
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets[1:] {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// onePage is a catalog, a page tree and a page whose content is object 4
// and whose font F1 is object 5.
func onePage(content string, font string, more ...pdfObject) []byte {
	objs := []pdfObject{
		{body: "<< /Type /Catalog /Pages 2 0 R >>"},
		{body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{body: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> /Contents 4 0 R >>"},
		{body: "<< /Length >>", stream: content, flate: true},
		{body: font},
		{body: "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length >>", stream: "\x00"},
	}
	return buildPDF("%PDF-1.7", append(objs, more...)...)
}

const helvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

// A Type0 font whose glyph ids are not character codes: only the ToUnicode
// CMap (object 7) says glyph 0x0014 is "4" and 0x0012 is "1".
const type0Font = "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Font /Encoding /Identity-H /DescendantFonts [] /ToUnicode 7 0 R >>"

const toUnicodeCMap = `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar
<0003> <0020>
<0014> <0034>
endbfchar
1 beginbfrange
<0011> <0013> <0030>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end end`

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
			return makeFPDF(t, fpdfOptions{compress: true, lines: []string{"Card " + testCard, "SSN " + testSSN}})
		}, want: []string{testCard, testSSN}},
		{name: "fpdf uncompressed", pdf: func(t *testing.T) []byte {
			return makeFPDF(t, fpdfOptions{compress: false, lines: []string{"Card " + testCard}})
		}, want: []string{testCard}},
		{name: "number split across cells on one line", pdf: func(t *testing.T) []byte {
			return makeFPDF(t, fpdfOptions{compress: true, splitCells: []string{"4111 1111", "1111 1111"}})
		}, want: []string{testCard}},
		{name: "empty user password opens", pdf: func(t *testing.T) []byte {
			return makeFPDF(t, fpdfOptions{compress: true, protect: true, lines: []string{"Card " + testCard}})
		}, want: []string{testCard}},
		{name: "user password", pdf: func(t *testing.T) []byte {
			return makeFPDF(t, fpdfOptions{compress: true, protect: true, userPass: "hunter2", lines: []string{"Card " + testCard}})
		}, reason: ReasonEncrypted},
		{name: "image only", pdf: func(t *testing.T) []byte {
			return makeFPDF(t, fpdfOptions{compress: true, image: true})
		}, reason: ReasonNoText},
		{name: "page that only draws a 1x1 image: blank", pdf: func(t *testing.T) []byte {
			return onePage("q 100 0 0 100 0 0 cm /Im1 Do Q", helvetica)
		}},
		{name: "truncated", pdf: func(t *testing.T) []byte {
			p := makeFPDF(t, fpdfOptions{compress: true, lines: []string{"Card " + testCard}})
			return p[:len(p)/2]
		}, reason: ReasonParseError},
		{name: "garbage after header", pdf: func(t *testing.T) []byte {
			return []byte("%PDF-1.4\n\x00\x01\x02 this is not a pdf at all \xff\xfe")
		}, reason: ReasonParseError},
		{name: "no header", pdf: func(t *testing.T) []byte { return []byte("hello") }, reason: ReasonParseError},
		{name: "runs joined without separator", pdf: func(t *testing.T) []byte {
			return onePage("BT /F1 12 Tf 72 700 Td (4111) Tj (1111) Tj [(1111) -20 (1111)] TJ ET", helvetica)
		}, want: []string{testCardDigits}},
		{name: "type0 font with ToUnicode", pdf: func(t *testing.T) []byte {
			// 4111 1111 1111 1111 as glyph ids
			g := "<0014001200120012 0003 0012001200120012 0003 0012001200120012 0003 0012001200120012>"
			return onePage("BT /F1 12 Tf 72 700 Td "+g+" Tj ET", type0Font,
				pdfObject{body: "<< /Length >>", stream: toUnicodeCMap, flate: true})
		}, want: []string{testCard}},
		{name: "type0 font without ToUnicode", pdf: func(t *testing.T) []byte {
			f := strings.Replace(type0Font, "/ToUnicode 7 0 R", "", 1)
			return onePage("BT /F1 12 Tf 72 700 Td <0014001200120012> Tj ET", f)
		}, reason: ReasonNoText},
		{name: "differences with digit glyph names", pdf: func(t *testing.T) []byte {
			f := "<< /Type /Font /Subtype /Type1 /BaseFont /X /Encoding << /Differences [65 /four /one /space /S /S /N] >> >>"
			return onePage("BT /F1 12 Tf 72 700 Td (ABBBCABBB) Tj ET", f)
		}, want: []string{"4111 4111"}},
		{name: "actual text replaces glyphs", pdf: func(t *testing.T) []byte {
			return onePage("BT /F1 12 Tf 72 700 Td /Span << /ActualText (SSN "+testSSN+") >> BDC (xxx) Tj EMC ET", helvetica)
		}, want: []string{"SSN " + testSSN}},
		{name: "PDF 2.0 header and form field", pdf: func(t *testing.T) []byte {
			objs := []pdfObject{
				{body: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>"},
				{body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
				{body: "<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>"},
				{body: "<< /FT /Tx /T <FEFF00530053004E> /V (" + testSSN + ") >>"},
				{body: "<< /Length >>", stream: "BT 72 700 Td (Form) Tj ET"},
			}
			return buildPDF("%PDF-2.0", objs...)
		}, want: []string{"SSN: " + testSSN}},
		{name: "object stream", pdf: func(t *testing.T) []byte {
			// Objects 2 and 3 live compressed in object stream 5; the
			// nulls before it stand for an earlier revision.
			o2 := "<< /Type /Pages /Kids [3 0 R] /Count 1 >> "
			o3 := "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>"
			head := fmt.Sprintf("2 0 3 %d ", len(o2))
			objs := []pdfObject{
				{body: "<< /Type /Catalog /Pages 2 0 R >>"},
				{body: "null"},
				{body: "null"},
				{body: "<< /Length >>", stream: "BT 72 700 Td (" + testCard + ") Tj ET", flate: true},
				{body: fmt.Sprintf("<< /Type /ObjStm /N 2 /First %d /Length >>", len(head)), stream: head + o2 + o3, flate: true},
			}
			return buildPDF("%PDF-1.5", objs...)
		}, want: []string{testCard}},
		{name: "orphan content stream", pdf: func(t *testing.T) []byte {
			return onePage("BT /F1 12 Tf 72 700 Td (cover) Tj ET", helvetica,
				pdfObject{body: "<< /Length >>", stream: "BT /F9 12 Tf 1 0 0 1 72 700 Tm (" + testSSN + ") Tj ET", flate: true})
		}, want: []string{"cover", testSSN}},
		{name: "decoded bytes past the budget", lim: &small, pdf: func(t *testing.T) []byte {
			return onePage(bigContent, helvetica)
		}, reason: ReasonTooLarge},
		{name: "attached binary file", pdf: func(t *testing.T) []byte {
			return onePage("BT /F1 12 Tf 72 700 Td (see attachment) Tj ET", helvetica,
				pdfObject{body: "<< /Type /EmbeddedFile /Length >>", stream: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
		}, want: []string{"see attachment"}, reason: ReasonUnsupported},
		{name: "attached text file", pdf: func(t *testing.T) []byte {
			return onePage("BT /F1 12 Tf 72 700 Td (see attachment) Tj ET", helvetica,
				pdfObject{body: "<< /Type /EmbeddedFile /Length >>", stream: "card," + testCardDigits + "\n", flate: true})
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

func BenchmarkPDFText(b *testing.B) {
	var lines []string
	for i := 0; i < 40; i++ {
		lines = append(lines, fmt.Sprintf("Line %d of a typical statement: order 20%02d-%04d, total $%d.%02d", i, i, i*37, i*11, i%100))
	}
	lines = append(lines, "Card "+testCard)
	data := makeFPDF(b, fpdfOptions{compress: true, lines: lines})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		text, err := pdfText(testBudget(), data)
		if err != nil || !strings.Contains(text, testCard) {
			b.Fatalf("pdfText: %v (%d bytes)", err, len(text))
		}
	}
}

// TestPDFHostile feeds structures that would loop, recurse or grow without
// bound in a naive reader. Each must end with a verdict, within the budget.
func TestPDFHostile(t *testing.T) {
	selfForm := []pdfObject{
		{body: "<< /Type /Catalog /Pages 2 0 R >>"},
		{body: "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 1 >>"}, // the tree contains itself
		{body: "<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Fm 5 0 R >> >> /Contents [4 0 R 4 0 R 4 0 R] >>"},
		{body: "<< /Length >>", stream: "/Fm Do /Fm Do"},
		{body: "<< /Type /XObject /Subtype /Form /Resources << /XObject << /Fm 5 0 R >> >> /Length >>", stream: "BT (4111) Tj ET /Fm Do /Fm Do"},
	}
	deep := strings.Repeat("[", 100_000) + "(x)" + strings.Repeat("]", 100_000)
	manyOperands := strings.Repeat("1 ", 500_000) + "BT (ok) Tj ET"
	cases := []struct {
		name string
		pdf  []byte
	}{
		{"form draws itself, tree holds itself", buildPDF("%PDF-1.7", selfForm...)},
		{"deep nesting", onePage("BT "+deep+" TJ ET", helvetica)},
		{"a million operands", onePage(manyOperands, helvetica)},
		{"object stream that lies about its count", buildPDF("%PDF-1.5",
			pdfObject{body: "<< /Type /Catalog /Pages 2 0 R >>"},
			pdfObject{body: "<< /Type /ObjStm /N 9223372036854775807 /First 4 /Length >>", stream: "2 0 << /Type /Pages >>"})},
		{"unterminated strings after every trailer", []byte("%PDF-1.4\n" + strings.Repeat("trailer << /A (", 20_000) + "\n%%EOF")},
		{"codespace flood", onePage("BT /F1 12 Tf <"+strings.Repeat("0014", 20_000)+"> Tj ET", type0Font,
			pdfObject{body: "<< /Length >>", stream: "begincodespacerange " + strings.Repeat("<00000000> <00000001> ", 50_000) + "endcodespacerange", flate: true})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lim := fuzzLimits()
			b := newAccount(context.Background(), lim)
			text, err := pdfText(b, tc.pdf)
			if reasonOf(err) == ReasonTimeout {
				t.Fatalf("ran out of time: %v", err)
			}
			checkBudget(t, b, len(text))
		})
	}
}

// TestPDFScanOCR: a page that is only a JPEG (a scan) is read by OCR when
// images = "ocr", and withheld (no_text) when images = "withhold".
func TestPDFScanOCR(t *testing.T) {
	scan := onePage("q 612 0 0 792 0 0 cm /Im1 Do Q", helvetica)
	jpg := grayJPEG(t, 64, 48)
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

// grayJPEG is a real JPEG of w x h pixels.
func grayJPEG(t testing.TB, w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
