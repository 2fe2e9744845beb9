package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/ccitt"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// The images a PDF draws, under the walk's image policy (Env; package
// scan, image.go): every image XObject a page, a form or an annotation
// draws (8.9.5), once however often it is drawn, and every inline image
// (8.9.7). The floor is held against the image dictionary's /Width and
// /Height; the samples are decoded only when OCR is to read them. An
// image is named after the page that first drew it and its order there
// ("page2-image1"): resource names are the producer's hashes.

// maxPDFImageBytes bounds the decoded samples of one image given to OCR
// (a 40-megapixel image in RGB is 120 MiB; MaxOCRPixels bounds it
// further); past it the image is withheld as too_large.
const maxPDFImageBytes = 128 << 20

// maxInlineImage bounds the data of one inline image kept for OCR; the
// specification advises against inline images over 4 KiB.
const maxInlineImage = 4 << 20

// imageXObject puts an image XObject under the policy, once.
func (w *pdfWalker) imageXObject(s *pdfStream, res pdfDict) {
	w.sawImage = true
	if w.images[s] {
		return
	}
	w.images[s] = true
	w.pageImages++
	d := w.doc
	wd, ht, sized := d.imageSize(s.dict)
	d.env.Image(fmt.Sprintf("page%d-image%d", w.pageNo, w.pageImages), wd, ht, sized, func() ([]byte, error) { return d.imageFile(s.dict, s, res) })
}

// inlineImage reads "BI <dict> ID <data> EI" (8.9.7) and puts the image
// under the policy; the data is kept only when OCR is to read it.
func (w *pdfWalker) inlineImage(c *pdfContent, res pdfDict) error {
	w.sawImage = true
	w.pageImages++
	d := w.doc
	dict := pdfDict{}
	var key pdfName
tokens:
	for i := 0; i < 512; i++ {
		t, obj, err := c.next()
		if err != nil {
			return err
		}
		if t.kind == tokEOF {
			return nil
		}
		if t.kind == tokKeyword {
			switch string(t.str) {
			case "ID":
				break tokens
			case "true", "false":
				obj = string(t.str) == "true"
			default:
				continue
			}
		}
		if n, ok := obj.(pdfName); ok && key == "" {
			key = n
			continue
		}
		if key != "" {
			if full, ok := inlineKeys[key]; ok {
				key = full
			}
			dict[key] = obj
			key = ""
		}
	}
	wd, ht, sized := d.imageSize(dict)
	keep := d.env.WantsImage(wd, ht, sized)
	data, err := c.inlineImageData(keep, maxInlineImage)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("page%d-image%d", w.pageNo, w.pageImages)
	d.env.Image(name, wd, ht, sized, func() ([]byte, error) {
		if data == nil {
			return nil, budget.Unscannable(budget.ReasonTooLarge, "pdf: inline image too large to read")
		}
		s := &pdfStream{dict: dict, src: data, end: len(data)}
		return d.imageFile(dict, s, res)
	})
	return nil
}

// inlineKeys are the abbreviations of inline image dictionaries (Table 91).
var inlineKeys = map[pdfName]pdfName{
	"BPC": "BitsPerComponent", "CS": "ColorSpace", "D": "Decode", "DP": "DecodeParms",
	"F": "Filter", "H": "Height", "IM": "ImageMask", "I": "Interpolate", "W": "Width", "L": "Length",
}

// imageSize is an image dictionary's size in samples.
func (d *pdfDoc) imageSize(dict pdfDict) (w, h int, ok bool) {
	fw, fh := num(d.resolve(dict["Width"])), num(d.resolve(dict["Height"]))
	if fw < 1 || fh < 1 || fw > 1<<20 || fh > 1<<20 {
		return 0, 0, false
	}
	return int(fw), int(fh), true
}

// imageFile makes a file tesseract reads of an image: a JPEG as it is
// stored, CCITT fax data and raw samples (in any filter we undo) as a
// grey PNG. JPEG 2000 and JBIG2 are not read: such an image is withheld.
// An image with a soft mask (/SMask, 11.6.5.3: how producers store a PNG's
// transparency) is drawn over white through it, as a viewer shows it: a
// number in black on transparent pixels is all black without it.
func (d *pdfDoc) imageFile(dict pdfDict, s *pdfStream, res pdfDict) ([]byte, error) {
	w, h, ok := d.imageSize(dict)
	if !ok {
		return nil, budget.Unscannable(budget.ReasonNoText, "pdf: image of unknown size")
	}
	if max := d.b.Limits().MaxOCRPixels; max > 0 && int64(w)*int64(h) > max {
		return nil, budget.Unscannable(budget.ReasonTooLarge, fmt.Sprintf("pdf: image of %d pixels, past the OCR limit of %d", int64(w)*int64(h), max))
	}
	mask := d.stream(dict["SMask"])
	if mask != nil {
		if mw, mh, ok := d.imageSize(mask.dict); !ok || mw != w || mh != h {
			mask = nil // a mask of another size: read the image as it is
		}
	}
	// The grey picture, and the alpha one, held until encoded.
	held := int64(w) * int64(h)
	if mask != nil {
		held *= 2
	}
	if err := d.b.Hold(held); err != nil {
		return nil, err
	}
	defer d.b.Unhold(held)
	gray, jpg, err := d.imageGray(dict, s, res, w, h)
	if err != nil {
		return nil, err
	}
	if mask == nil && jpg != nil {
		return jpg, nil
	}
	if gray == nil {
		if gray, err = jpegGray(jpg, w, h); err != nil {
			return nil, err
		}
	}
	if mask != nil {
		alpha, ajpg, err := d.imageGray(mask.dict, mask, res, w, h)
		if err == nil && alpha == nil {
			alpha, err = jpegGray(ajpg, w, h)
		}
		if err != nil {
			return nil, err
		}
		for i, a := range alpha.Pix {
			// Over white: out = a*image + (1-a)*white.
			gray.Pix[i] = uint8((int(a)*int(gray.Pix[i]) + (255-int(a))*255 + 127) / 255)
		}
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, gray); err != nil {
		return nil, fmt.Errorf("pdf: encode image for OCR: %w", err)
	}
	return out.Bytes(), nil
}

