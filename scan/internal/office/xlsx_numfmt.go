package office

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Excel number formats (ECMA-376 Part 1, 18.8.31), enough of them to show a
// cell as a person sees it: digit placeholders with literals between them
// ("000-00-0000" puts back the leading zero an SSN lost when it was stored
// as a number), thousands separators, scaling, percent, scientific, text
// sections and dates. Colours, conditions and fill characters change how a
// cell looks, not which digits it shows, and are dropped.

// builtinNumFmts are the formats a cell may name by id without defining
// them (18.8.30). Ids missing here are locale-dependent; they show as
// General, which keeps every digit.
var builtinNumFmts = map[int]string{
	0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
	9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
	14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy",
	18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
	37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)",
	45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}

type fmtTokKind uint8

const (
	tokLit      fmtTokKind = iota // literal text
	tokDigit                      // 0, # or ?
	tokPoint                      // decimal point
	tokComma                      // thousands separator or scaling
	tokPercent                    // %
	tokExp                        // E+ or E-
	tokText                       // @
	tokGeneral                    // General
	tokDate                       // y, m, d, h, s, AM/PM, [h]
	tokFraction                   // the slash of a fraction
)

type fmtTok struct {
	kind fmtTokKind
	s    string
}

// numFmt is one compiled format code: up to four sections, for positive,
// negative, zero and text values.
type numFmt struct {
	sections []*fmtSection
}

// fmtSection is one section, split once at its decimal point and exponent
// so that showing a cell costs no more than filling its placeholders.
type fmtSection struct {
	toks                                  []fmtTok
	date, general, fraction, digits, text bool
	intT, fracT, expT                     []fmtTok
	thousands                             bool
	scale, percent, nDec                  int
}

func compileNumFmt(code string) *numFmt {
	f := &numFmt{}
	for _, sec := range splitSections(code) {
		f.sections = append(f.sections, compileSection(tokenizeSection(sec)))
	}
	return f
}

func compileSection(toks []fmtTok) *fmtSection {
	s := &fmtSection{toks: toks}
	part := 0
	for _, t := range toks {
		switch t.kind {
		case tokDate:
			s.date = true
		case tokGeneral:
			s.general = true
		case tokFraction:
			s.fraction = true
		case tokDigit:
			s.digits = true
		case tokText:
			s.text = true
		case tokPercent:
			s.percent++
		}
		switch {
		case t.kind == tokPoint && part == 0:
			part = 1
			s.fracT = append(s.fracT, t)
			continue
		case t.kind == tokExp && part < 2:
			part = 2
			s.expT = append(s.expT, t)
			continue
		}
		switch part {
		case 0:
			s.intT = append(s.intT, t)
		case 1:
			s.fracT = append(s.fracT, t)
			if t.kind == tokDigit {
				s.nDec++
			}
		default:
			s.expT = append(s.expT, t)
		}
	}
	s.thousands, s.scale = commas(s.intT)
	return s
}

// splitSections cuts a format code at the semicolons outside quotes,
// brackets and escapes.
func splitSections(code string) []string {
	var out []string
	start, quoted, bracket := 0, false, false
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case quoted:
			quoted = c != '"'
		case bracket:
			bracket = c != ']'
		case c == '"':
			quoted = true
		case c == '[':
			bracket = true
		case c == '\\' || c == '_' || c == '*':
			i++
		case c == ';':
			out = append(out, code[start:i])
			start = i + 1
		}
	}
	return append(out, code[start:])
}

