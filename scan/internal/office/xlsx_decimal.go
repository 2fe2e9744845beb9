package office

import "strings"

// A spreadsheet number is read from its decimal literal, never through a
// float64: "3.78282246310005E14" must come out as the fifteen digits written
// in the file, and a literal with more digits than a double holds (a
// producer that wrote the card as typed) keeps them all. What ships in the
// file is what a person with any reader can see, so that is what we scan.
//
// An exponent is always expanded, exactly as written. When the literal's
// digits reach its magnitude (the shortest round-trip form Java, Python and
// .NET producers write for an integer below 2^53) the expansion is the
// stored double, digit for digit. When they do not ("4.11111E+15", written
// rounded), the expansion ends in the zeros the literal stands for: that
// is the stored value and what Excel shows too; the digits lost before the
// file was written are in no reader's view, and nothing is invented in
// their place. Excel itself shows at most fifteen significant digits; we
// keep every digit of the literal, because other readers show them.

// maxDecimalExponent bounds a literal's exponent. A double ends near 1e308;
// beyond that a literal is not a number any producer wrote, and expanding
// "1E999999999" would cost memory for nothing.
const maxDecimalExponent = 330

// maxDecimalLiteral bounds the length of a literal we read as a number.
const maxDecimalLiteral = 400

// decimal is an exact decimal number: 0.digits × 10^point, with digits
// free of leading and trailing zeros (zero has no digits).
type decimal struct {
	neg    bool
	digits []byte
	point  int
}

// parseDecimal reads a number as spreadsheet producers write it: an
// optional sign, digits with at most one point, an optional exponent
// ("4222222222222.0", "-1.5e-3", "4.111111111111111E15"). ok is false for
// anything else, which is then shown as the text it is.
func parseDecimal(s string) (decimal, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxDecimalLiteral {
		return decimal{}, false
	}
	var d decimal
	switch s[0] {
	case '-':
		d.neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	mant, exp, hasExp := s, "", false
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp, hasExp = s[:i], s[i+1:], true
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || !allDecDigits(intPart) || !allDecDigits(frac) {
		return decimal{}, false
	}
	e := 0
	if hasExp {
		neg := false
		switch {
		case strings.HasPrefix(exp, "-"):
			neg, exp = true, exp[1:]
		case strings.HasPrefix(exp, "+"):
			exp = exp[1:]
		}
		if exp == "" || !allDecDigits(exp) || len(exp) > 4 {
			return decimal{}, false
		}
		for i := 0; i < len(exp); i++ {
			e = e*10 + int(exp[i]-'0')
		}
		if neg {
			e = -e
		}
	}
	all := intPart + frac
	lead := 0
	for lead < len(all) && all[lead] == '0' {
		lead++
	}
	trail := len(all)
	for trail > lead && all[trail-1] == '0' {
		trail--
	}
	d.digits = []byte(all[lead:trail])
	d.point = len(intPart) - lead + e
	if len(d.digits) == 0 {
		d.neg, d.point = false, 0
		return d, true
	}
	if d.point > maxDecimalExponent || d.point < -maxDecimalExponent {
		return decimal{}, false
	}
	return d, true
}

func allDecDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDecDigit(s[i]) {
			return false
		}
	}
	return true
}

func (d decimal) isZero() bool { return len(d.digits) == 0 }

// shift multiplies by 10^n (percent, thousands scaling).
func (d decimal) shift(n int) decimal {
	if !d.isZero() {
		d.point += n
	}
	return d
}

// round rounds to n decimals, halves away from zero, as Excel shows them.
func (d decimal) round(n int) decimal {
	k := d.point + n // digits kept
	if d.isZero() || k >= len(d.digits) {
		return d
	}
	if k < 0 {
		return decimal{}
	}
	up := d.digits[k] >= '5'
	kept := append([]byte(nil), d.digits[:k]...)
	point := d.point
	if up {
		i := len(kept) - 1
		for ; i >= 0; i-- {
			if kept[i] < '9' {
				kept[i]++
				break
			}
			kept[i] = '0'
		}
		if i < 0 {
			kept = append([]byte{'1'}, kept...)
			point++
		}
	}
	for len(kept) > 0 && kept[len(kept)-1] == '0' {
		kept = kept[:len(kept)-1]
	}
	if len(kept) == 0 {
		return decimal{}
	}
	return decimal{neg: d.neg, digits: kept, point: point}
}

// intDigits is the integer part's digits, "" for less than one.
func (d decimal) intDigits() string {
	if d.point <= 0 {
		return ""
	}
	if d.point <= len(d.digits) {
		return string(d.digits[:d.point])
	}
	return string(d.digits) + strings.Repeat("0", d.point-len(d.digits))
}

// fracDigits is the fraction's digits, exactly, without trailing zeros.
func (d decimal) fracDigits() string {
	if d.point >= len(d.digits) {
		return ""
	}
	if d.point >= 0 {
		return string(d.digits[d.point:])
	}
	return strings.Repeat("0", -d.point) + string(d.digits)
}

// general is the value as the formula bar shows it, with every digit the
// literal holds: 4222222222222.0 is "4222222222222", 3.78282246310005E14
// is "378282246310005". Excel itself shows at most fifteen significant
// digits; we keep the file's, since another reader shows them all. Only
// numbers too large or too small for any identifier to hide in stay in
// scientific form.
func (d decimal) general() string {
	if d.isZero() {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	if d.point > 21 || d.point < -9 {
		b.WriteByte(d.digits[0])
		if len(d.digits) > 1 {
			b.WriteByte('.')
			b.Write(d.digits[1:])
		}
		e := d.point - 1
		if e < 0 {
			b.WriteString("E-")
			e = -e
		} else {
			b.WriteString("E+")
		}
		b.WriteString(itoa(e))
		return b.String()
	}
	if i := d.intDigits(); i != "" {
		b.WriteString(i)
	} else {
		b.WriteByte('0')
	}
	if f := d.fracDigits(); f != "" {
		b.WriteByte('.')
		b.WriteString(f)
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// normalizeNumber rewrites a numeric literal the way a person sees it
// ("4.111111111111111E15" becomes "4111111111111111"); anything that is not
// a numeric literal comes back unchanged.
func normalizeNumber(s string) string {
	t := strings.TrimSpace(s)
	if !strings.ContainsAny(t, ".eE") || strings.HasPrefix(strings.TrimLeft(t, "+-"), "00") ||
		len(t) > 1 && t[0] == '0' && isDecDigit(t[1]) {
		// An integer is shown as written: "078051123" in a string cache
		// keeps the zero an SSN starts with.
		return s
	}
	d, ok := parseDecimal(t)
	if !ok {
		return s
	}
	return d.general()
}