// imageGray decodes an image XObject of w x h samples: to grey, or, for a
// JPEG, its stored bytes.
func (d *pdfDoc) imageGray(dict pdfDict, s *pdfStream, res pdfDict, w, h int) (*image.Gray, []byte, error) {
	filters, parms := d.filters(dict)
	codec, cparms := pdfName(""), pdfDict(nil)
	if n := len(filters); n > 0 {
		switch filters[n-1] {
		case "DCTDecode", "DCT", "JPXDecode", "CCITTFaxDecode", "CCF", "JBIG2Decode":
			codec, cparms = filters[n-1], d.dict(parms[n-1])
			filters = filters[:n-1]
		}
	}
	sr, err := d.openFilters(s, len(filters))
	if err != nil {
		return nil, nil, err
	}
	defer sr.Close()
	switch codec {
	case "DCTDecode", "DCT":
		jpg, err := d.readImageBytes(sr, maxPDFImageBytes)
		return nil, jpg, err
	case "JPXDecode":
		return nil, nil, budget.Unscannable(budget.ReasonNoText, "pdf: JPEG 2000 image, not read")
	case "JBIG2Decode":
		return nil, nil, budget.Unscannable(budget.ReasonNoText, "pdf: JBIG2 image, not read")
	case "CCITTFaxDecode", "CCF":
		k := int(num(d.resolve(cparms["K"])))
		if k > 0 {
			return nil, nil, budget.Unscannable(budget.ReasonNoText, "pdf: CCITT Group 3 two-dimensional image, not read")
		}
		cols := int(num(d.resolve(cparms["Columns"])))
		if cols <= 0 {
			cols = 1728
		}
		if cols != w {
			return nil, nil, budget.Unscannable(budget.ReasonNoText, "pdf: CCITT image whose columns are not its width")
		}
		sf := ccitt.Group3
		if k < 0 {
			sf = ccitt.Group4
		}
		align, _ := d.resolve(cparms["EncodedByteAlign"]).(bool)
		black1, _ := d.resolve(cparms["BlackIs1"]).(bool)
		r := ccitt.NewReader(sr, ccitt.MSB, sf, w, h, &ccitt.Options{Align: align, Invert: black1})
		// Rows of one bit per pixel, 0 black: DeviceGray at one bit.
		gray := pdfDict{"Width": pdfInt(w), "Height": pdfInt(h), "BitsPerComponent": pdfInt(1), "ColorSpace": pdfName("DeviceGray")}
		if m, _ := d.resolve(dict["ImageMask"]).(bool); m {
			gray["ImageMask"] = true
		}
		if dec := dict["Decode"]; dec != nil {
			gray["Decode"] = dec
		}
		g, err := d.samplesGray(gray, r, w, h, res)
		return g, nil, err
	}
	g, err := d.samplesGray(dict, sr, w, h, res)
	return g, nil, err
}

// jpegGray decodes a JPEG of w x h pixels to grey.
func jpegGray(data []byte, w, h int) (*image.Gray, error) {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil || img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		return nil, budget.Unscannable(budget.ReasonNoText, "pdf: JPEG image that does not decode to its size")
	}
	gray := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(gray, gray.Bounds(), img, img.Bounds().Min, draw.Src)
	return gray, nil
}

// openFilters is open undoing only the first n filters of a stream.
func (d *pdfDoc) openFilters(s *pdfStream, n int) (*pdfStreamReader, error) {
	filters, _ := d.filters(s.dict)
	if n >= len(filters) {
		return d.open(s)
	}
	cut := *s
	cut.dict = pdfDict{}
	for k, v := range s.dict {
		cut.dict[k] = v
	}
	names, parms := d.filters(s.dict)
	fs, ps := pdfArray{}, pdfArray{}
	for i := 0; i < n; i++ {
		fs, ps = append(fs, names[i]), append(ps, parms[i])
	}
	cut.dict["Filter"], cut.dict["DecodeParms"] = fs, ps
	return d.open(&cut)
}

// readImageBytes reads a stored image file (a JPEG), within limit.
func (d *pdfDoc) readImageBytes(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, budget.Unscannable(budget.ReasonTooLarge, "pdf: image data too large")
	}
	if len(data) == 0 {
		return nil, budget.Unscannable(budget.ReasonNoText, "pdf: image without data")
	}
	return data, nil
}
