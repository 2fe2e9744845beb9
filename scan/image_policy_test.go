package scan

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/ocr"
	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// The image policy (issue 13 item 5, issue 15 item 11): one rule for every
// image wherever it sits. Most cases run a stand-in tesseract (a script
// that prints what the image "shows"), so they hold on every machine;
// TestImagePolicyRealOCR runs the real one where it is installed.

// standInTesseract is a script that reads the image on stdin and prints
// text, as tesseract's plain output.
func standInTesseract(t *testing.T, text string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts stand in for tesseract")
	}
	bin := filepath.Join(t.TempDir(), "tesseract")
	script := "#!/bin/sh\ncat >/dev/null\ncat <<'EOF'\n" + text + "\nEOF\n"
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return bin
}

// policyLimits are the limits of one mode: withhold, or OCR by bin.
func policyLimits(mode ImagePolicy, bin string) Limits {
	lim := DefaultLimits()
	lim.Images = mode
	lim.TesseractPath = bin
	return lim
}

func scanWith(t *testing.T, lim Limits, raw []byte) *Result {
	t.Helper()
	res, err := New(lim).Scan(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// attached is a message with a short text body and one attachment.
func attached(name, ctype string, data []byte) []byte {
	return msg("Subject: my form\r\nContent-Type: multipart/mixed; boundary=b\r\n", mixed(
		"Content-Type: text/plain\r\n\r\nPlease find my form attached.",
		"Content-Type: "+ctype+"; name="+name+"\r\nContent-Disposition: attachment; filename="+name+
			"\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64(data))))
}

func partAt(res *Result, where string) *Part {
	for i := range res.Parts {
		if res.Parts[i].Where == where {
			return &res.Parts[i]
		}
	}
	return nil
}

// photoJPEG is cardPhotoPNG as a phone would store it.
func photoJPEG(t testing.TB, caption, number string) []byte {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(cardPhotoPNG(t, caption, number)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// documentsWithPhoto are documents that hold typed text and a photographed
// card: what a member pastes into a form.
func documentsWithPhoto(t *testing.T, photo []byte) []struct {
	name, ctype, image string
	data               []byte
} {
	text := "Please find my details below. Thank you."
	return []struct {
		name, ctype, image string
		data               []byte
	}{
		{"form.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "image1.png",
			docxWith(t, para(text), testdoc.ZipFile{Name: "word/media/image1.png", Data: photo})},
		{"slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "image1.png",
			pptxWith(t, `<p:sp><p:txBody><a:p><a:r><a:t>`+text+`</a:t></a:r></a:p></p:txBody></p:sp>`, testdoc.ZipFile{Name: "ppt/media/image1.png", Data: photo})},
		{"sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "image1.png",
			testdoc.Zip(t, contentTypes(),
				testdoc.ZipFile{Name: "xl/worksheets/sheet1.xml", Data: []byte(`<worksheet ` + xNS + `><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>` + text + `</t></is></c></row></sheetData></worksheet>`)},
				testdoc.ZipFile{Name: "xl/media/image1.png", Data: photo})},
		{"letter.odt", "application/vnd.oasis.opendocument.text", "photo.png",
			odfWith(t, "application/vnd.oasis.opendocument.text", `<office:text><text:p>`+text+`</text:p></office:text>`,
				testdoc.ZipFile{Name: "Pictures/photo.png", Data: photo})},
		{"form.pdf", "application/pdf", "page1-image1",
			testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Lines: []string{text}, Picture: photo})},
		{"scan.pdf", "application/pdf", "page1-image1",
			testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Lines: []string{text}, Picture: photoJPEG(t, "Card number", testCard)})},
	}
}

// TestImagePolicyDocuments: a document with typed text and a photographed
// card is no longer clean in either mode. With images = "withhold" the
// picture is unscannable at its own location and the document withheld;
// with images = "ocr" the number is a finding at the picture. Before the
// policy, such a document passed as clean.
func TestImagePolicyDocuments(t *testing.T) {
	photo := cardPhotoPNG(t, "Card number", testCard)
	ocr := standInTesseract(t, "Card number\n"+testCard)
	for _, d := range documentsWithPhoto(t, photo) {
		raw := attached(d.name, d.ctype, d.data)
		loc := "attachment:" + d.name
		t.Run(d.name+" withhold", func(t *testing.T) {
			res := scanWith(t, policyLimits(ImagesWithhold, ""), raw)
			if len(res.Findings) != 0 || len(res.Unscannable) != 1 ||
				!strings.HasPrefix(res.Unscannable[0].Where, loc+"/"+d.image) || res.Unscannable[0].Reason != ReasonNoText {
				t.Fatalf("got %q, want the picture at %s/%s unscannable (no_text)", summary(res), loc, d.image)
			}
			if p := partAt(res, loc); p == nil || !p.Withheld || p.Reason != ReasonNoText || p.Content != nil || !strings.Contains(p.Text, "Please find") {
				t.Errorf("document part: %+v", p)
			}
			if res.Images != (ImageCounts{Withheld: 1}) || res.Verdict() != VerdictUnscannable {
				t.Errorf("counts %+v, verdict %v", res.Images, res.Verdict())
			}
		})
		t.Run(d.name+" ocr", func(t *testing.T) {
			res := scanWith(t, policyLimits(ImagesOCR, ocr), raw)
			if len(res.Findings) != 1 || !strings.HasPrefix(res.Findings[0].Where, loc+"/"+d.image) || res.Findings[0].Last4 != "1111" || len(res.Unscannable) != 0 {
				t.Fatalf("got %q, want the card at %s/%s", summary(res), loc, d.image)
			}
			if p := partAt(res, loc); p == nil || !p.Withheld || p.Reason != "sensitive" || p.Content != nil {
				t.Errorf("document part: %+v", p)
			}
			if res.Images != (ImageCounts{OCRFound: 1}) {
				t.Errorf("counts %+v", res.Images)
			}
		})
	}
}

// TestImagePolicyRealOCR: the same documents, read by the real tesseract.
func TestImagePolicyRealOCR(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract not installed")
	}
	photo := cardPhotoPNG(t, "Card number", testCard)
	for _, d := range documentsWithPhoto(t, photo) {
		t.Run(d.name, func(t *testing.T) {
			res := scanWith(t, policyLimits(ImagesOCR, ""), attached(d.name, d.ctype, d.data))
			loc := "attachment:" + d.name + "/" + d.image
			if len(res.Findings) != 1 || !strings.HasPrefix(res.Findings[0].Where, loc) || res.Findings[0].Last4 != "1111" {
				t.Fatalf("got %q, want the card at %s", summary(res), loc)
			}
		})
	}
	t.Run("attached photo of a clean page passes", func(t *testing.T) {
		pic := cardPhotoPNG(t, "Order status", "Shipped on Monday")
		res := scanWith(t, policyLimits(ImagesOCR, ""), attached("status.png", "image/png", pic))
		if res.Verdict() != VerdictClean || res.Images != (ImageCounts{OCRClean: 1}) {
			t.Fatalf("got %q, counts %+v", summary(res), res.Images)
		}
		if p := partAt(res, "attachment:status.png"); p == nil || p.Withheld || !bytes.Equal(p.Content, pic) {
			t.Errorf("part %+v", p)
		}
	})
}

// TestImagePolicyFloor: a 16 x 16 logo in a signature (inline, cid:), a
// 1 x 1 tracking pixel and an 8 x 8 bullet do not withhold the mail in
// either mode, and tesseract is not started for them; they are kept for
// staff like any clean attachment.
func TestImagePolicyFloor(t *testing.T) {
	logo := solidPNG(t, 16, 16, color.RGBA{200, 0, 0, 255})
	pixel := solidPNG(t, 1, 1, color.White)
	bullet := solidPNG(t, 8, 8, color.Black)
	rule := solidPNG(t, 600, 2, color.Black)
	raw := msg("Subject: hello\r\nContent-Type: multipart/related; boundary=b\r\n", mixed(
		"Content-Type: text/html\r\n\r\n<p>Hello</p><p><img src=\"cid:logo\"> Jane, Acme</p><img src=\"data:image/png;base64,"+
			string(bytes.TrimSpace(b64(bullet)))+"\"><img src=\"cid:pixel\">",
		"Content-Type: image/png\r\nContent-ID: <logo>\r\nContent-Disposition: inline; filename=logo.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64(logo)),
		"Content-Type: image/png\r\nContent-ID: <pixel>\r\nContent-Disposition: inline; filename=t.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64(pixel)),
		"Content-Type: image/png\r\nContent-Disposition: inline; filename=rule.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64(rule))))
	bin, marks := recordingTesseract(t)
	for _, mode := range []ImagePolicy{ImagesWithhold, ImagesOCR} {
		res := scanWith(t, policyLimits(mode, bin), raw)
		if res.Verdict() != VerdictClean || res.Images != (ImageCounts{BelowFloor: 4}) {
			t.Errorf("%s: got %q, counts %+v", mode, summary(res), res.Images)
		}
		if p := partAt(res, "attachment:logo.png"); p == nil || p.Withheld || !bytes.Equal(p.Content, logo) {
			t.Errorf("%s: logo part %+v", mode, p)
		}
	}
	if n := started(t, marks); n != 0 {
		t.Errorf("tesseract started %d times for images under the floor", n)
	}
	// The same 16 x 16 logo in a document's letterhead.
	doc := docxWith(t, para("Invoice attached"), testdoc.ZipFile{Name: "word/media/image1.png", Data: logo})
	res := scanWith(t, policyLimits(ImagesWithhold, ""), attached("letter.docx", "application/octet-stream", doc))
	if res.Verdict() != VerdictClean {
		t.Errorf("letterhead logo: %q", summary(res))
	}
}

// TestImagePolicyUnreadableHeader: an image whose header cannot be read
// is above the floor (fail closed): withheld in both modes, attached or
// inside a document, and never given to tesseract.
func TestImagePolicyUnreadableHeader(t *testing.T) {
	broken := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0x42}, 200)...)
	heic := append([]byte("\x00\x00\x00\x18ftypheic"), make([]byte, 100)...)
	bin, marks := recordingTesseract(t)
	for _, mode := range []ImagePolicy{ImagesWithhold, ImagesOCR} {
		for name, data := range map[string][]byte{"photo.png": broken, "photo.heic": heic} {
			res := scanWith(t, policyLimits(mode, bin), attached(name, "image/png", data))
			if got := summary(res); got != "attachment:"+name+"!no_text" || res.Images.Withheld != 1 {
				t.Errorf("%s %s: %q %+v", mode, name, got, res.Images)
			}
		}
		doc := docxWith(t, para("see picture"), testdoc.ZipFile{Name: "word/media/image1.emf", Data: []byte{1, 0, 0, 0, 0x6c, 0, 0, 0}})
		res := scanWith(t, policyLimits(mode, bin), attached("d.docx", "application/octet-stream", doc))
		if got := summary(res); got != "attachment:d.docx/image1.emf!no_text" {
			t.Errorf("%s: vector picture in a document: %q", mode, got)
		}
	}
	if n := started(t, marks); n != 0 {
		t.Errorf("tesseract started %d times", n)
	}
}

