package scan

import "time"

// Limits bound the work one message may cost. A message that exceeds one is
// not an error: the part where the budget ran out is reported unscannable and
// the caller withholds it.
type Limits struct {
	MaxDecodedBytes int64         // all decoded content of one message, archives included
	MaxDepth        int           // nesting of multiparts, forwarded mail and archives
	MaxParts        int           // MIME parts and archive entries together
	MaxArchiveRatio int64         // decoded size / stored size of one archive entry
	MaxArchiveFiles int           // entries in one archive
	MaxTime         time.Duration // wall time for one message

	// Images is what is done with an image that could hold a legible
	// number, wherever it sits (see image.go): read by OCR, or withheld.
	// ImagesAuto is settled by New: OCR when tesseract is found then.
	Images ImagePolicy
	// OCR is the switch Images replaced: true means ImagesOCR when
	// Images is ImagesAuto. Kept so older callers keep their meaning.
	OCR           bool
	TesseractPath string // "" means look for "tesseract" on PATH

	// MaxDocumentText bounds the text one document (a PDF) may yield: the
	// walk copies and masks it, so it is memory several times over. Past
	// it the document is too_large. 0 leaves only MaxDecodedBytes.
	MaxDocumentText int64
	// MaxOCRPixels is the largest image (width x height, from its header)
	// given to tesseract, which needs several bytes per pixel; a larger
	// one is withheld as too_large without being decoded. 0: no limit.
	MaxOCRPixels int64
	// OCRMemory is the address space one tesseract process may map
	// (Linux and other Unix: ulimit -v in a /bin/sh wrapper). 0: no limit.
	OCRMemory int64

	// Shared, when set, is the account every message in flight draws on
	// (see SharedBudget): made once per process by the caller, so a
	// Scanner copied with the same Limits shares it.
	Shared *SharedBudget
}

// DefaultLimits suits an MX that accepts messages of up to 25 MiB and still
// lets `intake scan` read a 64 MiB export.
func DefaultLimits() Limits {
	return Limits{
		MaxDecodedBytes: 256 << 20,
		MaxDepth:        12,
		MaxParts:        1000,
		MaxArchiveRatio: 200,
		MaxArchiveFiles: 2000,
		MaxTime:         20 * time.Second,
		MaxDocumentText: 16 << 20,
		MaxOCRPixels:    40_000_000,
		OCRMemory:       1 << 30,
	}
}
