package scan

import (
	"bytes"
	"context"
	"image/color"
	"strings"
	"testing"

	"github.com/intake-mail/intake/scan/internal/ocr"
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
