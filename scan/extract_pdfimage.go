package scan

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/ccitt"
)

// The images a PDF draws, under the image policy (image.go): every image
// XObject a page, a form or an annotation draws (8.9.5), once however
// often it is drawn, and every inline image (8.9.7). The floor is held
// against the image dictionary's /Width and /Height; the samples are
// decoded only when OCR is to read them. An image is named after the page
// that first drew it and its order there ("page2-image1"): resource names
// are the producer's hashes.

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
	r := d.b.readImageSized(wd, ht, sized, func() ([]byte, error) { return d.imageFile(s.dict, s, res) })
	d.b.noteImage(fmt.Sprintf("page%d-image%d", w.pageNo, w.pageImages), r)
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
	keep := !(sized && belowImageFloor(wd, ht)) && d.b.lim.readsImages()
	data, err := c.inlineImageData(keep, maxInlineImage)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("page%d-image%d", w.pageNo, w.pageImages)
	r := d.b.readImageSized(wd, ht, sized, func() ([]byte, error) {
		if data == nil {
			return nil, unscannable(ReasonTooLarge, "pdf: inline image too large to read")
		}
		s := &pdfStream{dict: dict, src: data, end: len(data)}
		return d.imageFile(dict, s, res)
	})
	d.b.noteImage(name, r)
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
		return nil, unscannable(ReasonNoText, "pdf: image of unknown size")
	}
	if max := d.b.lim.MaxOCRPixels; max > 0 && int64(w)*int64(h) > max {
		return nil, unscannable(ReasonTooLarge, fmt.Sprintf("pdf: image of %d pixels, past the OCR limit of %d", int64(w)*int64(h), max))
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
	if err := d.b.hold(held); err != nil {
		return nil, err
	}
	defer d.b.unhold(held)
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
		return nil, nil, unscannable(ReasonNoText, "pdf: JPEG 2000 image, not read")
	case "JBIG2Decode":
		return nil, nil, unscannable(ReasonNoText, "pdf: JBIG2 image, not read")
	case "CCITTFaxDecode", "CCF":
		k := int(num(d.resolve(cparms["K"])))
		if k > 0 {
			return nil, nil, unscannable(ReasonNoText, "pdf: CCITT Group 3 two-dimensional image, not read")
		}
		cols := int(num(d.resolve(cparms["Columns"])))
		if cols <= 0 {
			cols = 1728
		}
		if cols != w {
			return nil, nil, unscannable(ReasonNoText, "pdf: CCITT image whose columns are not its width")
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
		return nil, unscannable(ReasonNoText, "pdf: JPEG image that does not decode to its size")
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
		return nil, unscannable(ReasonTooLarge, "pdf: image data too large")
	}
	if len(data) == 0 {
		return nil, unscannable(ReasonNoText, "pdf: image without data")
	}
	return data, nil
}

// pdfColorSpace is what imageFile needs of a colour space (8.6).
type pdfColorSpace struct {
	comps  int
	kind   string // gray, rgb, cmyk, indexed, ink (Separation, DeviceN: tints), lab
	base   *pdfColorSpace
	lookup []byte
	hival  int
}

// colorSpace resolves an image's colour space, named directly, in the
// page's resources, or as an array.
func (d *pdfDoc) colorSpace(o pdfObj, res pdfDict, depth int) (*pdfColorSpace, error) {
	unsupported := unscannable(ReasonNoText, "pdf: image colour space not read")
	if depth > 4 {
		return nil, unsupported
	}
	o = d.resolve(o)
	if n, ok := o.(pdfName); ok {
		switch n {
		case "DeviceGray", "G", "CalGray":
			return &pdfColorSpace{comps: 1, kind: "gray"}, nil
		case "DeviceRGB", "RGB", "CalRGB":
			return &pdfColorSpace{comps: 3, kind: "rgb"}, nil
		case "DeviceCMYK", "CMYK":
			return &pdfColorSpace{comps: 4, kind: "cmyk"}, nil
		}
		if cs, ok := d.dict(res["ColorSpace"])[n]; ok {
			return d.colorSpace(cs, res, depth+1)
		}
		return nil, unsupported
	}
	a := d.array(o)
	if len(a) == 0 {
		return nil, unsupported
	}
	switch d.name(a[0]) {
	case "DeviceGray", "G", "CalGray":
		return &pdfColorSpace{comps: 1, kind: "gray"}, nil
	case "DeviceRGB", "RGB", "CalRGB":
		return &pdfColorSpace{comps: 3, kind: "rgb"}, nil
	case "DeviceCMYK", "CMYK":
		return &pdfColorSpace{comps: 4, kind: "cmyk"}, nil
	case "Lab":
		return &pdfColorSpace{comps: 3, kind: "lab"}, nil
	case "ICCBased":
		if len(a) < 2 {
			return nil, unsupported
		}
		s := d.stream(a[1])
		if s == nil {
			return nil, unsupported
		}
		switch int(num(d.resolve(s.dict["N"]))) {
		case 1:
			return &pdfColorSpace{comps: 1, kind: "gray"}, nil
		case 3:
			return &pdfColorSpace{comps: 3, kind: "rgb"}, nil
		case 4:
			return &pdfColorSpace{comps: 4, kind: "cmyk"}, nil
		}
	case "Separation":
		return &pdfColorSpace{comps: 1, kind: "ink"}, nil
	case "DeviceN":
		if len(a) > 1 {
			if names := d.array(a[1]); len(names) > 0 && len(names) <= 32 {
				return &pdfColorSpace{comps: len(names), kind: "ink"}, nil
			}
		}
	case "Indexed", "I":
		if len(a) < 4 {
			return nil, unsupported
		}
		base, err := d.colorSpace(a[1], res, depth+1)
		if err != nil || base.kind == "indexed" {
			return nil, unsupported
		}
		hival := int(num(d.resolve(a[2])))
		if hival < 0 || hival > 255 {
			return nil, unsupported
		}
		var lookup []byte
		switch l := d.resolve(a[3]).(type) {
		case pdfString:
			lookup = l
		case *pdfStream:
			var err error
			if lookup, err = d.decodeMax(l, int64((hival+1)*base.comps)); err != nil {
				return nil, err
			}
		}
		if len(lookup) < (hival+1)*base.comps {
			return nil, unsupported
		}
		return &pdfColorSpace{comps: 1, kind: "indexed", base: base, lookup: lookup, hival: hival}, nil
	}
	return nil, unsupported
}

