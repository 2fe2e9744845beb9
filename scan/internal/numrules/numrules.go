// Package numrules holds the published rules for the numbers intake looks
// for, written once for the tools that test the scanner: the message
// generator (mailgen) and the naive baseline. They are the Luhn check of
// card numbers and the SSA's list of Social Security numbers misused in
// advertising.
//
// The scanner keeps its own copy on purpose: package scan imports nothing
// of ours, and a generator that ran the scanner's code could not catch a
// mistake in it. scan's numrules_agree_test.go proves the two agree.
package numrules

import "slices"

// LuhnDigit returns the check digit that makes body+digit pass Luhn
// (ISO/IEC 7812-1 annex B). body is ASCII digits.
func LuhnDigit(body string) byte {
	sum := 0
	double := true // the check digit will be the rightmost, undoubled
	for i := len(body) - 1; i >= 0; i-- {
		v := int(body[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}

// Luhn reports whether ASCII digits pass the Luhn (mod 10) check.
func Luhn(d string) bool {
	return len(d) > 1 && LuhnDigit(d[:len(d)-1]) == d[len(d)-1]
}

// misusedSSNs are numbers printed in advertising, pamphlets and samples
// (the SSA's "misused" list, python-stdnum's blocklist) and the sequential
// samples: a member quoting one is not sending their own, so the scanner
// ignores them and the generator must not plant them.
var misusedSSNs = []string{
	"002281852", "042103580", "062360749", "078051120",
	"095073645", "128036045", "135016629", "141186941",
	"165167999", "165187999", "165207999", "165227999",
	"165247999", "189092294", "212097694", "212099999",
	"219099999", "306302348", "308125070", "457555462",
	"468288779", "549241889", "123456789",
	"987654320", "987654321", "987654322", "987654323",
	"987654324", "987654325", "987654326", "987654327",
	"987654328", "987654329",
}

// MisusedSSN reports whether nine ASCII digits are on the misused list.
func MisusedSSN(d string) bool { return slices.Contains(misusedSSNs, d) }

// MisusedSSNs returns the list, for a test that another copy agrees.
func MisusedSSNs() []string { return slices.Clone(misusedSSNs) }
