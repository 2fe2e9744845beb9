package ocr

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Images with more than one frame: OCR reads one, so with images = "ocr"
// an animated image above the floor is withheld (image.go).

// MoreFrames says when an image has frames or pages OCR does not read:
// an animated GIF, PNG or WebP. (Tesseract reads every page of a TIFF.)
func MoreFrames(data []byte) string {
	switch {
	case bytes.HasPrefix(data, magicGIF87), bytes.HasPrefix(data, magicGIF89):
		if n, err := Frames(data, 2); err != nil || n > 1 {
			return "animated GIF"
		}
	case bytes.HasPrefix(data, magicPNG):
		if pngAnimated(data) {
			return "animated PNG"
		}
	case len(data) >= 21 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP" && string(data[12:16]) == "VP8X":
		if data[20]&0x02 != 0 {
			return "animated WebP"
		}
	}
	return ""
}

// Frames counts the images of a GIF (GIF89a specification), up to
// limit, without decoding any.
func Frames(data []byte, limit int) (int, error) {
	bad := fmt.Errorf("gif: malformed")
	if len(data) < 13 {
		return 0, bad
	}
	p := 13
	if data[10]&0x80 != 0 {
		p += 3 << (data[10]&7 + 1)
	}
	skipBlocks := func() bool {
		for p < len(data) {
			n := int(data[p])
			p++
			if n == 0 {
				return true
			}
			p += n
		}
		return false
	}
	frames := 0
	for p < len(data) {
		switch data[p] {
		case 0x21: // extension: label, then sub-blocks
			p += 2
			if !skipBlocks() {
				return frames, bad
			}
		case 0x2c: // image descriptor
			if p+10 > len(data) {
				return frames, bad
			}
			flags := data[p+9]
			p += 10
			if flags&0x80 != 0 {
				p += 3 << (flags&7 + 1)
			}
			p++ // LZW minimum code size
			if !skipBlocks() {
				return frames, bad
			}
			if frames++; frames >= limit {
				return frames, nil
			}
		case 0x3b:
			return frames, nil
		default:
			return frames, bad
		}
	}
	return frames, nil
}

// pngAnimated looks for an APNG animation control chunk before the image
// data.
func pngAnimated(data []byte) bool {
	p := len(magicPNG)
	for p+8 <= len(data) {
		n := int(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		switch typ {
		case "acTL":
			return true
		case "IDAT", "IEND":
			return false
		}
		if n < 0 || n > len(data) {
			return false
		}
		p += 12 + n
	}
	return false
}
