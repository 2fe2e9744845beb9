package scan

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Rendering numbers as pictures, for the image policy's tests and for the
// measurement of its size floor (image_floor_test.go).

var fontFiles = map[string][]byte{"sans": goregular.TTF, "mono": gomono.TTF}

// fontFace is one of the Go fonts at px pixels per em.
func fontFace(tb testing.TB, name string, px float64) font.Face {
	tb.Helper()
	f, err := opentype.Parse(fontFiles[name])
	if err != nil {
		tb.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		tb.Fatal(err)
	}
	return face
}

// renderTight draws one line of text black on white in an image cropped
// to the ink plus margin pixels on every side: the smallest picture that
// holds the number at that size.
func renderTight(tb testing.TB, face font.Face, text string, margin int) *image.Gray {
	tb.Helper()
	b, _ := font.BoundString(face, text)
	x0, y0 := b.Min.X.Floor(), b.Min.Y.Floor()
	x1, y1 := b.Max.X.Ceil(), b.Max.Y.Ceil()
	img := image.NewGray(image.Rect(0, 0, x1-x0+2*margin, y1-y0+2*margin))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
	d.Dot = fixed.P(margin-x0, margin-y0)
	d.DrawString(text)
	return img
}

// photograph makes a clean rendering look like a phone picture of a
// printed number: grey paper, dark grey ink, a slight tilt, blur, sensor
// noise and JPEG compression. It is deterministic for a seed.
func photograph(tb testing.TB, src *image.Gray, seed uint64) []byte {
	tb.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	angle := (r.Float64()*2 - 1) * 2.5 * math.Pi / 180 // up to 2.5 degrees
	sin, cos := math.Sin(angle), math.Cos(angle)
	cx, cy := float64(w)/2, float64(h)/2
	out := image.NewGray(src.Bounds())
	at := func(x, y float64) float64 { // bilinear sample, paper outside
		x0, y0 := int(math.Floor(x)), int(math.Floor(y))
		fx, fy := x-float64(x0), y-float64(y0)
		px := func(x, y int) float64 {
			if x < 0 || y < 0 || x >= w || y >= h {
				return 255
			}
			return float64(src.GrayAt(x, y).Y)
		}
		return px(x0, y0)*(1-fx)*(1-fy) + px(x0+1, y0)*fx*(1-fy) + px(x0, y0+1)*(1-fx)*fy + px(x0+1, y0+1)*fx*fy
	}
	// A 3x3 box blur after the tilt: a slightly soft focus.
	tilted := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			tilted[y*w+x] = at(cos*dx+sin*dy+cx, -sin*dx+cos*dy+cy)
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sum, n float64
			for j := -1; j <= 1; j++ {
				for i := -1; i <= 1; i++ {
					if xx, yy := x+i, y+j; xx >= 0 && yy >= 0 && xx < w && yy < h {
						wt := 1.0
						if i == 0 && j == 0 {
							wt = 4
						}
						sum += wt * tilted[yy*w+xx]
						n += wt
					}
				}
			}
			v := sum / n                      // 0 ink .. 255 paper
			v = 60 + v*(205-60)/255           // ink dark grey, paper light grey
			v += r.NormFloat64() * 9          // sensor noise
			v += 10 * float64(x) / float64(w) // uneven light
			out.SetGray(x, y, color.Gray{uint8(max(0, min(255, v)))})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 75}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// scaleImage resizes img by f with a smooth filter.
func scaleImage(img image.Image, f float64) *image.Gray {
	b := img.Bounds()
	dst := image.NewGray(image.Rect(0, 0, max(1, int(float64(b.Dx())*f)), max(1, int(float64(b.Dy())*f))))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, b, xdraw.Src, nil)
	return dst
}

// cardPhotoPNG is a picture of a card number as a member would paste it
// into a document: a line of text and the number below it, large enough
// for any OCR.
func cardPhotoPNG(tb testing.TB, caption, number string) []byte {
	tb.Helper()
	face := fontFace(tb, "sans", 36)
	top := renderTight(tb, face, caption, 20)
	num := renderTight(tb, face, number, 20)
	img := image.NewGray(image.Rect(0, 0, max(top.Bounds().Dx(), num.Bounds().Dx()), top.Bounds().Dy()+num.Bounds().Dy()))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(img, top.Bounds(), top, image.Point{}, draw.Src)
	draw.Draw(img, num.Bounds().Add(image.Pt(0, top.Bounds().Dy())), num, image.Point{}, draw.Src)
	return encodePNG(tb, img)
}

// solidPNG is a w x h picture of one colour: a tracking pixel, a spacer,
// a logo's worth of pixels.
func solidPNG(tb testing.TB, w, h int, c color.Color) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
	return encodePNG(tb, img)
}

// floorNumbers are the numbers the floor is measured with: SSNs written
// 3-2-4 and cards in groups of four, each valid (SSA rules, Luhn and an
// issuer prefix), generated from a fixed seed.
func floorNumbers(n int) []string {
	r := rand.New(rand.NewPCG(13, 5))
	var out []string
	for len(out) < n {
		ssn := fmt.Sprintf("%03d-%02d-%04d", 100+r.IntN(565), 1+r.IntN(99), 1+r.IntN(9999))
		if ms := Detect([]byte(ssn)); len(ms) == 1 && ms[0].Kind == KindSSN {
			out = append(out, ssn)
		}
		body := []byte(fmt.Sprintf("4%014d", r.Int64N(1e14)))
		card := string(append(body, luhnCheckDigit(body)))
		spaced := card[0:4] + " " + card[4:8] + " " + card[8:12] + " " + card[12:16]
		if ms := Detect([]byte(spaced)); len(ms) == 1 && ms[0].Kind == KindPAN {
			out = append(out, spaced)
		}
	}
	return out[:n]
}

func luhnCheckDigit(body []byte) byte {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}
