package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// maxOCRText bounds what tesseract may print for one image; a page of text
// is a few KiB.
const maxOCRText = 1 << 20

// tesseractSlots bounds the tesseract processes of the whole process: one
// per CPU (each runs one thread), however many messages carry images.
var tesseractSlots = make(chan struct{}, max(runtime.NumCPU(), 1))

// Starts counts the tesseract processes this process started, for tests.
var Starts atomic.Int64

// Lookup finds the tesseract the scanner runs: path ("" means
// "tesseract"), looked up on PATH unless it names a file.
func Lookup(path string) (string, bool) {
	if path == "" {
		path = "tesseract"
	}
	p, err := exec.LookPath(path)
	return p, err == nil
}

// Text reads the text in an image with the tesseract named (Debian:
// tesseract-ocr; "" looks for it on PATH); the caller has applied the
// image policy. The image goes in on stdin and the words come back on
// stdout, as TSV with their confidences: no temporary file, since the
// image may show a card. The run is bounded by the message's remaining
// time.
//
// Tesseract needs several bytes per pixel, and a PNG of 20000 x 20000
// pixels of one colour is a few hundred KiB: the image's header is read
// first, and an image past Limits.MaxOCRPixels is withheld as too_large
// without a process being started; one whose size cannot be read is not
// given to tesseract at all. A small image is enlarged first
// (prepare). At most one tesseract per CPU runs at a time, and each
// under an address-space limit (Limits.OCRMemory).
func Text(b *budget.Budget, tesseract string, data []byte) (Read, error) {
	bin, ok := Lookup(tesseract)
	if !ok {
		return Read{}, budget.Unscannable(budget.ReasonNoText, "image (tesseract not installed)")
	}
	cfg, err := sizeCheck(b.Limits(), data)
	if err != nil {
		return Read{}, err
	}
	if err := b.Check(); err != nil {
		return Read{}, err
	}
	ctx := b.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	if !b.Deadline().IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, b.Deadline())
		defer cancel()
	}
	select {
	case tesseractSlots <- struct{}{}:
		defer func() { <-tesseractSlots }()
	case <-ctx.Done():
		return Read{}, budget.Unscannable(budget.ReasonTimeout, "OCR: waited for a free tesseract past the time budget")
	}
	// Prepared only once a slot is ours.
	data = prepare(b, data, cfg)
	cmd := tesseractCommand(ctx, bin, b.Limits().OCRMemory)
	cmd.Stdin = bytes.NewReader(data)
	var stdout limitedBuffer
	stdout.max = maxOCRText
	cmd.Stdout = &stdout
	cmd.Stderr = io.Discard // progress chatter; may echo nothing we need
	// One thread: the gateway scans several messages at once.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	Starts.Add(1)
	err = cmd.Run()
	if ctx.Err() != nil {
		return Read{}, budget.Unscannable(budget.ReasonTimeout, "OCR ran out of time")
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			// Among the failures: tesseract refused memory past its limit,
			// or could not decode the image.
			return Read{}, budget.Unscannable(budget.ReasonNoText, "image (OCR could not read it)")
		}
		return Read{}, budget.Unscannable(budget.ReasonNoText, "image (OCR did not run)")
	}
	if stdout.over {
		return Read{}, budget.Unscannable(budget.ReasonTooLarge, "OCR output too long")
	}
	read := Parse(stdout.String())
	if err := b.Take(int64(len(read.Text))); err != nil {
		return Read{}, err
	}
	return read, nil
}

// sizeCheck reads the image's dimensions from its header (PNG, JPEG,
// GIF, BMP, TIFF, WebP; every page of a TIFF counts) and refuses what
// tesseract should not be given.
func sizeCheck(lim budget.Limits, data []byte) (image.Config, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return cfg, budget.Unscannable(budget.ReasonNoText, "image (size unreadable, not given to OCR)")
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if isTIFF(data) {
		if pixels, err = tiffPixels(data); err != nil {
			return cfg, err
		}
	}
	if lim.MaxOCRPixels > 0 && pixels > lim.MaxOCRPixels {
		return cfg, budget.Unscannable(budget.ReasonTooLarge, fmt.Sprintf("image of %d pixels, past the OCR limit of %d", pixels, lim.MaxOCRPixels))
	}
	return cfg, nil
}

// tesseractCommand runs tesseract on stdin, under an address-space limit
// where the system has a POSIX shell: the limit is set by the shell's
// ulimit before it replaces itself with tesseract, so it holds from the
// first instruction (setting it from here after the start would race the
// child, and Go cannot set it between fork and exec). If the shell cannot
// set it, tesseract does not run (exit 97), and the image stays withheld.
func tesseractCommand(ctx context.Context, bin string, limit int64) *exec.Cmd {
	if limit > 0 && runtime.GOOS != "windows" {
		if sh, err := exec.LookPath("/bin/sh"); err == nil {
			kib := strconv.FormatInt(max(limit>>10, 1), 10)
			return exec.CommandContext(ctx, sh, "-c", `ulimit -v "$1" || exit 97; shift; exec "$@"`, "sh", kib, bin, "stdin", "stdout", "tsv")
		}
	}
	return exec.CommandContext(ctx, bin, "stdin", "stdout", "tsv")
}

// limitedBuffer keeps at most max bytes and notes that more were offered,
// so a runaway child cannot grow our memory.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (w *limitedBuffer) Write(p []byte) (int, error) {
	if room := w.max - w.Len(); len(p) > room {
		w.over = true
		if room > 0 {
			w.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return w.Buffer.Write(p)
}