// TestImagePolicyOCRVerdicts: what OCR printed decides, with images =
// "ocr": nothing number-like passes; a card-shaped number that is not a
// valid card (a misread digit) withholds the image; digits misread as
// letters are read back.
func TestImagePolicyOCRVerdicts(t *testing.T) {
	pic := cardPhotoPNG(t, "Some text", "More text here")
	cases := []struct {
		name, printed, want string
		counts              ImageCounts
		passes              bool
	}{
		{"words only", "Thank you for your order", "", ImageCounts{OCRClean: 1}, true},
		{"no text at all: nothing vouches for it", "", "attachment:p.png!no_text", ImageCounts{Withheld: 1}, false},
		{"a phone number", "Call 555-123-4567", "", ImageCounts{OCRClean: 1}, true},
		{"card", "Card " + testCard, "attachment:p.png=pan:1111", ImageCounts{OCRFound: 1}, false},
		{"card with letters for digits", "Card 4lll 1111 1111 I111", "attachment:p.png=pan:1111", ImageCounts{OCRFound: 1}, false},
		{"card with a sign for a digit", "4111 1111 1111 $111", "attachment:p.png!no_text", ImageCounts{Withheld: 1}, false}, // twelve digits in groups: card-shaped
		{"card with a misread digit", "Card 4111 1111 1111 1112", "attachment:p.png!no_text", ImageCounts{Withheld: 1}, false},
		{"SSN with an odd separator", "SSN 489~36~8350", "attachment:p.png=ssn:8350", ImageCounts{OCRFound: 1}, false},
		{"SSN-shaped, not an SSN", "No. 000-12-3456", "attachment:p.png!no_text", ImageCounts{Withheld: 1}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := scanWith(t, policyLimits(ImagesOCR, standInTesseract(t, c.printed)), attached("p.png", "image/png", pic))
			if got := summary(res); got != c.want || res.Images != c.counts {
				t.Errorf("got %q %+v, want %q %+v", got, res.Images, c.want, c.counts)
			}
			p := partAt(res, "attachment:p.png")
			if p == nil || p.Withheld == c.passes || (p.Content != nil) != c.passes {
				t.Errorf("part withheld %v, content %d bytes; passes %v", p != nil && p.Withheld, len(p.Content), c.passes)
			}
		})
	}
}

