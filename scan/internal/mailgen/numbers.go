package mailgen

import (
	"strconv"

	"github.com/intake-mail/intake/scan/internal/numrules"
)

// Fresh numbers: every SSN and card the generator plants is drawn at random
// and checked against the same rules the scanner applies, so a test
// failure means the scanner missed a valid number, never that the
// generator planted an invalid one. None of them is anybody's on purpose;
// none of them may be printed in full.

// Type is what a planted number is, in the JSON contract's words.
type Type string

const (
	SSN Type = "ssn" // Social Security number or ITIN
	PAN Type = "pan" // payment card number
)

// cardNetwork is one issuer the generator draws cards from: prefixes, the
// lengths it issues, and how each length is printed on the card.
type cardNetwork struct {
	name     string
	prefixes []prefixRange
	lengths  []int
}

type prefixRange struct{ lo, hi, digits int }

var networks = []cardNetwork{
	{"visa", []prefixRange{{4, 4, 1}}, []int{16, 16, 16, 13, 19}},
	{"mastercard", []prefixRange{{51, 55, 2}}, []int{16}},
	{"mastercard-2", []prefixRange{{2221, 2720, 4}}, []int{16}},
	{"amex", []prefixRange{{34, 34, 2}, {37, 37, 2}}, []int{15}},
	{"discover", []prefixRange{{6011, 6011, 4}, {644, 649, 3}, {65, 65, 2}}, []int{16}},
	{"jcb", []prefixRange{{3528, 3589, 4}}, []int{16}},
	{"diners", []prefixRange{{36, 36, 2}, {38, 38, 2}, {300, 305, 3}}, []int{14}},
	{"unionpay", []prefixRange{{62, 62, 2}}, []int{19, 16}},
}

// grouping is how a card of n digits is printed: 4-4-4-4, Amex 4-6-5,
// Diners 4-6-4, 19 digits 4-4-4-4-3, the old 13-digit Visa 4-3-3-3.
func grouping(n int) []int {
	switch n {
	case 13:
		return []int{4, 3, 3, 3}
	case 14:
		return []int{4, 6, 4}
	case 15:
		return []int{4, 6, 5}
	case 19:
		return []int{4, 4, 4, 4, 3}
	}
	g := []int{}
	for n > 4 {
		g = append(g, 4)
		n -= 4
	}
	return append(g, n)
}

// Card returns a fresh card number: a random network, a prefix and length
// it issues, random digits and the Luhn check digit.
func (g *Generator) Card() string {
	if g.published {
		return publishedCards[g.r.IntN(len(publishedCards))]
	}
	nw := networks[g.r.IntN(len(networks))]
	p := nw.prefixes[g.r.IntN(len(nw.prefixes))]
	n := nw.lengths[g.r.IntN(len(nw.lengths))]
	for {
		d := g.cardWith(p, n)
		// A 19-digit card printed 4-4-4-4-3 whose first sixteen digits are
		// a card too reads as that card and its CVV; the scanner may take
		// either, so the generator plants neither.
		if n != 19 || !ValidCard(d[:16]) {
			return d
		}
	}
}

func (g *Generator) cardWith(p prefixRange, n int) string {
	prefix := strconv.Itoa(p.lo + g.r.IntN(p.hi-p.lo+1))
	for len(prefix) < p.digits {
		prefix = "0" + prefix
	}
	b := []byte(prefix)
	for len(b) < n-1 {
		b = append(b, byte('0'+g.r.IntN(10)))
	}
	return string(append(b, LuhnDigit(string(b))))
}

// LuhnDigit returns the check digit that makes body+digit pass Luhn.
func LuhnDigit(body string) byte { return numrules.LuhnDigit(body) }

// Luhn reports whether ASCII digits pass the Luhn (mod 10) check.
func Luhn(d string) bool { return numrules.Luhn(d) }

// SSN returns a fresh Social Security number, nine ASCII digits: area
// 001-899 except 666, group 01-99, serial 0001-9999, not on the SSA's list
// of numbers misused in advertising, not one digit repeated.
func (g *Generator) SSN() string {
	if g.published {
		return publishedSSNs[g.r.IntN(len(publishedSSNs))]
	}
	for {
		area := 1 + g.r.IntN(899)
		if area == 666 {
			continue
		}
		s := pad(area, 3) + pad(1+g.r.IntN(99), 2) + pad(1+g.r.IntN(9999), 4)
		if ValidSSN(s) {
			return s
		}
	}
}

// ITIN returns a fresh individual taxpayer identification number: area
// 9xx, group 70-88 (the range the IRS issues from most).
func (g *Generator) ITIN() string {
	return pad(900+g.r.IntN(100), 3) + pad(70+g.r.IntN(19), 2) + pad(1+g.r.IntN(9999), 4)
}