func tokenizeSection(sec string) []fmtTok {
	var toks []fmtTok
	lit := func(s string) { toks = append(toks, fmtTok{kind: tokLit, s: s}) }
	for i := 0; i < len(sec); {
		c := sec[i]
		rest := sec[i:]
		switch {
		case c == '"':
			j := strings.IndexByte(sec[i+1:], '"')
			if j < 0 {
				lit(sec[i+1:])
				return toks
			}
			lit(sec[i+1 : i+1+j])
			i += j + 2
		case c == '\\' && i+1 < len(sec):
			_, n := utf8.DecodeRuneInString(sec[i+1:])
			lit(sec[i+1 : i+1+n])
			i += 1 + n
		case c == '_' && i+1 < len(sec):
			_, n := utf8.DecodeRuneInString(sec[i+1:])
			lit(" ") // room for a character: a space on screen
			i += 1 + n
		case c == '*' && i+1 < len(sec):
			_, n := utf8.DecodeRuneInString(sec[i+1:])
			i += 1 + n // fill to the column width: nothing to read
		case c == '[':
			j := strings.IndexByte(rest, ']')
			if j < 0 {
				return toks
			}
			inner := rest[1:j]
			switch lower := strings.ToLower(inner); {
			case strings.HasPrefix(inner, "$"):
				sym, _, _ := strings.Cut(inner[1:], "-")
				lit(sym)
			case strings.Trim(lower, "h") == "" || strings.Trim(lower, "m") == "" || strings.Trim(lower, "s") == "":
				toks = append(toks, fmtTok{kind: tokDate, s: lower})
			}
			// colours, conditions and locale tags: not shown
			i += j + 1
		case c == '0' || c == '#' || c == '?':
			toks = append(toks, fmtTok{kind: tokDigit, s: string(c)})
			i++
		case c == '.':
			toks = append(toks, fmtTok{kind: tokPoint})
			i++
		case c == ',':
			toks = append(toks, fmtTok{kind: tokComma})
			i++
		case c == '%':
			toks = append(toks, fmtTok{kind: tokPercent})
			i++
		case (c == 'E' || c == 'e') && i+1 < len(sec) && (sec[i+1] == '+' || sec[i+1] == '-'):
			toks = append(toks, fmtTok{kind: tokExp, s: sec[i : i+2]})
			i += 2
		case c == '@':
			toks = append(toks, fmtTok{kind: tokText})
			i++
		case len(rest) >= 7 && strings.EqualFold(rest[:7], "General"):
			toks = append(toks, fmtTok{kind: tokGeneral})
			i += 7
		case len(rest) >= 5 && strings.EqualFold(rest[:5], "AM/PM"):
			toks = append(toks, fmtTok{kind: tokDate, s: "am/pm"})
			i += 5
		case len(rest) >= 3 && strings.EqualFold(rest[:3], "A/P"):
			toks = append(toks, fmtTok{kind: tokDate, s: "am/pm"})
			i += 3
		case strings.IndexByte("yYmMdDhHsS", c) >= 0:
			j := i + 1
			for j < len(sec) && (sec[j]|0x20) == (c|0x20) {
				j++
			}
			toks = append(toks, fmtTok{kind: tokDate, s: strings.ToLower(sec[i:j])})
			i = j
		case c == '/':
			toks = append(toks, fmtTok{kind: tokFraction})
			i++
		default:
			_, n := utf8.DecodeRuneInString(rest)
			lit(rest[:n])
			i += n
		}
	}
	return toks
}

// formatText shows a string cell: the text section's literals around the
// text, or the text alone when the format has no text section.
func (f *numFmt) formatText(s string) string {
	var sec *fmtSection
	switch {
	case len(f.sections) >= 4:
		sec = f.sections[3]
	case len(f.sections) == 1 && f.sections[0].text:
		sec = f.sections[0]
	default:
		return s
	}
	if !sec.text {
		// The section hides the text (";;;"), but the formula bar shows it.
		return s
	}
	var b strings.Builder
	for _, t := range sec.toks {
		switch t.kind {
		case tokLit:
			b.WriteString(t.s)
		case tokText:
			b.WriteString(s)
		}
	}
	return b.String()
}

// formatNumber shows a number through the format. ok is false when Excel
// would show no digits of it (a date past year 9999 shows "#####").
func (f *numFmt) formatNumber(d decimal) (string, bool) {
	if len(f.sections) == 0 {
		return d.general(), true
	}
	sec, signed := f.sections[0], true
	n := len(f.sections)
	switch {
	case d.neg && n >= 2:
		sec, signed = f.sections[1], false
		d.neg = false
	case d.isZero() && n >= 3:
		sec = f.sections[2]
	}
	switch {
	case sec.date:
		return formatDate(d, sec.toks)
	case sec.fraction && sec.digits && !sec.general:
		// A fraction ("# ?/?") shows as General: the digits are what
		// matter here, not the vulgar fraction.
		return d.general(), true
	case sec.general, !sec.digits:
		// Literals around General; or literals alone ("-"; "@" shows the
		// number as General).
		var b strings.Builder
		for _, t := range sec.toks {
			switch t.kind {
			case tokLit, tokPercent:
				b.WriteString(litOf(t))
			case tokGeneral, tokText:
				b.WriteString(d.general())
			}
		}
		return b.String(), true
	}
	return formatDigits(d, sec, signed), true
}

