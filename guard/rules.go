package guard

import (
	"bytes"
	"slices"
	"strings"
)

// What counts as a number, on the normalised text:
//
//  1. A group is a maximal run of digits; no number is looked for inside
//     one (a 20-digit id holds no card). A folded line (a line break and
//     one blank) inside the digits does not end the group.
//  2. Digits inside a token that mixes letters and digits more than once
//     (hex, base64, "1Z…" tracking numbers) or with letters on both sides
//     are a code, not a group. Letters on one side ("cc4111…") are fine.
//  3. Two groups join when at most maxSep characters lie between them, no
//     letter and at most one kind of mark besides white space; a line
//     break with the quote prefix after it ("\n> ") counts as one. Joined
//     groups make a chain. A chain right after "+" is a phone number:
//     skipped. So are the digits of a valid IBAN (mod-97 check) and of a
//     UPS tracking number ("1Z" and sixteen letters and digits, grouped
//     or not).
//  4. A candidate is any window of whole consecutive groups of a chain
//     whose separators are all alike (white space of any length and kind,
//     tabs too, is one space; a line break is like anything):
//     "4111 1111 1111 1111" and "4111-1111-\n1111-1111", not
//     "2024-03-15 10:22:31". One exception: an SSN's 3-2-4 groups
//     joined by a space and a dash ("589 93-7059"), alone in its chain.
//  5. A window that goes on, with its own separator, into more digits is
//     part of something longer: for a card, a group of two or more before
//     it or of four or more after it (a CVV or an expiry may follow); for
//     an SSN, any group. So is a window going on into a letter when its
//     separator has no space, or glued to letters at both ends (a UUID:
//     "…-a917-…", "f3056930-9025-904c"). A window starting after "digits."
//     or made of two groups joined by "." is a decimal.
//  6. Cards: 13-19 digits, Luhn-valid, with an issuer prefix at one of its
//     lengths. SSNs: 9 digits valid under the SSA's rules (ITIN areas
//     included), not a ZIP+4 (5-4), with an SSN word within keywordWindow
//     characters.
//  7. A window with a tab in it is a row of cells pasted from a sheet. It
//     is a number only when it stands alone: no other digit on its lines,
//     and neither the line above nor the line below holds as many cells
//     of figures. A row among rows of figures is figures.
const (
	maxSep        = 3
	minCard       = 13
	maxCard       = 19
	keywordWindow = 300
)

// group is t[s:e], holding n digits (and maybe a folded line), read at
// src; next is the key of the separator after it, when it joins the next.
type group struct {
	s, e, n, src int
	next         uint32
}

type finder struct {
	t        []byte
	g        []group
	keywords []int // where SSN words start in t, once searched
	searched bool
	hits     []Hit
}

func findNumbers(t []byte, starts []int) []Hit {
	f := &finder{t: t, g: make([]group, 0, len(starts))}
	runs := 0
	for i := 0; i < len(t); {
		if end := max(iban(t, i), ups(t, i)); end > i {
			// Neither starts after a digit: its first digit starts a run.
			for j := i; j < end; j++ {
				if isDigit(t[j]) && (j == i || !isDigit(t[j-1])) {
					runs++
				}
			}
			i = end
			continue
		}
		if !isDigit(t[i]) {
			i++
			continue
		}
		g := group{s: i, src: starts[runs]}
		for {
			for i < len(t) && isDigit(t[i]) {
				i, g.n = i+1, g.n+1
			}
			runs++
			if !bytes.HasPrefix(t[i:], []byte("\n ")) || i+2 >= len(t) || !isDigit(t[i+2]) {
				break
			}
			i += 2 // a folded line: the digits go on
		}
		g.e = i
		if !f.code(g) {
			f.g = append(f.g, g)
		}
	}
	for a := 0; a < len(f.g); {
		b := a
		for b+1 < len(f.g) && joinable(f.sep(b)) {
			f.g[b].next = key(f.sep(b))
			b++
		}
		if s := f.g[a].s; s == 0 || f.t[s-1] != '+' {
			f.windows(a, b)
		}
		a = b + 1
	}
	return f.hits
}