func pad(v, n int) string {
	s := strconv.Itoa(v)
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// ValidSSN applies the rules the scanner's issue states to nine ASCII
// digits: SSA validity, ITIN groups for area 9xx, the misused list.
func ValidSSN(d string) bool {
	if len(d) != 9 {
		return false
	}
	for i := 0; i < 9; i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	area, _ := strconv.Atoi(d[:3])
	grp, _ := strconv.Atoi(d[3:5])
	serial, _ := strconv.Atoi(d[5:])
	if area == 0 || area == 666 || grp == 0 || serial == 0 {
		return false
	}
	if area >= 900 {
		switch {
		case grp >= 50 && grp <= 65, grp >= 70 && grp <= 88, grp >= 90 && grp <= 92, grp >= 94:
		default:
			return false
		}
	}
	same := true
	for i := 1; i < 9; i++ {
		if d[i] != d[0] {
			same = false
		}
	}
	if same {
		return false
	}
	return !numrules.MisusedSSN(d)
}

// scannerIssuers is the prefix and length table of scan/pan.go (which
// includes the issue's: Diners 36/38 at 14 digits, printed 4-6-4). The
// generator uses it to prove a hard negative is no card of any issuer the
// scanner knows (a wrong length, no prefix), not just of the ones it
// plants. If the scanner's table grows, a hard negative may become a card:
// the generator's own test then says which.
var scannerIssuers = []struct {
	lo, hi, plen int
	lengths      []int
}{
	{4, 4, 1, []int{13, 16, 19}},
	{51, 55, 2, []int{16}},
	{2221, 2720, 4, []int{16}},
	{34, 34, 2, []int{15}},
	{37, 37, 2, []int{15}},
	{6011, 6011, 4, []int{16, 17, 18, 19}},
	{644, 649, 3, []int{16, 17, 18, 19}},
	{65, 65, 2, []int{16, 17, 18, 19}},
	{3528, 3589, 4, []int{16, 17, 18, 19}},
	{300, 305, 3, []int{14, 15, 16, 17, 18, 19}},
	{3095, 3095, 4, []int{14, 15, 16, 17, 18, 19}},
	{36, 36, 2, []int{14, 15, 16, 17, 18, 19}},
	{38, 39, 2, []int{14, 15, 16, 17, 18, 19}},
	{62, 62, 2, []int{16, 17, 18, 19}},
	{2200, 2205, 4, []int{16, 17, 18, 19}},
	{5018, 5018, 4, []int{13, 16, 17, 18, 19}},
	{5019, 5019, 4, []int{16}},
	{5020, 5020, 4, []int{13, 16, 17, 18, 19}},
	{5038, 5038, 4, []int{13, 16, 17, 18, 19}},
	{506099, 506198, 6, []int{16, 18, 19}},
	{507865, 507964, 6, []int{16, 18, 19}},
	{508, 508, 3, []int{16}},
	{5893, 5893, 4, []int{13, 16, 17, 18, 19}},
	{60, 60, 2, []int{16}},
	{6304, 6304, 4, []int{13, 16, 17, 18, 19}},
	{636, 636, 3, []int{16, 17, 18, 19}},
	{637, 639, 3, []int{16}},
	{6759, 6759, 4, []int{13, 16, 17, 18, 19}},
	{6761, 6763, 4, []int{13, 16, 17, 18, 19}},
	{9792, 9792, 4, []int{16}},
	{1, 1, 1, []int{15}},
}

// KnownIssuer reports whether ASCII digits start with a prefix the scanner
// knows at a length that issuer uses.
func KnownIssuer(d string) bool {
	for _, is := range scannerIssuers {
		if len(d) < is.plen {
			continue
		}
		p, err := strconv.Atoi(d[:is.plen])
		if err != nil || p < is.lo || p > is.hi {
			continue
		}
		for _, n := range is.lengths {
			if n == len(d) {
				return true
			}
		}
	}
	return false
}

// ValidCard reports whether d is a card number the scanner must find:
// 13-19 digits, a known issuer at its length, Luhn.
func ValidCard(d string) bool {
	return len(d) >= 13 && len(d) <= 19 && KnownIssuer(d) && Luhn(d)
}

// The published test numbers (card networks' and processors' documented
// test cards, the SSNs the project's rules allow in fixtures). A generator
// made by NewPublished plants only these, so what it writes may be
// committed.
var (
	publishedCards = []string{
		"4111111111111111", "4012888888881881", "4242424242424242", "4222222222222",
		"5555555555554444", "5105105105105100", "2223003122003222",
		"378282246310005", "371449635398431",
		"6011111111111117", "6011000990139424",
		"3530111333300000", "3566002020360505",
		"30569309025904", "36259600000004",
		"6200000000000005", "6205500000000000004",
	}
	publishedSSNs = []string{"489368350", "078051123"}
)

// IsPublished reports whether d (ASCII digits) is one of the published
// test numbers NewPublished plants.
func IsPublished(d string) bool {
	for _, p := range publishedCards {
		if p == d {
			return true
		}
	}
	for _, p := range publishedSSNs {
		if p == d {
			return true
		}
	}
	return false
}
