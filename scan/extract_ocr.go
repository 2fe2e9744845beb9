package scan

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
)

// maxOCRText bounds what tesseract may print for one image; a page of text
// is a few KiB.
const maxOCRText = 1 << 20

// ocrText reads the text in an image with tesseract when Limits.OCR is set
// and it is installed (Debian: tesseract-ocr). The image goes in on stdin
// and the text comes back on stdout: no temporary file, since the image
// may show a card. The run is bounded by the message's remaining time.
func ocrText(b *budget, data []byte) (string, error) {
	if !b.lim.OCR {
		return "", unscannable(ReasonNoText, "image (OCR off)")
	}
	bin := b.lim.TesseractPath
	if bin == "" {
		p, err := exec.LookPath("tesseract")
		if err != nil {
			return "", unscannable(ReasonNoText, "image (tesseract not installed)")
		}
		bin = p
	}
	if err := b.check(); err != nil {
		return "", err
	}
	ctx := b.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if !b.deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, b.deadline)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, bin, "stdin", "stdout")
	cmd.Stdin = bytes.NewReader(data)
	var stdout limitedBuffer
	stdout.max = maxOCRText
	cmd.Stdout = &stdout
	cmd.Stderr = io.Discard // progress chatter; may echo nothing we need
	// One thread: the gateway scans several messages at once.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	err := cmd.Run()
	if ctx.Err() != nil {
		return "", unscannable(ReasonTimeout, "OCR ran out of time")
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return "", unscannable(ReasonNoText, "image (OCR could not read it)")
		}
		return "", unscannable(ReasonNoText, "image (OCR did not run)")
	}
	if stdout.over {
		return "", unscannable(ReasonTooLarge, "OCR output too long")
	}
	text := stdout.String()
	if strings.TrimSpace(text) == "" {
		return "", unscannable(ReasonNoText, "image (OCR found no text)")
	}
	if err := b.take(int64(len(text))); err != nil {
		return "", err
	}
	return text, nil
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