// code reports whether g is part of a token of letters and digits (rule 2).
func (f *finder) code(g group) bool {
	t := f.t
	left := g.s > 0 && isLatin(t[g.s-1])
	right := g.e < len(t) && isLatin(t[g.e])
	if left && right {
		return true
	}
	if left {
		i := g.s - 1
		for i > 0 && isLatin(t[i-1]) {
			i--
		}
		return i > 0 && isDigit(t[i-1])
	}
	if right {
		i := g.e
		for i < len(t) && isLatin(t[i]) {
			i++
		}
		return i < len(t) && isDigit(t[i])
	}
	return false
}

// sep is what lies between group k and group k+1.
func (f *finder) sep(k int) []byte { return f.t[f.g[k].e:f.g[k+1].s] }

func joinable(sep []byte) bool {
	n := 0
	var mark byte
	for i := 0; i < len(sep); i++ {
		c := sep[i]
		switch {
		case isWord(c) || isDigit(c):
			return false
		case c == '\n':
			for i+1 < len(sep) && (sep[i+1] == '>' || isBlank(sep[i+1])) {
				i++
			}
		case !isBlank(c) && mark != 0 && c != mark:
			return false
		case !isBlank(c):
			mark = c
		}
		n++
	}
	return n <= maxSep
}

// key is what a separator must equal for a window to be alike
// throughout: its bytes (at most maxSep of them, white space of any
// length and kind as one space) packed in a number, or 0, like anything,
// for a line break.
func key(sep []byte) uint32 {
	if bytes.IndexByte(sep, '\n') >= 0 {
		return 0
	}
	var k uint32
	for i, c := range sep {
		if isBlank(c) {
			if i > 0 && isBlank(sep[i-1]) {
				continue
			}
			c = ' '
		}
		k = k<<8 | uint32(c)
	}
	return k | 1<<31
}

// hasSpace reports whether key k holds a blank.
func hasSpace(k uint32) bool {
	for ; k&0xffffff != 0; k >>= 8 {
		if k&0xff == ' ' {
			return true
		}
	}
	return false
}

// iban returns the end of a valid IBAN starting at t[i], or i: two
// letters beginning a word, two check digits, then letters and digits,
// whole or in groups of four, 15 to 34 in all, passing the ISO 7064
// mod-97 check.
func iban(t []byte, i int) int {
	if i+4 > len(t) || !isLatin(t[i]) || !isLatin(t[i+1]) || !isDigit(t[i+2]) || !isDigit(t[i+3]) || (i > 0 && (isWord(t[i-1]) || isDigit(t[i-1]))) {
		return i
	}
	// The first four characters count last: keep them aside.
	var head [4]byte
	n, rem := 0, 0
	j := i
	for j < len(t) {
		if c := t[j]; isLatin(c) || isDigit(c) {
			if n == 34 {
				return i // too long for an IBAN
			}
			if n < 4 {
				head[n] = c
			} else {
				rem = mod97(rem, c)
			}
			n++
			j++
			continue
		}
		// Blanks only between groups of four; a folded line ("\n ")
		// anywhere, as unfolding removes it.
		k := j
		for k < len(t) && (isBlank(t[k]) || (t[k] == '\n' && k+1 < len(t) && t[k+1] == ' ')) {
			k++
		}
		fold := k == j+2 && t[j] == '\n'
		if k == j || (n%4 != 0 && !fold) || k == len(t) || !(isLatin(t[k]) || isDigit(t[k])) {
			break
		}
		j = k
	}
	for _, c := range head {
		rem = mod97(rem, c)
	}
	if n < 15 || n > 34 || rem != 1 {
		return i
	}
	return j
}