// TestImagePolicyPDFImages: inline images and image XObjects of every
// encoding we read, under the floor or above it.
func TestImagePolicyPDFImages(t *testing.T) {
	ocr := standInTesseract(t, "Card "+testCard)
	gray := func(w, h int) string { return strings.Repeat("\x80", w*h) }
	cases := []struct {
		name string
		pdf  []byte
		loc  string // "" when the image is under the floor
	}{
		{"inline image above the floor", testdoc.OnePage("BT /F1 12 Tf 72 700 Td (hello) Tj ET q 200 0 0 40 72 600 cm BI /W 100 /H 20 /CS /G /BPC 8 ID "+gray(100, 20)+" EI Q", testdoc.Helvetica), "page1-image1"},
		{"inline image under the floor", testdoc.OnePage("BT /F1 12 Tf 72 700 Td (hello) Tj ET q 10 0 0 10 72 600 cm BI /W 4 /H 4 /CS /G /BPC 8 ID "+gray(4, 4)+" EI Q", testdoc.Helvetica), ""},
		{"inline CCITT image (white: one V0 code a row)", testdoc.OnePage("BT /F1 12 Tf 72 700 Td (hello) Tj ET BI /W 64 /H 16 /IM true /F /CCF /DP << /K -1 /Columns 64 >> ID \xff\xff EI", testdoc.Helvetica), "page1-image1"},
		{"indexed image XObject", testdoc.BuildPDF("%PDF-1.7",
			testdoc.PDFObject{Body: "<< /Type /Catalog /Pages 2 0 R >>"},
			testdoc.PDFObject{Body: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
			testdoc.PDFObject{Body: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << /Scan 6 0 R >> >> /Contents 4 0 R >>"},
			testdoc.PDFObject{Body: "<< /Length >>", Stream: "BT /F1 12 Tf 72 700 Td (hello) Tj ET q 300 0 0 100 72 500 cm /Scan Do Q /Scan Do", Flate: true},
			testdoc.PDFObject{Body: testdoc.Helvetica},
			testdoc.PDFObject{Body: "<< /Type /XObject /Subtype /Image /Width 90 /Height 30 /ColorSpace [/Indexed /DeviceRGB 1 <FFFFFF000000>] /BitsPerComponent 1 /Length >>", Stream: strings.Repeat("\x55", 12*30), Flate: true},
		), "page1-image1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := attached("p.pdf", "application/pdf", c.pdf)
			for _, mode := range []ImagePolicy{ImagesWithhold, ImagesOCR} {
				res := scanWith(t, policyLimits(mode, ocr), raw)
				want := ""
				switch {
				case c.loc == "":
				case mode == ImagesWithhold:
					want = "attachment:p.pdf/" + c.loc + "!no_text"
				default:
					want = "attachment:p.pdf/" + c.loc + "=pan:1111"
				}
				if got := summary(res); got != want {
					t.Errorf("%s: got %q, want %q", mode, got, want)
				}
			}
		})
	}
}

// TestImagePolicyNested: images inside a document inside an archive, and
// inside a PDF embedded in a document, are located where they sit.
func TestImagePolicyNested(t *testing.T) {
	photo := cardPhotoPNG(t, "Card", testCard)
	doc := docxWith(t, para("hello"), testdoc.ZipFile{Name: "word/media/image3.png", Data: photo})
	zipped := testdoc.Zip(t, testdoc.ZipFile{Name: "forms/form.docx", Data: doc})
	pdf := testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Lines: []string{"hello"}, Picture: photo})
	withPDF := docxWith(t, para("see the embedded file"), testdoc.ZipFile{Name: "word/embeddings/scan.pdf", Data: pdf})
	ocr := standInTesseract(t, "Card "+testCard)
	for _, c := range []struct {
		name string
		raw  []byte
		loc  string
	}{
		{"docx in a zip", attached("all.zip", "application/zip", zipped), "attachment:all.zip/forms/form.docx/image3.png"},
		{"pdf in a docx", attached("cover.docx", "application/octet-stream", withPDF), "attachment:cover.docx/scan.pdf/page1-image1"},
	} {
		res := scanWith(t, policyLimits(ImagesOCR, ocr), c.raw)
		if len(res.Findings) != 1 || !strings.HasPrefix(res.Findings[0].Where, c.loc) {
			t.Errorf("%s: got %q, want a finding at %s", c.name, summary(res), c.loc)
		}
	}
}

