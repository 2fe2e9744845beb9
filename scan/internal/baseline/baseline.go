// Package baseline is what a user would write instead of intake's scanner:
// two regular expressions and a Luhn check. Benchmarks and the load script
// run it beside the real detector so the ratio is measured, not claimed.
package baseline

import "regexp"

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

func luhn(s []byte) bool {
	sum, double, n := 0, false, 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		v := int(c - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
		n++
	}
	return n >= 13 && sum%10 == 0
}
