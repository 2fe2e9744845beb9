package testdoc

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
)

// FPDFOptions shape a generated PDF.
type FPDFOptions struct {
	Compress   bool
	UserPass   string // with Protect: "" opens without a prompt
	Protect    bool
	Image      bool     // draw a picture
	Picture    []byte   // draw this PNG or JPEG (a photographed card)
	Lines      []string // text lines
	SplitCells []string // cells drawn side by side on one line
}

// FPDF makes a one-page PDF with go-pdf/fpdf, as a real producer would.
func FPDF(t testing.TB, o FPDFOptions) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(o.Compress)
	if o.Protect {
		p.SetProtection(fpdf.CnProtectPrint, o.UserPass, "owner-secret")
	}
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	for _, l := range o.Lines {
		p.Cell(0, 8, l)
		p.Ln(10)
	}
	for _, c := range o.SplitCells {
		p.Cell(30, 8, c)
	}
	if o.Image {
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
	if o.Picture != nil {
		typ := "PNG"
		if bytes.HasPrefix(o.Picture, []byte{0xff, 0xd8, 0xff}) {
			typ = "JPG"
		}
		p.RegisterImageOptionsReader("photo", fpdf.ImageOptions{ImageType: typ}, bytes.NewReader(o.Picture))
		p.ImageOptions("photo", 10, 100, 120, 0, false, fpdf.ImageOptions{ImageType: typ}, 0, "")
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		t.Fatalf("fpdf: %v", err)
	}
	return out.Bytes()
}

// PDFObject is one object of a hand-built PDF.
type PDFObject struct {
	Body   string // dictionary or other object
	Stream string // stream data, if any
	Flate  bool
}