// TestImagePolicyAnimated: OCR reads one frame of an animated GIF or PNG;
// with images = "ocr" an animated image above the floor is withheld.
func TestImagePolicyAnimated(t *testing.T) {
	gif2 := []byte("GIF89a\x40\x00\x20\x00\x00\x00\x00" +
		"\x2c\x00\x00\x00\x00\x40\x00\x20\x00\x00\x02\x02\x44\x01\x00" +
		"\x2c\x00\x00\x00\x00\x40\x00\x20\x00\x00\x02\x02\x44\x01\x00\x3b")
	if n, err := ocr.Frames(gif2, 5); n != 2 || err != nil {
		t.Fatalf("ocr.Frames: %d, %v", n, err)
	}
	bin, marks := recordingTesseract(t)
	res := scanWith(t, policyLimits(ImagesOCR, bin), attached("a.gif", "image/gif", gif2))
	if got := summary(res); got != "attachment:a.gif!no_text" {
		t.Errorf("animated GIF: %q", got)
	}
	if n := started(t, marks); n != 0 {
		t.Errorf("tesseract started %d times", n)
	}
}

// TestImagePolicyDefault: images = "" is OCR when tesseract is found when
// the Scanner is made, else withhold; the old OCR switch still means OCR.
func TestImagePolicyDefault(t *testing.T) {
	found := standInTesseract(t, "x")
	missing := filepath.Join(t.TempDir(), "no-tesseract")
	cases := []struct {
		lim  Limits
		want ImagePolicy
	}{
		{Limits{TesseractPath: found}, ImagesOCR},
		{Limits{TesseractPath: missing}, ImagesWithhold},
		{Limits{TesseractPath: missing, OCR: true}, ImagesOCR},
		{Limits{TesseractPath: found, Images: ImagesWithhold}, ImagesWithhold},
	}
	for _, c := range cases {
		if got, _ := New(c.lim).Images(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.lim, got, c.want)
		}
	}
	if _, why := New(Limits{Images: ImagesOCR, TesseractPath: missing}).Images(); !strings.Contains(why, "withheld") {
		t.Errorf("images = ocr without tesseract: %q", why)
	}
}

