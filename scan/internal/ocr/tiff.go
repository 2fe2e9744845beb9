package ocr

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// maxTIFFPages bounds the pages of a TIFF given to tesseract, which reads
// every one of them.
const maxTIFFPages = 100

func isTIFF(data []byte) bool {
	return len(data) >= 8 && (string(data[:4]) == "II*\x00" || string(data[:4]) == "MM\x00*")
}

// tiffPixels adds up the pixels of every page (IFD) of a TIFF (TIFF 6.0
// section 2): image.DecodeConfig reads only the first page, and tesseract
// reads them all.
func tiffPixels(data []byte) (int64, error) {
	var total int64
	err := eachTIFFPage(data, func(w, h int64) error {
		if total += w * h; total > math.MaxInt64/2 {
			return budget.Unscannable(budget.ReasonTooLarge, "TIFF of too many pixels")
		}
		return nil
	})
	return total, err
}

// tiffMaxSize is the width and height of a TIFF's largest page, for the
// image floor: a small first page must not hide a large second one.
func tiffMaxSize(data []byte) (w, h int, err error) {
	err = eachTIFFPage(data, func(pw, ph int64) error {
		w, h = max(w, int(min(pw, math.MaxInt32))), max(h, int(min(ph, math.MaxInt32)))
		return nil
	})
	return w, h, err
}

// eachTIFFPage calls page with the size of every page (IFD) of a TIFF.
func eachTIFFPage(data []byte, page func(w, h int64) error) error {
	unreadable := budget.Unscannable(budget.ReasonNoText, "image (TIFF pages unreadable, not given to OCR)")
	if !isTIFF(data) {
		return unreadable
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		bo = binary.BigEndian
	}
	off := int64(bo.Uint32(data[4:8]))
	seen := map[int64]bool{}
	for pages := 0; off != 0; pages++ {
		if pages >= maxTIFFPages {
			return budget.Unscannable(budget.ReasonTooLarge, fmt.Sprintf("TIFF of more than %d pages", maxTIFFPages))
		}
		if seen[off] || off+2 > int64(len(data)) {
			return unreadable
		}
		seen[off] = true
		n := int64(bo.Uint16(data[off:]))
		end := off + 2 + 12*n
		if end+4 > int64(len(data)) {
			return unreadable
		}
		var w, h int64
		for e := off + 2; e < end; e += 12 {
			tag, typ := bo.Uint16(data[e:]), bo.Uint16(data[e+2:])
			var v int64
			switch typ {
			case 3: // SHORT
				v = int64(bo.Uint16(data[e+8:]))
			case 4: // LONG
				v = int64(bo.Uint32(data[e+8:]))
			default:
				continue
			}
			switch tag {
			case 256:
				w = v
			case 257:
				h = v
			}
		}
		if w <= 0 || h <= 0 {
			return unreadable
		}
		if err := page(w, h); err != nil {
			return err
		}
		off = int64(bo.Uint32(data[end:]))
	}
	return nil
}
