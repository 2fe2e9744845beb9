package scan

import (
	"bytes"
	"context"
	"image/color"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/ocr"
	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// FuzzImageHeader: the image policy's readers of hostile headers (sizes,
// GIF frames, APNG and WebP animation, transparency) never panic, and an
// image is under the floor only when its header was read and says so.
func FuzzImageHeader(f *testing.F) {
	f.Add(solidPNG(f, 16, 16, color.Black))
	f.Add(solidPNG(f, 300, 40, color.White))
	f.Add([]byte("GIF89a\x40\x00\x20\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x40\x00\x20\x00\x00\x02\x02\x44\x01\x00\x3b"))
	f.Add(tiffPages(10, 10, 2))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x12\x00\x00\x00"))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x08acTL\x00\x00\x00\x02\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, h, ok := ocr.Size(data)
		ocr.MoreFrames(data)
		ocr.MayBeTransparent(data)
		ocr.Frames(data, 1000)
		r := newAccount(context.Background(), DefaultLimits()).readImage(data)
		if r.outcome == imageBelowFloor && (!ok || !belowImageFloor(w, h)) {
			t.Fatalf("passed under the floor with size %dx%d (read %v)", w, h, ok)
		}
		if r.outcome != imageBelowFloor && r.err == nil {
			t.Fatal("an image above the floor passed with images = withhold")
		}
	})
}

// FuzzOCRText: whatever tesseract prints (it reads hostile pictures), the
// reading of it never panics, and the digit view only adds digits, never
// drops one, and keeps the lines as they were.
func FuzzOCRText(f *testing.F) {
	f.Add("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n5\t1\t1\t1\t1\t1\t8\t11\t95\t34\t92.4\t4111\n5\t1\t1\t1\t1\t2\t8\t11\t95\t34\t40\tl111\n")
	f.Add("Card 4lll 1111 1111 I111\nSSN 489~36~8350")
	f.Add("565—-80-1800 407 -64-9663 $875 8431")
	f.Add("\x00\t5\t\t\t\t")
	f.Fuzz(func(t *testing.T, out string) {
		r := ocr.Parse(out)
		view := ocrDigitView(r.Text)
		ocrDoubt(r, view)
		digitRuns(r.Text)
		if view == nil {
			return
		}
		if asciiDigitCount(string(view)) < asciiDigitCount(r.Text) {
			t.Fatalf("the digit view dropped digits: %d of %d", asciiDigitCount(string(view)), asciiDigitCount(r.Text))
		}
		if bytes.Count(view, []byte("\n")) != strings.Count(r.Text, "\n") {
			t.Fatal("the digit view joined or split lines")
		}
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
		rethrowExtractPanics = true
		defer func() { rethrowExtractPanics = false }()
		lx := pdfLexer{data: []byte(dictSrc)}
		dict, _ := lx.object(0).(pdfDict)
		if dict == nil {
			return
		}
		lim := fuzzLimits()
		lim.MaxOCRPixels = 1 << 20
		b := newAccount(context.Background(), lim)
		d := &pdfDoc{b: b, data: data, decoded: map[*pdfStream][]byte{}}
		out, err := d.imageFile(dict, &pdfStream{dict: dict, src: data, end: len(data)}, nil)
		if err == nil && len(out) == 0 {
			t.Fatal("no picture and no error")
		}
		checkBudget(t, b, 0)
	})
}