// TestImagePolicyPDFSoftMask: a PNG with transparency, put in a PDF, is
// stored as colour samples and a soft mask; OCR is given the picture as a
// viewer shows it, over white, not the black under the transparent pixels.
func TestImagePolicyPDFSoftMask(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts stand in for tesseract")
	}
	// Black text on transparent pixels whose colour is black too.
	face := fontFace(t, "sans", 30)
	ink := renderTight(t, face, "Card "+testCard, 10)
	img := image.NewNRGBA(ink.Bounds())
	for i, v := range ink.Pix {
		img.Pix[4*i+3] = 255 - v // ink opaque, paper transparent; colour black everywhere
	}
	pdf := testdoc.FPDF(t, testdoc.FPDFOptions{Compress: true, Lines: []string{"hello"}, Picture: encodePNG(t, img)})
	dir := t.TempDir()
	bin := filepath.Join(dir, "tesseract")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\ncat > "+dir+"/given\necho hello\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	scanWith(t, policyLimits(ImagesOCR, bin), attached("a.pdf", "application/pdf", pdf))
	given, err := os.ReadFile(filepath.Join(dir, "given"))
	if err != nil {
		t.Fatal(err)
	}
	pic, _, err := image.Decode(bytes.NewReader(given))
	if err != nil {
		t.Fatal(err)
	}
	var light, dark int
	b := pic.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if g := color.GrayModel.Convert(pic.At(x, y)).(color.Gray).Y; g > 200 {
				light++
			} else if g < 60 {
				dark++
			}
		}
	}
	if light < dark || dark == 0 {
		t.Errorf("OCR was given %d light and %d dark pixels: the transparency was not drawn over white", light, dark)
	}
}

