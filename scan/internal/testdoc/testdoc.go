// Package testdoc builds the files the scanner's tests feed its readers:
// zips and gzips (zip.go), PDFs written by hand or by go-pdf/fpdf, comb
// fields and inflate bombs among them (pdf.go), Office XML (office.go),
// pictures of text (images.go), and the test numbers planted in them. It is shared by the
// tests of package scan (which read the files through the whole walk) and
// those of the readers in scan/internal (which read them alone), and is
// imported by tests only.
package testdoc

import (
	"time"

	"github.com/intake-mail/intake/scan/internal/budget"
)

// Well-known test numbers: a Visa test card and an SSN the SSA rules
// accept (never issued: the Woolworth wallet card).
const (
	Card       = "4111 1111 1111 1111"
	CardDigits = "4111111111111111"
	SSN        = "078-05-1123"
)

// Last4 is what a failure message may show of a planted value.
func Last4(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[len(s)-4:]
}

// Limits are scan.DefaultLimits as the readers get them
// (TestTestdocLimits in package scan holds the two together).
func Limits() budget.Limits {
	return budget.Limits{
		MaxDecodedBytes: 256 << 20,
		MaxParts:        1000,
		MaxArchiveRatio: 200,
		MaxArchiveFiles: 2000,
		MaxTime:         20 * time.Second,
		MaxDocumentText: 16 << 20,
		MaxOCRPixels:    40_000_000,
		OCRMemory:       1 << 30,
	}
}

// ReasonOrEmpty is the reason of err, "" for none.
func ReasonOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return budget.ReasonOf(err)
}

// MaskForTest shows text with every digit but the last four of each run
// hidden, so a failure message never prints a full number.
func MaskForTest(s string) string {
	r := []rune(s)
	run := 0
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] >= '0' && r[i] <= '9' {
			run++
			if run > 4 {
				r[i] = '*'
			}
		} else if r[i] != ' ' && r[i] != '-' {
			run = 0
		}
	}
	if len(r) > 300 {
		r = append(r[:300], '…')
	}
	return string(r)
}
