package pdf

import (
	"image"
	"io"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// The samples of PDF images (8.9.3) and the colour spaces they are in
// (8.6), turned into grey for OCR (image.go).

// pdfColorSpace is what imageFile needs of a colour space (8.6).
type pdfColorSpace struct {
	comps int
	kind  string // gray, rgb, cmyk, indexed, ink (Separation, DeviceN: tints), lab
	hival int
	grays []float64 // indexed: the grey of each palette entry
}

// colorSpace resolves an image's colour space, named directly, in the
// page's resources, or as an array.
func (d *pdfDoc) colorSpace(o pdfObj, res pdfDict, depth int) (*pdfColorSpace, error) {
	unsupported := budget.Unscannable(budget.ReasonNoText, "pdf: image colour space not read")
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
		cs := &pdfColorSpace{comps: 1, kind: "indexed", hival: hival, grays: make([]float64, hival+1)}
		comp := make([]float64, base.comps)
		for i := range cs.grays {
			for k := range comp {
				comp[k] = float64(lookup[i*base.comps+k]) / 255
			}
			cs.grays[i] = base.gray(comp, 255)
		}
		return cs, nil
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
		return nil, budget.Unscannable(budget.ReasonNoText, "pdf: image of unusual bits per component")
	}
	invert := false
	if dec := d.array(dict["Decode"]); len(dec) >= 2 && (cs.kind == "gray" || mask) {
		invert = num(d.resolve(dec[0])) > num(d.resolve(dec[1]))
	}
	rowBytes := (w*cs.comps*bpc + 7) / 8
	size := int64(rowBytes) * int64(h)
	if size+int64(w)*int64(h) > maxPDFImageBytes {
		return nil, budget.Unscannable(budget.ReasonTooLarge, "pdf: image too large to read")
	}
	b := d.b
	if err := b.Hold(size); err != nil {
		return nil, err
	}
	defer b.Unhold(size)
	raw := make([]byte, size)
	n, err := io.ReadFull(r, raw)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	if n == 0 {
		return nil, budget.Unscannable(budget.ReasonNoText, "pdf: image without data")
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
			if err := b.Check(); err != nil {
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
		return cs.grays[min(int(c[0]*maxv+0.5), cs.hival)]
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