// TestImagePolicyTransparentImage: tesseract drops the alpha channel, so a
// picture with transparency (here one too large to be enlarged) is given
// to it drawn over white.
func TestImagePolicyTransparentImage(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts stand in for tesseract")
	}
	img := image.NewNRGBA(image.Rect(0, 0, 1100, 1000)) // transparent black
	for y := 100; y < 140; y++ {
		for x := 100; x < 600; x++ {
			img.Pix[img.PixOffset(x, y)+3] = 255 // a black bar, opaque
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tesseract")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\ncat > "+dir+"/given\necho hello\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	scanWith(t, policyLimits(ImagesOCR, bin), attached("t.png", "image/png", encodePNG(t, img)))
	given, err := os.ReadFile(filepath.Join(dir, "given"))
	if err != nil {
		t.Fatal(err)
	}
	pic, _, err := image.Decode(bytes.NewReader(given))
	if err != nil {
		t.Fatal(err)
	}
	if g := color.GrayModel.Convert(pic.At(10, 10)).(color.Gray).Y; g < 250 {
		t.Errorf("a transparent pixel was given as grey %d, not white", g)
	}
	if g := color.GrayModel.Convert(pic.At(300, 120)).(color.Gray).Y; g > 5 {
		t.Errorf("an opaque black pixel was given as grey %d", g)
	}
}
