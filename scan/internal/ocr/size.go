package ocr

import (
	"bytes"
	"image"
	_ "image/gif" // image.DecodeConfig reads the sizes of these formats
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// The first bytes of the picture formats whose headers are read here.
var (
	magicPNG   = []byte("\x89PNG\r\n\x1a\n")
	magicGIF87 = []byte("GIF87a")
	magicGIF89 = []byte("GIF89a")
)

// Size reads an image's pixel size from its header (PNG, JPEG, GIF,
// BMP, TIFF, WebP); for a TIFF, the largest of its pages. ok is false
// when no header we know can be read.
func Size(data []byte) (w, h int, ok bool) {
	if isTIFF(data) {
		if w, h, err := tiffMaxSize(data); err == nil {
			return w, h, true
		}
		return 0, 0, false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, 0, false
	}
	return cfg.Width, cfg.Height, true
}
