package scan

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMeasureImageFloor measures where tesseract, as the scanner runs it,
// stops reading a 9-digit SSN or a 16-digit card number, and what the
// image policy then does with the picture. Each number is rendered at
// decreasing pixel sizes (pixels per em) in the Go sans and mono fonts,
// cropped to the ink plus a small margin, as a clean PNG (a screenshot)
// and as a "photograph" (grey paper, dark grey ink, a tilt of up to 2.5
// degrees, blur, noise, JPEG at quality 75), and read through
// budget.readImage with images = "ocr". Each reading is one of:
//
//	found   the number is a finding (the image is withheld, sensitive)
//	doubt   no finding, but ocrDoubt withholds the image
//	silent  no finding, nothing doubtful: the image would pass
//
// Pictures without a number (a screenshot of an order with a date, a
// phone number and an amount; a photo of a scene; a logo) show what
// ocrDoubt costs in false alarms. The floor (image.go) and the choice
// that a picture OCR found nothing in passes come from this table
// (docs/operations.md, "Images"). It takes a few minutes:
//
//	INTAKE_MEASURE_FLOOR=1 go test ./scan -run TestMeasureImageFloor -v
func TestMeasureImageFloor(t *testing.T) {
	if os.Getenv("INTAKE_MEASURE_FLOOR") == "" {
		t.Skip("set INTAKE_MEASURE_FLOOR=1 to measure (minutes, needs tesseract)")
	}
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract not installed")
	}
	sizes := []float64{40, 20, 16, 13, 11, 9, 8, 7, 6}
	if s := os.Getenv("INTAKE_MEASURE_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Fields(s) {
			var v float64
			fmt.Sscan(f, &v)
			sizes = append(sizes, v)
		}
	}
	lim := DefaultLimits()
	lim.Images = ImagesOCR
	read := func(data []byte) (found bool, last4s []string, doubt error, secs float64) {
		b := newAccount(context.Background(), lim)
		start := time.Now()
		r := b.readImage(data)
		secs = time.Since(start).Seconds()
		text := r.ocr.Text
		if v := ocrDigitView(text); v != nil {
			text += "\n" + string(v)
		}
		for _, m := range Detect([]byte(text)) {
			last4s = append(last4s, string(m.Kind)+":"+m.Last4)
		}
		return len(last4s) > 0, last4s, r.err, secs
	}
	numbers := floorNumbers(16)
	t.Logf("%-4s %-5s %-6s %-4s %-7s %-7s %-7s %-15s %s", "px", "font", "kind", "", "found", "doubt", "silent", "image WxH", "s/image")
	for _, px := range sizes {
		for _, variant := range []string{"clean", "photo"} {
			for _, kind := range []Kind{KindSSN, KindPAN} {
				for _, fontName := range []string{"sans", "mono"} {
					face := fontFace(t, fontName, px)
					var found, doubt, silent, n int
					var secs float64
					var wh string
					for i, num := range numbers {
						ms := Detect([]byte(num))
						if ms[0].Kind != kind {
							continue
						}
						img := renderTight(t, face, num, max(2, int(px/4)))
						wh = fmt.Sprintf("%dx%d", img.Bounds().Dx(), img.Bounds().Dy())
						var data []byte
						if variant == "clean" {
							data = encodePNG(t, img)
						} else {
							data = photograph(t, img, uint64(i)+uint64(px*100))
						}
						ok, got, doubted, s := read(data)
						secs += s
						n++
						right := false
						for _, g := range got {
							right = right || g == string(kind)+":"+ms[0].Last4
						}
						switch {
						case ok && right:
							found++
						case ok:
							found++ // a finding with a misread digit still withholds it
						case doubted != nil:
							doubt++
						default:
							silent++
						}
					}
					t.Logf("%-4.0f %-5s %-6s %-4s %3d/%-3d %3d/%-3d %3d/%-3d %-15s %.2f", px, fontName, kind, variant[:4], found, n, doubt, n, silent, n, wh, secs/float64(n))
				}
			}
		}
	}
	// Pictures without a number: what the doubt rule costs.
	negatives := map[string][]byte{}
	for _, px := range []float64{20, 13, 11} {
		for _, line := range []string{
			"Order 2024-01-15 Total $129.99",
			"Call us at 555-123-4567 or 800 555 0199",
			"Ticket #48213 opened 10:42",
			"ZIP 90210-1234 Account 7721",
			"Tracking 1Z999AA10123456784",
		} {
			img := renderTight(t, fontFace(t, "sans", px), line, 4)
			negatives[fmt.Sprintf("%2.0fpx %q clean", px, line)] = encodePNG(t, img)
			negatives[fmt.Sprintf("%2.0fpx %q photo", px, line)] = photograph(t, img, uint64(px))
		}
	}
	negatives["scene 640x480"] = scenePNG(t, 640, 480)
	negatives["logo 200x60"] = logoPNG(t, 200, 60)
	for name, data := range negatives {
		ok, got, doubted, _ := read(data)
		verdict := "passes"
		switch {
		case ok:
			verdict = "FINDING " + strings.Join(got, ",")
		case doubted != nil:
			verdict = "withheld: " + doubted.Error()
		}
		t.Logf("negative %-55s %s", name, verdict)
	}
}

// scenePNG is a smooth random picture with no text: a photo of a thing.
func scenePNG(tb testing.TB, w, h int) []byte {
	r := rand.New(rand.NewPCG(3, 3))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 128 + 60*sinApprox(float64(x)/37+float64(y)/53) + r.NormFloat64()*6
			img.Set(x, y, color.RGBA{uint8(max(0, min(255, v))), uint8(max(0, min(255, v*0.8))), uint8(max(0, min(255, 255-v))), 255})
		}
	}
	return encodePNG(tb, img)
}

func sinApprox(x float64) float64 {
	x -= float64(int(x))
	return 4*x*(1-x)*2 - 1
}

// logoPNG is a few coloured shapes on a transparent background.
func logoPNG(tb testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, image.Rect(5, 5, h-5, h-5), image.NewUniform(color.NRGBA{200, 30, 30, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(h, h/3, w-5, h/3+6), image.NewUniform(color.NRGBA{30, 30, 200, 255}), image.Point{}, draw.Src)
	return encodePNG(tb, img)
}