// ups returns the end of a UPS tracking number starting at t[i], or i:
// "1Z" beginning a word, then sixteen letters and digits, at least one a
// letter (so no card hides behind "1Z"), unbroken or in groups split by
// one blank ("1Z 999 AA1 01 2345 678 4").
func ups(t []byte, i int) int {
	if i+2 > len(t) || t[i] != '1' || t[i+1] != 'z' || (i > 0 && (isWord(t[i-1]) || isDigit(t[i-1]))) {
		return i
	}
	j, n, letters := i+2, 0, 0
	for ; j < len(t) && n < 16; j++ {
		switch c := t[j]; {
		case isLatin(c):
			letters++
			n++
		case isDigit(c):
			n++
		case c != ' ' || t[j-1] == ' ':
			return i
		}
	}
	if n < 16 || letters == 0 {
		return i
	}
	return j
}

// mod97 adds c (a digit, or a letter worth 10-35) to an IBAN's remainder.
func mod97(rem int, c byte) int {
	if isDigit(c) {
		return (rem*10 + int(c-'0')) % 97
	}
	return (rem*100 + int(c-'a') + 10) % 97
}

// windows tries every window of alike separators in chain [a, b].
func (f *finder) windows(a, b int) {
	var d []byte
	for i := a; i <= b; i++ {
		if i > a && f.g[i-1].next == dot {
			continue // "0.5309…": a fraction
		}
		d = d[:0]
		var k uint32
		for j := i; j <= b && len(d) <= maxCard; j++ {
			if j > i {
				kj := f.g[j-1].next
				if k == 0 {
					k = kj
				} else if kj != 0 && kj != k {
					break
				}
			}
			for _, c := range f.t[f.g[j].s:f.g[j].e] {
				if isDigit(c) {
					d = append(d, c)
				}
			}
			if k == dot && j == i+1 {
				continue // "12.5": a decimal
			}
			if len(d) >= minCard && len(d) <= maxCard && luhn(d) && issuer(d, j == i) && !f.continued(i, j, a, b, k, 2, 4) && f.alone(i, j) {
				f.hits = append(f.hits, Hit{Rule: RuleCard, Kind: "pan", Offset: f.g[i].src})
			}
			zip4 := j == i+1 && f.g[i].n == 5
			if len(d) == 9 && !zip4 && validSSN(d) && !f.continued(i, j, a, b, k, 1, 1) && f.alone(i, j) && f.keywordNear(f.g[i].s, f.g[j].e) {
				f.hits = append(f.hits, Hit{Rule: RuleSSN, Kind: "ssn", Offset: f.g[i].src})
			}
		}
		f.mixedSSN(i, a, b)
	}
}

// mixedSSN takes groups i, i+1, i+2 of chain [a, b] as an SSN when they
// are 3, 2 and 4 digits joined by a space and a dash, in either order
// ("589 93-7059", "589-93 7059"): a person reads an SSN, and so does the
// precise scanner (rule 4's one exception). So loose a shape counts only
// standing alone in its chain (or cut from it by line breaks) and, like
// every SSN, near an SSN word.
func (f *finder) mixedSSN(i, a, b int) {
	if i+2 > b || f.g[i].n != 3 || f.g[i+1].n != 2 || f.g[i+2].n != 4 {
		return
	}
	k1, k2 := f.g[i].next, f.g[i+1].next
	if k1 == k2 || !spaceOrDash(k1) || !spaceOrDash(k2) {
		return
	}
	if (i > a && f.g[i-1].next != 0) || (i+2 < b && f.g[i+2].next != 0) {
		return // goes on into more digits, not across a line break
	}
	var d []byte
	for j := i; j <= i+2; j++ {
		for _, c := range f.t[f.g[j].s:f.g[j].e] {
			if isDigit(c) {
				d = append(d, c)
			}
		}
	}
	if validSSN(d) && !f.continued(i, i+2, a, b, 0, 1, 1) && f.keywordNear(f.g[i].s, f.g[i+2].e) {
		f.hits = append(f.hits, Hit{Rule: RuleSSN, Kind: "ssn", Offset: f.g[i].src})
	}
}

