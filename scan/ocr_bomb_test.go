package scan

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/intake-mail/intake/scan/internal/ocr"
)

// hugePNG is a valid one-bit grey PNG of w x h pixels, all black: it
// compresses to almost nothing (the 20 000 x 20 000 pixel bomb is a
// few hundred KiB), and tesseract would need gigabytes to read it.
func hugePNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 1, 0 // bit depth 1, greyscale
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+(w+7)/8) // filter byte 0, then the pixels
	for y := 0; y < h; y++ {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// recordingTesseract stands in for tesseract and leaves a file behind
// each time it is started.
func recordingTesseract(t *testing.T) (bin, marks string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts stand in for tesseract")
	}
	dir := t.TempDir()
	marks = filepath.Join(dir, "marks")
	if err := os.Mkdir(marks, 0o700); err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "tesseract")
	script := "#!/bin/sh\ntouch " + marks + "/$$\ncat >/dev/null\necho 'Card " + testCard + "'\n"
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return bin, marks
}

func started(t *testing.T, marks string) int {
	t.Helper()
	es, err := os.ReadDir(marks)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// tiffPages is a little-endian TIFF whose IFDs declare pages of w x h
// (only the header and the IFDs: enough for its size to be read).
func tiffPages(w, h, pages int) []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(8))
	for p := 0; p < pages; p++ {
		at := b.Len()
		entries := [][3]uint32{{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1}, {273, 4, 0}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, 0}}
		binary.Write(&b, binary.LittleEndian, uint16(len(entries)))
		for _, e := range entries {
			binary.Write(&b, binary.LittleEndian, uint16(e[0]))
			binary.Write(&b, binary.LittleEndian, uint16(e[1]))
			binary.Write(&b, binary.LittleEndian, uint32(1))
			binary.Write(&b, binary.LittleEndian, e[2])
		}
		next := uint32(0)
		if p+1 < pages {
			next = uint32(at + 2 + 12*len(entries) + 4)
		}
		binary.Write(&b, binary.LittleEndian, next)
	}
	return b.Bytes()
}

// TestOCRPixelBomb: an image whose header declares more pixels than
// Limits.MaxOCRPixels (a 20 000 x 20 000 PNG of a few dozen KiB; a TIFF
// of many pages) is withheld as too_large and tesseract is never started
// for it; an image whose size cannot be read is not given to it either.
func TestOCRPixelBomb(t *testing.T) {
	huge := hugePNG(t, 20000, 20000)
	t.Logf("20000x20000 PNG: %d KiB", len(huge)>>10)
	corrupt := append([]byte(nil), hugePNG(t, 64, 64)...)
	corrupt[29] ^= 0xff // the IHDR checksum
	cases := []struct {
		name   string
		image  []byte
		reason string
	}{
		{"20000x20000 PNG", huge, ReasonTooLarge},
		{"TIFF of 30 pages of 2 megapixels", tiffPages(2000, 1000, 30), ReasonTooLarge},
		{"TIFF pages that loop", func() []byte {
			b := tiffPages(10, 10, 2)
			copy(b[len(b)-4:], []byte{8, 0, 0, 0}) // the last page points at the first
			return b
		}(), ReasonNoText},
		{"PNG with a broken header", corrupt, ReasonNoText},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bin, marks := recordingTesseract(t)
			lim := DefaultLimits()
			lim.OCR = true
			lim.TesseractPath = bin
			raw := msg("Subject: scan\r\nContent-Type: multipart/mixed; boundary=b\r\n", []byte(
				"--b\r\nContent-Type: text/plain\r\n\r\nsee the picture\r\n"+
					"--b\r\nContent-Type: image/png; name=pic.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"+string(b64(tc.image))+"--b--\r\n"))
			res, err := New(lim).Scan(context.Background(), raw)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := summary(res), "attachment:pic.png!"+tc.reason; got != want {
				t.Errorf("scan: %q, want %q", got, want)
			}
			if n := started(t, marks); n != 0 {
				t.Errorf("tesseract started %d times", n)
			}
		})
	}
	t.Run("real tesseract is not started either", func(t *testing.T) {
		if _, err := exec.LookPath("tesseract"); err != nil {
			t.Skip("tesseract not installed")
		}
		lim := DefaultLimits()
		lim.OCR = true
		before := ocr.Starts.Load()
		_, err := newAccount(context.Background(), lim).ocrText(huge)
		if reasonOrEmpty(err) != ReasonTooLarge || ocr.Starts.Load() != before {
			t.Errorf("reason %q, %d processes started", reasonOrEmpty(err), ocr.Starts.Load()-before)
		}
	})
}