// formatDigits lays a number into a section's digit placeholders.
func formatDigits(d decimal, sec *fmtSection, signed bool) string {
	d = d.shift(2*sec.percent - 3*sec.scale)
	neg := d.neg && signed
	d.neg = false

	var b strings.Builder
	if len(sec.expT) > 0 {
		m, e := scientific(d, sec.intT, sec.nDec)
		if neg && !m.isZero() {
			b.WriteByte('-')
		}
		fillInt(&b, sec.intT, m.intDigits(), false)
		fillFrac(&b, sec.fracT, m.fracDigits())
		fillExp(&b, sec.expT, e)
		return b.String()
	}
	d = d.round(sec.nDec)
	if neg && !d.isZero() {
		b.WriteByte('-')
	}
	fillInt(&b, sec.intT, d.intDigits(), sec.thousands)
	fillFrac(&b, sec.fracT, d.fracDigits())
	return b.String()
}

// commas tells whether the integer part groups thousands (a comma between
// digit placeholders) and how many times it scales by a thousand (commas
// after the last placeholder).
func commas(intT []fmtTok) (thousands bool, scale int) {
	last := -1
	for i, t := range intT {
		if t.kind == tokDigit {
			last = i
		}
	}
	for i, t := range intT {
		if t.kind != tokComma {
			continue
		}
		if i > last {
			if last >= 0 {
				scale++
			}
			continue
		}
		thousands = thousands || i > 0
	}
	return thousands, scale
}

// fillInt writes the integer part: digits fill the placeholders from the
// right, literals stay where they are, and digits beyond the placeholders
// go before the first one, as Excel does ("000-00-0000" shows 78051123 as
// 078-05-1123).
func fillInt(b *strings.Builder, intT []fmtTok, digits string, thousands bool) {
	first, zeros := -1, 0
	for i, t := range intT {
		if t.kind == tokDigit {
			if first < 0 {
				first = i
			}
			if t.s == "0" {
				zeros++
			}
		}
	}
	if thousands {
		for len(digits) < zeros {
			digits = "0" + digits
		}
		grouped := groupThousands(digits)
		placed := false
		for _, t := range intT {
			switch t.kind {
			case tokLit, tokPercent:
				b.WriteString(litOf(t))
			case tokDigit:
				if !placed {
					b.WriteString(grouped)
					placed = true
				}
			}
		}
		return
	}
	out := make([]string, len(intT))
	rest := digits
	for i := len(intT) - 1; i >= 0; i-- {
		t := intT[i]
		switch t.kind {
		case tokLit, tokPercent:
			out[i] = litOf(t)
		case tokDigit:
			switch {
			case rest != "":
				out[i] = rest[len(rest)-1:]
				rest = rest[:len(rest)-1]
			case t.s == "0":
				out[i] = "0"
			case t.s == "?":
				out[i] = " "
			}
			if i == first && rest != "" {
				out[i] = rest + out[i]
				rest = ""
			}
		}
	}
	if first < 0 && digits != "" {
		b.WriteString(digits)
	}
	for _, s := range out {
		b.WriteString(s)
	}
}

func litOf(t fmtTok) string {
	if t.kind == tokPercent {
		return "%"
	}
	return t.s
}

