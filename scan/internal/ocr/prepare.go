package ocr

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	xdraw "golang.org/x/image/draw"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// enlargeMaxPixels is the largest image prepare enlarges (to four
// times its pixels): enlarging is what lets tesseract read small text,
// and what costs it time.
const enlargeMaxPixels = 1_000_000

// prepare returns the picture to give tesseract for data, whose
// header said cfg (TestMeasureImageFloor in package scan, TestOCRPreparation):
//
//   - Tesseract reads digits little under 9 pixels per em; enlarged twice
//     with a smooth filter it reads most at 7 to 8. A small picture (a
//     cropped number, a screenshot of one field) is enlarged.
//   - Tesseract drops the alpha channel, and the colour under transparent
//     pixels is most often black: black text on a transparent background
//     would read as a black square. Transparency is flattened onto white.
//
// Nothing else is done: a white border, which tesseract's documentation
// suggests, made it lose grey-paper photographs and small text entirely
// in the measurement (Otsu's threshold falls between the border and the
// paper). Decoding is charged to the shared memory account; a picture
// that cannot be decoded or charged is given as it is.
func prepare(b *budget.Budget, data []byte, cfg image.Config) []byte {
	if isTIFF(data) {
		// Tesseract reads every page of a TIFF; Go decodes the first.
		return data
	}
	w, h := cfg.Width, cfg.Height
	pixels := int64(w) * int64(h)
	enlarge := pixels <= enlargeMaxPixels
	if !enlarge && !MayBeTransparent(data) {
		return data
	}
	f := 1
	if enlarge {
		f = 2
	}
	done, err := b.Heavy()
	if err != nil {
		return data
	}
	defer done()
	// Decoded as RGBA at most, flattened to grey, then the grey output.
	need := 4*pixels + pixels + int64(f*f)*pixels
	if err := b.Hold(need); err != nil {
		return data
	}
	defer b.Unhold(need)
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return data
	}
	flat := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(flat, flat.Bounds(), src, src.Bounds().Min, draw.Over)
	out := flat
	if f > 1 {
		out = image.NewGray(image.Rect(0, 0, w*f, h*f))
		xdraw.CatmullRom.Scale(out, out.Bounds(), flat, flat.Bounds(), xdraw.Src, nil)
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, out); err != nil {
		return data
	}
	return buf.Bytes()
}

// MayBeTransparent reports images whose header allows transparency: a
// PNG with an alpha channel or a tRNS chunk, any GIF, a WebP with alpha
// or in the lossless format.
func MayBeTransparent(data []byte) bool {
	switch {
	case bytes.HasPrefix(data, magicPNG):
		if len(data) > 25 && (data[25] == 4 || data[25] == 6) {
			return true
		}
		for p := len(magicPNG); p+8 <= len(data); {
			n := int(binary.BigEndian.Uint32(data[p:]))
			switch string(data[p+4 : p+8]) {
			case "tRNS":
				return true
			case "IDAT", "IEND":
				return false
			}
			if n < 0 || n > len(data) {
				return false
			}
			p += 12 + n
		}
	case bytes.HasPrefix(data, magicGIF87), bytes.HasPrefix(data, magicGIF89):
		return true
	case len(data) >= 21 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		switch string(data[12:16]) {
		case "VP8L":
			return true
		case "VP8X":
			return data[20]&0x10 != 0
		}
	}
	return false
}
