package scan

import (
	"context"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// account is one message's budget.Budget (the running account of its
// Limits: decoded bytes, parts, time, the share of Limits.Shared; see
// internal/budget) with the image policy's state for that message. The
// walk owns it and lends it to every reader, so a zip inside a forwarded
// mail inside a multipart draws on the same account as the top-level body.
type account struct {
	*budget.Budget
	lim Limits

	// The images met inside documents, for the walk to locate and count
	// (see noteImage); the verdict on each distinct image, so a logo on
	// every page is read once; how many were given to OCR.
	images     []imageNote
	imageCache map[[32]byte]imageRead
	ocrImages  int
}

func newAccount(ctx context.Context, lim Limits) *account {
	return &account{Budget: budget.New(ctx, lim.budget()), lim: lim}
}

// budget is what the readers apply of the Limits.
func (lim Limits) budget() budget.Limits {
	return budget.Limits{
		MaxDecodedBytes: lim.MaxDecodedBytes,
		MaxParts:        lim.MaxParts,
		MaxArchiveRatio: lim.MaxArchiveRatio,
		MaxArchiveFiles: lim.MaxArchiveFiles,
		MaxTime:         lim.MaxTime,
		MaxDocumentText: lim.MaxDocumentText,
		MaxOCRPixels:    lim.MaxOCRPixels,
		OCRMemory:       lim.OCRMemory,
		Shared:          lim.Shared.account(),
	}
}