// spaceOrDash reports whether key k is a blank, or a dash with or without
// blanks around it. A Unicode dash (U+2010-U+2015, the minus U+2212)
// is normalised to a byte of 0x90-0x95 (see classify).
func spaceOrDash(k uint32) bool {
	if k == key([]byte(" ")) {
		return true
	}
	var mark byte
	for k &= 0xffffff; k != 0; k >>= 8 {
		switch c := byte(k); {
		case c == ' ':
		case mark == 0 && (c == '-' || c >= 0x90 && c <= 0x95):
			mark = c
		default:
			return false
		}
	}
	return mark != 0
}

var dot = key([]byte("."))

// alone reports whether window [i, j] is not a row among rows of figures
// (rule 7). A window without a tab always is.
func (f *finder) alone(i, j int) bool {
	t, s, e := f.t, f.g[i].s, f.g[j].e
	if bytes.IndexByte(t[s:e], '\t') < 0 {
		return true
	}
	first := bytes.LastIndexByte(t[:s], '\n') + 1
	last := len(t)
	if n := bytes.IndexByte(t[e:], '\n'); n >= 0 {
		last = e + n
	}
	if has(t[first:s], isDigit) || has(t[e:last], isDigit) {
		return false
	}
	cells := j - i + 1
	if first > 0 {
		above := bytes.LastIndexByte(t[:first-1], '\n') + 1
		if figures(t[above:first-1]) >= cells {
			return false
		}
	}
	if last < len(t) {
		below := t[last+1:]
		if n := bytes.IndexByte(below, '\n'); n >= 0 {
			below = below[:n]
		}
		if figures(below) >= cells {
			return false
		}
	}
	return true
}

// figures counts the tab-separated cells of a line that begin with a
// figure ("1234", "$12.50", "-3"; not "Q1"). A row that is itself a card
// counts too: with the guard's wide prefixes one row of figures in a
// hundred reads as one, so a table of cards split into cells is left to
// the precise scanner.
func figures(line []byte) int {
	n := 0
	for cell := range bytes.SplitSeq(line, []byte("\t")) {
		for _, c := range cell {
			if isDigit(c) {
				n++
			}
			if isDigit(c) || isWord(c) {
				break
			}
		}
	}
	return n
}

func has(b []byte, is func(byte) bool) bool {
	for _, c := range b {
		if is(c) {
			return true
		}
	}
	return false
}

// continued reports whether window [i, j] of chain [a, b], alike with
// separator k, goes on with k into a group of at least before digits
// before it or after digits after it, or into a Latin letter when k has
// no space, or is glued to letters at both ends (rule 5).
func (f *finder) continued(i, j, a, b int, k uint32, before, after int) bool {
	if s, e := f.g[i].s, f.g[j].e; s > 0 && isLatin(f.t[s-1]) && e < len(f.t) && isLatin(f.t[e]) {
		return true
	}
	if k == 0 {
		return false
	}
	if i > a && f.g[i-1].next == k && f.g[i-1].n >= before {
		return true
	}
	if j < b && f.g[j].next == k && f.g[j+1].n >= after {
		return true
	}
	if hasSpace(k) {
		return false
	}
	if s := f.g[i].s; i == a {
		p := s
		for p > 0 && s-p < maxSep && !isWord(f.t[p-1]) && !isDigit(f.t[p-1]) {
			p--
		}
		if p < s && p > 0 && isLatin(f.t[p-1]) && key(f.t[p:s]) == k {
			return true
		}
	}
	if e := f.g[j].e; j == b {
		p := e
		for p < len(f.t) && p-e < maxSep && !isWord(f.t[p]) && !isDigit(f.t[p]) {
			p++
		}
		if p > e && p < len(f.t) && isLatin(f.t[p]) && key(f.t[e:p]) == k {
			return true
		}
	}
	return false
}

