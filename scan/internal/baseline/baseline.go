// Package baseline is what a user would write instead of intake's scanner:
// two regular expressions and a Luhn check. Benchmarks and the load script
// run it beside the real detector so the ratio is measured, not claimed.
package baseline

import (
	"regexp"

	"github.com/intake-mail/intake/scan/internal/numrules"
)

var (
	ssnRE  = regexp.MustCompile(`\b\d{3}[- ]?\d{2}[- ]?\d{4}\b`)
	cardRE = regexp.MustCompile(`\b(?:\d[ -]?){12,18}\d\b`)
)

// Counts returns how many SSN-shaped and Luhn-valid card-shaped strings the
// two patterns find.
func Counts(text []byte) (ssns, cards int) {
	ssns = len(ssnRE.FindAllIndex(text, -1))
	for _, loc := range cardRE.FindAllIndex(text, -1) {
		if luhn(text[loc[0]:loc[1]]) {
			cards++
		}
	}
	return ssns, cards
}

// luhn checks the digits of a match, separators skipped; a card has at
// least 13.
func luhn(s []byte) bool {
	var buf [32]byte // a match holds at most 19 digits: no allocation
	d := buf[:0]
	for _, c := range s {
		if c >= '0' && c <= '9' {
			d = append(d, c)
		}
	}
	return len(d) >= 13 && numrules.Luhn(string(d))
}