func groupThousands(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// fillFrac writes the point and the decimals: '#' drops a trailing zero,
// '?' turns it into a space.
func fillFrac(b *strings.Builder, fracT []fmtTok, frac string) {
	var slots []int
	for i, t := range fracT {
		if t.kind == tokDigit {
			slots = append(slots, i)
		}
	}
	out := make([]string, len(fracT))
	for i, t := range fracT {
		switch t.kind {
		case tokPoint:
			out[i] = "."
		case tokLit, tokPercent:
			out[i] = litOf(t)
		}
	}
	for k, i := range slots {
		if k < len(frac) {
			out[i] = frac[k : k+1]
		} else {
			out[i] = "0"
		}
	}
	for k := len(slots) - 1; k >= 0; k-- {
		i := slots[k]
		if out[i] != "0" || fracT[i].s == "0" {
			break
		}
		if fracT[i].s == "?" {
			out[i] = " "
		} else {
			out[i] = ""
		}
	}
	for _, s := range out {
		b.WriteString(s)
	}
}

// scientific splits a number into a mantissa with as many integer digits
// as the format has placeholders and an exponent; with '#' placeholders
// ("##0.0E+0") the exponent is a multiple of their count.
func scientific(d decimal, intT []fmtTok, nDec int) (decimal, int) {
	nI, hash := 0, false
	for _, t := range intT {
		if t.kind == tokDigit {
			nI++
			hash = hash || t.s == "#"
		}
	}
	nI = max(nI, 1)
	if d.isZero() {
		return d, 0
	}
	engineering := hash && nI > 1
	exp := func(point int) int {
		if engineering {
			return floorDiv(point-1, nI) * nI
		}
		return point - nI
	}
	e := exp(d.point)
	m := d.shift(-e).round(nDec)
	if !engineering && len(m.intDigits()) > nI {
		e++
		m = d.shift(-e).round(nDec)
	}
	return m, e
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func fillExp(b *strings.Builder, expT []fmtTok, e int) {
	minDigits := 0
	for _, t := range expT {
		if t.kind == tokDigit {
			minDigits++
		}
	}
	mark := expT[0].s
	b.WriteByte(mark[0])
	switch {
	case e < 0:
		b.WriteByte('-')
		e = -e
	case mark[1] == '+':
		b.WriteByte('+')
	}
	s := itoa(e)
	for len(s) < minDigits {
		s = "0" + s
	}
	b.WriteString(s)
	for _, t := range expT[1:] {
		if t.kind == tokLit {
			b.WriteString(t.s)
		}
	}
}

// maxExcelSerial is 9999-12-31, the last day Excel shows.
const maxExcelSerial = 2958465

// formatDate shows a date serial in ISO form: the digits of a date hold no
// number we look for, so only the shape (date, time or both) follows the
// format. Serials of the 1900 date system; a workbook on the 1904 system
// shows dates four years off, which changes nothing we detect.
func formatDate(d decimal, sec []fmtTok) (string, bool) {
	if d.neg || d.point > 7 {
		return "", false
	}
	days := 0
	for _, c := range d.intDigits() {
		days = days*10 + int(c-'0')
	}
	if days > maxExcelSerial {
		return "", false
	}
	frac := 0.0
	scale := 0.1
	for _, c := range d.fracDigits() {
		frac += float64(c-'0') * scale
		scale /= 10
		if scale < 1e-12 {
			break
		}
	}
	var hasDate, hasTime bool
	for _, t := range sec {
		if t.kind != tokDate {
			continue
		}
		switch t.s[0] {
		case 'y', 'd':
			hasDate = true
		case 'h', 's', 'a', '[':
			hasTime = true
		}
	}
	if !hasDate && !hasTime {
		hasDate = true // "mmm" alone: a month
	}
	var day time.Time
	switch {
	case days == 60:
		// Excel's 29 February 1900, a day that never was (Lotus 1-2-3).
		return "1900-02-29", true
	case days < 60:
		day = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	default:
		day = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	}
	day = day.Add(time.Duration(frac*86400+0.5) * time.Second)
	switch {
	case hasDate && hasTime:
		return day.Format("2006-01-02 15:04:05"), true
	case hasTime:
		return day.Format("15:04:05"), true
	}
	return day.Format("2006-01-02"), true
}

// cellShown decides what the ticket text holds for a numeric cell: what
// the cell shows when that spells the number's digits with separators the
// detectors follow (078-05-1123, 4111 1111 1111 1111) or is too short to
// hold an identifier; otherwise the value as the formula bar shows it,
// because a person can read that too and a format that groups thousands,
// hides the value (";;;") or shows it in scientific form would keep the
// number from the detectors. Only one of the two is kept: a second,
// unmasked spelling of a masked number would be a leak of its own.
func cellShown(shown, plain string) string {
	if shownFaithful(shown, plain) {
		return shown
	}
	intPart, _, _ := strings.Cut(strings.TrimPrefix(plain, "-"), ".")
	if strings.ContainsAny(intPart, "Ee") || len(intPart) < 8 {
		return shown
	}
	return plain
}

// shownFaithful: shown holds plain's digits (bar leading zeros a format
// added) joined only by spaces, dashes or dots.
func shownFaithful(shown, plain string) bool {
	var ds, dp []byte
	first, last := -1, -1
	for i := 0; i < len(shown); i++ {
		if isDecDigit(shown[i]) {
			ds = append(ds, shown[i])
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	for i := 0; i < len(plain); i++ {
		if isDecDigit(plain[i]) {
			dp = append(dp, plain[i])
		} else if plain[i] == 'E' || plain[i] == 'e' {
			return false
		}
	}
	if strings.TrimLeft(string(ds), "0") != strings.TrimLeft(string(dp), "0") {
		return false
	}
	for i := first + 1; i < last; i++ {
		if c := shown[i]; !isDecDigit(c) && c != ' ' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}