func luhn(d []byte) bool {
	sum := 0
	for i := range d {
		v := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// issuers is a coarse prefix table, wider than the precise scanner's: a
// prefix range (as digits) and the lengths cards with it have. Thirteen
// digits only for Visa and 50: an id of thirteen digits starting with 5
// or 6 is common, a card of them all but unknown.
var issuers = []struct {
	lo, hi  string
	lengths []int
}{
	{"4", "4", []int{13, 16, 19}},               // Visa
	{"51", "55", []int{16}},                     // Mastercard
	{"2221", "2720", []int{16}},                 // Mastercard 2-series
	{"2200", "2205", []int{16, 17, 18, 19}},     // Mir
	{"34", "34", []int{15}},                     // American Express
	{"37", "37", []int{15}},                     // American Express
	{"30", "30", []int{14, 15, 16, 17, 18, 19}}, // Diners Club
	{"36", "36", []int{14, 15, 16, 17, 18, 19}}, // Diners Club
	{"38", "39", []int{14, 15, 16, 17, 18, 19}}, // Diners Club
	{"35", "35", []int{16, 17, 18, 19}},         // JCB
	{"50", "50", []int{13, 16, 17, 18, 19}},     // Maestro, Verve, RuPay
	{"56", "58", []int{16, 17, 18, 19}},         // Maestro
	{"6", "6", []int{16, 17, 18, 19}},           // Discover, UnionPay, Maestro, RuPay...
	{"9792", "9792", []int{16}},                 // Troy
	{"1", "1", []int{15}},                       // UATP, only written unbroken
}

// issuer reports whether d starts with a card prefix at one of its
// lengths. An airline (UATP) card counts only unbroken: fifteen digits in
// groups starting with 1 are too often something else.
func issuer(d []byte, unbroken bool) bool {
	for _, is := range issuers {
		if p := string(d[:len(is.lo)]); p < is.lo || p > is.hi || (is.lo == "1" && !unbroken) {
			continue
		}
		for _, n := range is.lengths {
			if len(d) == n {
				return true
			}
		}
	}
	return false
}

// validSSN applies the SSA's rules: area not 000 or 666, and 900-999 only
// as an ITIN (groups 50-65, 70-88, 90-92, 94-99); group not 00; serial
// not 0000; not one digit nine times, nor a famous sample number.
func validSSN(d []byte) bool {
	s := string(d)
	area, grp, serial := s[:3], s[3:5], s[5:]
	if area == "000" || area == "666" || grp == "00" || serial == "0000" || strings.Count(s, s[:1]) == 9 {
		return false
	}
	if area[0] == '9' && !(grp >= "50" && grp <= "65" || grp >= "70" && grp <= "88" || grp >= "90" && grp <= "92" || grp >= "94") {
		return false
	}
	switch s {
	case "078051120", "219099999", "457555462", "123456789":
		return false
	}
	return true
}

var ssnWords = []string{
	"ssn", "ssns", "ss#", "ss #", "ss no", "s.s.n", "social security", "social sec",
	"soc sec", "soc. sec", "ssa", "itin", "tin", "taxpayer", "tax payer", "tax id",
}

// keywordNear reports whether an SSN word starts within keywordWindow
// characters of t[s:e].
func (f *finder) keywordNear(s, e int) bool {
	if !f.searched {
		f.searched = true
		for _, w := range ssnWords {
			for at := 0; ; at++ {
				i := bytes.Index(f.t[at:], []byte(w))
				if i < 0 {
					break
				}
				at += i
				end := at + len(w)
				if (at == 0 || !isLatin(f.t[at-1])) && (end == len(f.t) || !isLatin(f.t[end])) {
					f.keywords = append(f.keywords, at)
				}
			}
		}
		slices.Sort(f.keywords)
	}
	i, _ := slices.BinarySearch(f.keywords, s-keywordWindow)
	return i < len(f.keywords) && f.keywords[i] <= e+keywordWindow
}
