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
	OCR             bool          // run tesseract on images when it is installed
	TesseractPath   string        // "" means look for "tesseract" on PATH
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
	}
}