// BuildPDF writes objects 1..n with a correct cross-reference table, so
// each test shows one feature of the format in a few lines.
func BuildPDF(header string, objs ...PDFObject) []byte {
	var b bytes.Buffer
	b.WriteString(header + "\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs)+1)
	for i, o := range objs {
		offsets[i+1] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		if o.Stream == "" && !strings.Contains(o.Body, "/Length") {
			b.WriteString(o.Body)
		} else {
			data := []byte(o.Stream)
			body := o.Body
			if o.Flate {
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

// OnePage is a catalog, a page tree and a page whose content is object 4
// and whose font F1 is object 5.
func OnePage(content string, font string, more ...PDFObject) []byte {
	objs := []PDFObject{
		{Body: "<< /Type /Catalog /Pages 2 0 R >>"},
		{Body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{Body: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> /Contents 4 0 R >>"},
		{Body: "<< /Length >>", Stream: content, Flate: true},
		{Body: font},
		{Body: "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length >>", Stream: "\x00"},
	}
	return BuildPDF("%PDF-1.7", append(objs, more...)...)
}

// Helvetica is a standard font with WinAnsiEncoding.
const Helvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

// A Type0 font whose glyph ids are not character codes: only the ToUnicode
// CMap (object 7) says glyph 0x0014 is "4" and 0x0012 is "1".
const Type0Font = "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Font /Encoding /Identity-H /DescendantFonts [] /ToUnicode 7 0 R >>"

// ToUnicodeCMap maps the glyphs of Type0Font to Unicode.
const ToUnicodeCMap = `/CIDInit /ProcSet findresource begin
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

// GrayJPEG is a real JPEG of w x h pixels.
func GrayJPEG(t testing.TB, w, h int) []byte {
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

// PDFBomb is a one-page PDF of a few hundred KiB whose one FlateDecode
// stream inflates to about inflated bytes of unit repeated (the issue's
// bomb: 200 MiB of "(777...) Tj"). where puts that stream in the page's
// contents ("page"), in a form the page draws ("form"), in a content
// stream no page draws ("orphan") or in an attached file ("attached").
// Built once per shape.
func PDFBomb(tb testing.TB, inflated int, unit, where string) []byte {
	tb.Helper()
	key := fmt.Sprintf("%d/%s/%s", inflated, unit, where)
	if b, ok := bombs.Load(key); ok {
		return b.([]byte)
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if where != "attached" {
		zw.Write([]byte("BT /F1 12 Tf 72 700 Td\n"))
	}
	chunk := []byte(strings.Repeat(unit, max(1, (1<<20)/len(unit))))
	for n := 0; n < inflated; n += len(chunk) {
		zw.Write(chunk)
	}
	if where != "attached" {
		zw.Write([]byte("ET\n"))
	}
	zw.Close()
	contents, bombDict := "4 0 R", ""
	switch where {
	case "form":
		contents, bombDict = "6 0 R", "/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
	case "orphan":
		contents = "6 0 R"
	case "attached":
		contents, bombDict = "6 0 R", "/Type /EmbeddedFile "
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	var off []int
	obj := func(s string) { off = append(off, b.Len()); b.WriteString(s) }
	obj("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
	obj("2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n")
	obj("3 0 obj << /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Fm 4 0 R >> >> /Contents " + contents + " >> endobj\n")
	obj(fmt.Sprintf("4 0 obj << %s/Length %d /Filter /FlateDecode >> stream\n", bombDict, z.Len()))
	b.Write(z.Bytes())
	b.WriteString("\nendstream endobj\n")
	obj("5 0 obj " + Helvetica + " endobj\n")
	page := "BT /F1 12 Tf 72 720 Td (Statement) Tj ET /Fm Do"
	obj(fmt.Sprintf("6 0 obj << /Length %d >> stream\n%s\nendstream endobj\n", len(page), page))
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 7\n0000000000 65535 f \n")
	for _, o := range off {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer << /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x)
	bombs.Store(key, b.Bytes())
	return b.Bytes()
}

var bombs sync.Map // PDFBomb's, by shape

// HeapPeak samples the Go heap until stop is called and returns the
// largest HeapAlloc above what it was at the start.
func HeapPeak() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
				peak.Store(ms.HeapAlloc - base)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// MiB is a mebibyte.
const MiB = 1 << 20

// Test numbers (promise 1): a MasterCard and an Amex test card, a Visa
// test card, and an SSN that passes the SSA's rules.
const (
	CombCard = "5555555555554444"
	CombMC   = "5105105105105100"
	CombAmex = "378282246310005"
	CombSSN  = "489368350"
)

// CombDigits draws digits one per cell, pitch apart, from x on baseline y,
// one Td per digit, as viewers write comb field appearances.
func CombDigits(x, y, pitch float64, digits string) string {
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

// FormPage is a one-page PDF whose page draws content with font F1
// (Helvetica) and form XObjects Fa, Fb, Fc (objects 6-8, when given), and
// whose catalog carries the AcroForm and page the annotations given.
func FormPage(content string, forms []string, acroForm, annots string, more ...PDFObject) []byte {
	xobj := ""
	for i := range forms {
		xobj += fmt.Sprintf("/F%c %d 0 R ", 'a'+i, 6+i)
	}
	objs := []PDFObject{
		{Body: "<< /Type /Catalog /Pages 2 0 R " + acroForm + " >>"},
		{Body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{Body: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << " + xobj + ">> >> /Contents 4 0 R " + annots + " >>"},
		{Body: "<< /Length >>", Stream: content, Flate: true},
		{Body: Helvetica},
	}
	for _, f := range forms {
		objs = append(objs, PDFObject{Body: "<< /Type /XObject /Subtype /Form /BBox [0 0 200 20] /Resources << /Font << /F1 5 0 R >> >> /Length >>", Stream: f, Flate: true})
	}
	return BuildPDF("%PDF-1.7", append(objs, more...)...)
}

// AcroFormSSN is a form of three comb text fields (MaxLen 3, 2, 4) under
// a "Social security number" label, holding an SSN. With appearances, each
// widget draws its digits one per cell, as Acrobat does; without, the
// values are only in /V and the file asks viewers to draw them.
func AcroFormSSN(appearances bool) []byte {
	parts := []string{CombSSN[:3], CombSSN[3:5], CombSSN[5:]}
	rects := []string{"[72 690 114 710]", "[130 690 158 710]", "[174 690 230 710]"}
	objs := []PDFObject{
		{Body: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R 7 0 R 8 0 R] /NeedAppearances true /DA (/Helv 0 Tf 0 g) >> >>"},
		{Body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{Body: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R /Annots [6 0 R 7 0 R 8 0 R] >>"},
		{Body: "<< /Length >>", Stream: "BT /F1 9 Tf 72 722 Td (Social security number) Tj ET", Flate: true},
		{Body: Helvetica},
	}
	for i, p := range parts {
		ap := ""
		if appearances {
			ap = fmt.Sprintf("/AP << /N %d 0 R >>", 9+i)
		}
		objs = append(objs, PDFObject{Body: fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /Ff 29360128 /MaxLen %d /T (ssn%d) /V (%s) /Rect %s /DA (/Helv 10 Tf 0 g) /P 3 0 R %s >>", len(p), i+1, p, rects[i], ap)})
	}
	if appearances {
		for _, p := range parts {
			// A BBox of 100 units squeezed into the widget's rectangle.
			objs = append(objs, PDFObject{Body: fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 %d 40] /Resources << /Font << /F1 5 0 R >> >> /Length >>", 28*len(p)),
				Stream: "/Tx BMC q BT /F1 20 Tf 6 10 Td " + CombAppearance(p) + " ET Q EMC", Flate: true})
		}
	}
	return BuildPDF("%PDF-1.7", objs...)
}

// CombAppearance shows digits one per 28-unit cell after "6 10 Td".
func CombAppearance(digits string) string {
	var b strings.Builder
	for i, c := range digits {
		if i > 0 {
			b.WriteString(" 28 0 Td ")
		}
		fmt.Fprintf(&b, "(%c) Tj", c)
	}
	return b.String()
}

// FPDFComb draws a label and, under it, groups of digits in comb boxes of
// one cell per digit, a blank cell between groups, as go-pdf/fpdf would
// for a tax form.
func FPDFComb(t testing.TB, label string, groups []string) []byte {
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
