package scan

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os/exec"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// renderPNG draws lines of text black on white, large enough for OCR.
func renderPNG(t *testing.T, lines ...string) []byte {
	t.Helper()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 36, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 900, 60*len(lines)+40))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
	for i, l := range lines {
		d.Dot = fixed.P(30, 60*(i+1))
		d.DrawString(l)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestOCRFindsPhotographedCard runs the real tesseract (Debian's
// tesseract-ocr, installed by .ci/run) on a rendered card number.
func TestOCRFindsPhotographedCard(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract not installed")
	}
	pic := renderPNG(t, "Card number", "4111 1111 1111 1111")
	raw := msg("Content-Type: multipart/mixed; boundary=b\r\n", []byte(
		"--b\r\nContent-Type: text/plain\r\n\r\nsee the photo\r\n"+
			"--b\r\nContent-Type: image/png; name=card.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64(pic))+"--b--\r\n"))
	lim := DefaultLimits()
	lim.OCR = true
	res, err := New(lim).Scan(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(res); got != "attachment:card.png=pan:1111" {
		t.Errorf("with OCR: %q", got)
	}
	for _, p := range res.Parts {
		if p.Where == "attachment:card.png" && (!p.Withheld || p.Reason != "sensitive" || p.Content != nil) {
			t.Errorf("an image OCR found a number in is withheld as sensitive: %v %q", p.Withheld, p.Reason)
		}
	}
	lim.OCR, lim.Images = false, ImagesWithhold
	res, _ = New(lim).Scan(context.Background(), raw)
	if got := summary(res); got != "attachment:card.png!no_text" {
		t.Errorf("images = withhold: %q", got)
	}
}