// samplesGray reads an image's samples (8.9.3) from r as grey: OCR needs
// the ink, not the colour.
func (d *pdfDoc) samplesGray(dict pdfDict, r io.Reader, w, h int, res pdfDict) (*image.Gray, error) {
	mask, _ := d.resolve(dict["ImageMask"]).(bool)
	bpc := int(num(d.resolve(dict["BitsPerComponent"])))
	cs := &pdfColorSpace{comps: 1, kind: "gray"}
	if mask {
		bpc = 1
	} else {
		var err error
		if cs, err = d.colorSpace(dict["ColorSpace"], res, 0); err != nil {
			return nil, err
		}
	}
	switch bpc {
	case 1, 2, 4, 8, 16:
	default:
		return nil, unscannable(ReasonNoText, "pdf: image of unusual bits per component")
	}
	invert := false
	if dec := d.array(dict["Decode"]); len(dec) >= 2 && (cs.kind == "gray" || mask) {
		invert = num(d.resolve(dec[0])) > num(d.resolve(dec[1]))
	}
	rowBytes := (w*cs.comps*bpc + 7) / 8
	size := int64(rowBytes) * int64(h)
	if size+int64(w)*int64(h) > maxPDFImageBytes {
		return nil, unscannable(ReasonTooLarge, "pdf: image too large to read")
	}
	b := d.b
	if err := b.hold(size); err != nil {
		return nil, err
	}
	defer b.unhold(size)
	raw := make([]byte, size)
	n, err := io.ReadFull(r, raw)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	if n == 0 {
		return nil, unscannable(ReasonNoText, "pdf: image without data")
	}
	// A short stream leaves paper: viewers show what there is.
	for i := n; i < len(raw); i++ {
		raw[i] = 0xff
		if mask || cs.kind == "ink" || cs.kind == "cmyk" {
			raw[i] = 0
		}
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	maxv := float64(int(1)<<bpc - 1)
	comp := make([]float64, cs.comps)
	for y := 0; y < h; y++ {
		if y%256 == 0 {
			if err := b.check(); err != nil {
				return nil, err
			}
		}
		row := raw[y*rowBytes : (y+1)*rowBytes]
		for x := 0; x < w; x++ {
			for c := range comp {
				comp[c] = float64(sampleAt(row, x*cs.comps+c, bpc)) / maxv
			}
			var g float64 // 0 black .. 1 white
			switch {
			case mask:
				g = comp[0] // 0 paints
			default:
				g = cs.gray(comp, maxv)
			}
			if invert {
				g = 1 - g
			}
			img.Pix[y*img.Stride+x] = uint8(g*255 + 0.5)
		}
	}
	return img, nil
}

// gray turns one pixel's components (0..1) into grey (0 black, 1 white).
func (cs *pdfColorSpace) gray(c []float64, maxv float64) float64 {
	switch cs.kind {
	case "rgb":
		return 0.299*c[0] + 0.587*c[1] + 0.114*c[2]
	case "cmyk":
		r, g, b := (1-c[0])*(1-c[3]), (1-c[1])*(1-c[3]), (1-c[2])*(1-c[3])
		return 0.299*r + 0.587*g + 0.114*b
	case "lab":
		return c[0] // L*, from black to white
	case "ink":
		ink := 0.0
		for _, v := range c {
			ink = max(ink, v)
		}
		return 1 - ink
	case "indexed":
		i := min(int(c[0]*maxv+0.5), cs.hival)
		n := cs.base.comps
		base := make([]float64, n)
		for k := range base {
			base[k] = float64(cs.lookup[i*n+k]) / 255
		}
		return cs.base.gray(base, 255)
	}
	return c[0]
}

// sampleAt is the i-th sample of a row of bpc-bit samples.
func sampleAt(row []byte, i, bpc int) int {
	switch bpc {
	case 8:
		return int(row[i])
	case 16:
		return int(row[2*i])<<8 | int(row[2*i+1])
	}
	bit := i * bpc
	v := int(row[bit/8]) >> (8 - bpc - bit%8)
	return v & (1<<bpc - 1)
}
