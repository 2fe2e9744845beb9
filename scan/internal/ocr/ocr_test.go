package ocr

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/intake-mail/intake/scan/internal/budget"
	"github.com/intake-mail/intake/scan/internal/testdoc"
)

// TestOCRConcurrency: however many images are read at once, no more
// tesseract processes run than the machine has CPUs.
func TestOCRConcurrency(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts stand in for tesseract")
	}
	dir := t.TempDir()
	running := filepath.Join(dir, "running")
	os.Mkdir(running, 0o700)
	bin := filepath.Join(dir, "tesseract")
	// Each one reports how many were running while it ran.
	script := "#!/bin/sh\ncat >/dev/null\ntouch " + running + "/$$\nsleep 0.2\necho \"running $(ls " + running + " | wc -l)\"\nrm " + running + "/$$\n"
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	lim := testdoc.Limits()
	pic := testdoc.SmallJPEG(t)
	n := 3*cap(tesseractSlots) + 1
	var mu sync.Mutex
	most := 0
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text, err := Text(budget.New(context.Background(), lim), bin, pic)
			if err != nil {
				t.Error(err)
				return
			}
			k, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text.Text), "running")))
			mu.Lock()
			most = max(most, k)
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("%d images at once: at most %d tesseract processes (limit %d)", n, most, cap(tesseractSlots))
	if most < 1 || most > cap(tesseractSlots) {
		t.Errorf("%d tesseract processes ran at once, limit %d", most, cap(tesseractSlots))
	}
}

// TestOCRMemoryLimit: tesseract runs under the address-space limit of
// Limits.OCRMemory (ulimit -v, in KiB), and without one when it is 0.
func TestOCRMemoryLimit(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts stand in for tesseract")
	}
	bin := filepath.Join(t.TempDir(), "tesseract")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\ncat >/dev/null\necho \"limit $(ulimit -v) args $*\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		limit int64
		want  string
	}{
		{256 << 20, "limit 262144 args stdin stdout tsv"},
		{0, "limit unlimited args stdin stdout tsv"},
	} {
		lim := testdoc.Limits()
		lim.OCRMemory = tc.limit
		text, err := Text(budget.New(context.Background(), lim), bin, testdoc.SmallJPEG(t))
		if err != nil || strings.TrimSpace(text.Text) != tc.want {
			t.Errorf("OCRMemory %d: %q (%v), want %q", tc.limit, text.Text, err, tc.want)
		}
	}
	t.Run("real tesseract fails closed past it", func(t *testing.T) {
		if _, err := exec.LookPath("tesseract"); err != nil {
			t.Skip("tesseract not installed")
		}
		lim := testdoc.Limits()
		lim.OCRMemory = 8 << 20 // less than tesseract's own code
		_, err := Text(budget.New(context.Background(), lim), "", testdoc.RenderPNG(t, "Card "+testdoc.Card))
		if testdoc.ReasonOrEmpty(err) != budget.ReasonNoText {
			t.Errorf("reason %q, want no_text", testdoc.ReasonOrEmpty(err))
		}
	})
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
	if got := prepare(budget.New(context.Background(), testdoc.Limits()), tif, cfg); !bytes.Equal(got, tif) {
		t.Errorf("a two-page TIFF became %d bytes of something else", len(got))
	}
	if w, h, ok := Size(tif); !ok || w != 60 || h != 20 {
		t.Errorf("size %dx%d %v", w, h, ok)
	}
}
