package scan

import (
	"context"
	"os/exec"
	"testing"

	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// TestOCRFindsPhotographedCard runs the real tesseract (Debian's
// tesseract-ocr, installed by .ci/run) on a rendered card number.
func TestOCRFindsPhotographedCard(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract not installed")
	}
	pic := testdoc.RenderPNG(t, "Card number", "4111 1111 1111 1111")
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
