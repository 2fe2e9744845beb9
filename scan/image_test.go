package scan

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"testing"
)

// docVerdict is what an extractor's reading of a document comes to once
// the images it met are judged, as the walk judges them: its own error,
// else the first image the policy withholds.
func docVerdict(b *account, err error) error {
	if err != nil {
		return err
	}
	for _, n := range b.images {
		if n.read.err != nil {
			return n.read.err
		}
	}
	return nil
}

// imageTexts is what OCR read of the images an extractor met.
func imageTexts(b *account) string {
	s := ""
	for _, n := range b.images {
		s += n.read.ocr.text + "\n"
	}
	return s
}

// twoPageTIFF is a little-endian TIFF of two w x h pages of 8-bit grey,
// uncompressed, one strip each.
func twoPageTIFF(w, h int) []byte {
	le := func(b *bytes.Buffer, v any) { binary.Write(b, binary.LittleEndian, v) }
	var b bytes.Buffer
	b.WriteString("II*\x00")
	le(&b, uint32(8))
	const entries = 8
	ifd := 2 + 12*entries + 4
	for page := 0; page < 2; page++ {
		start := b.Len()
		data := uint32(start + ifd)
		next := uint32(0)
		if page == 0 {
			next = data + uint32(w*h)
		}
		le(&b, uint16(entries))
		for _, e := range [][3]uint32{{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1}, {273, 4, data}, {278, 4, uint32(h)}, {279, 4, uint32(w * h)}} {
			le(&b, uint16(e[0]))
			le(&b, uint16(e[1]))
			le(&b, uint32(1))
			if e[1] == 3 {
				le(&b, uint16(e[2]))
				le(&b, uint16(0))
			} else {
				le(&b, e[2])
			}
		}
		le(&b, next)
		b.Write(bytes.Repeat([]byte{byte(200 - 100*page)}, w*h))
	}
	return b.Bytes()
}

// TestOCRPreparationKeepsTIFFPages: a small TIFF is given to tesseract as
// it is, every page of it: enlarging it in Go would keep only the first.
func TestOCRPreparationKeepsTIFFPages(t *testing.T) {
	tif := twoPageTIFF(60, 20)
	cfg, _, err := image.DecodeConfig(bytes.NewReader(tif))
	if err != nil {
		t.Fatalf("the test TIFF does not decode: %v", err)
	}
	if got := imageForOCR(newAccount(context.Background(), DefaultLimits()), tif, cfg); !bytes.Equal(got, tif) {
		t.Errorf("a two-page TIFF became %d bytes of something else", len(got))
	}
	if w, h, ok := imageSize(tif); !ok || w != 60 || h != 20 {
		t.Errorf("size %dx%d %v", w, h, ok)
	}
}
