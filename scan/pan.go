package scan

import (
	"net/url"
	"unicode/utf8"
)

// Payment card numbers: 13 to 19 digits that pass Luhn AND start with a
// known issuer prefix at one of that issuer's lengths. Luhn alone passes one
// random number in ten; the prefix and length table is what keeps epoch
// milliseconds, IMEIs and order ids out.

const (
	minPAN = 13
	maxPAN = 19
	// A card may be followed by short groups (an expiry "12 27", a CVV
	// "123") and, rarely, preceded by a short one (a quantity). At most
	// these many such groups are set aside at each end of a run; they are
	// masked with the card, since a CVV must never be shown.
	maxTrailGroups = 2
	maxTrailDigits = 4
	maxLeadGroups  = 1
	maxLeadDigits  = 3
)

// issuer is one row of the prefix table: a prefix range on the first plen
// digits and a set of lengths (bit n set: n digits allowed).
type issuer struct {
	lo, hi  int
	plen    int
	lengths uint32
}

func lens(ns ...int) uint32 {
	var m uint32
	for _, n := range ns {
		m |= 1 << n
	}
	return m
}

var (
	len16to19 = lens(16, 17, 18, 19)
	len14to19 = lens(14, 15, 16, 17, 18, 19)
)

// issuers lists the networks a member may hold a card of. Sources: the
// networks' published IIN ranges (ISO/IEC 7812); prefixes of networks that
// matter little to US members but would add false alarms are left out.
var issuers = [...]issuer{
	{4, 4, 1, lens(13, 16, 19)},               // Visa, Visa Electron
	{51, 55, 2, lens(16)},                     // Mastercard
	{2221, 2720, 4, lens(16)},                 // Mastercard 2-series
	{34, 34, 2, lens(15)},                     // American Express
	{37, 37, 2, lens(15)},                     // American Express
	{6011, 6011, 4, len16to19},                // Discover
	{644, 649, 3, len16to19},                  // Discover
	{65, 65, 2, len16to19},                    // Discover, RuPay 65
	{3528, 3589, 4, len16to19},                // JCB (and RuPay 353/356 co-brands)
	{300, 305, 3, len14to19},                  // Diners Club Carte Blanche
	{3095, 3095, 4, len14to19},                // Diners Club International
	{36, 36, 2, len14to19},                    // Diners Club International
	{38, 39, 2, len14to19},                    // Diners Club
	{62, 62, 2, len16to19},                    // UnionPay (and Discover 622126-622925)
	{2200, 2205, 4, len16to19},                // Mir, BORICA
	{5018, 5018, 4, lens(13, 16, 17, 18, 19)}, // Maestro
	{5019, 5019, 4, lens(16)},                 // Dankort
	{5020, 5020, 4, lens(13, 16, 17, 18, 19)}, // Maestro
	{5038, 5038, 4, lens(13, 16, 17, 18, 19)}, // Maestro
	{506099, 506198, 6, lens(16, 18, 19)},     // Verve
	{507865, 507964, 6, lens(16, 18, 19)},     // Verve
	{508, 508, 3, lens(16)},                   // RuPay
	{5893, 5893, 4, lens(13, 16, 17, 18, 19)}, // Maestro
	{60, 60, 2, lens(16)},                     // RuPay
	{6304, 6304, 4, lens(13, 16, 17, 18, 19)}, // Maestro
	{636, 636, 3, len16to19},                  // InterPayment
	{637, 639, 3, lens(16)},                   // InstaPayment
	{6759, 6759, 4, lens(13, 16, 17, 18, 19)}, // Maestro UK
	{6761, 6763, 4, lens(13, 16, 17, 18, 19)}, // Maestro
	{9792, 9792, 4, lens(16)},                 // Troy
	{1, 1, 1, lens(15)},                       // UATP airline cards
}

// knownIssuer reports whether digits (ASCII, 13-19 long) start with an
// issuer prefix at a length that issuer uses.
func knownIssuer(d []byte) bool {
	n := len(d)
	var prefix [7]int // prefix[k] is the number the first k digits make
	for k := 1; k <= 6; k++ {
		prefix[k] = prefix[k-1]*10 + int(d[k-1]-'0')
	}
	for _, is := range issuersByFirst[d[0]-'0'] {
		if is.lengths&(1<<n) != 0 && prefix[is.plen] >= is.lo && prefix[is.plen] <= is.hi {
			return true
		}
	}
	return false
}

// issuersByFirst indexes the table by first digit: most numbers in a
// digit-dense export are then ruled out after a look at one short list.
var issuersByFirst = func() (by [10][]issuer) {
	for _, is := range issuers {
		first := is.lo
		for first >= 10 {
			first /= 10
		}
		by[first] = append(by[first], is)
	}
	return by
}()

// luhn reports whether the ASCII digits pass the Luhn (mod 10) check.
func luhn(d []byte) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// panCandidate is a window of whole groups [i, j) of a run that is a card.
type panCandidate struct {
	i, j   int
	digits int
	drops  int // groups set aside at the edges of its segment
}

// findPANs appends the cards in r to out.
func (d *detector) findPANs(text []byte, r *run, out []Match) []Match {
	groups, gaps := r.groups, r.gaps
	if inIBAN(text, r.start()) {
		return out
	}
	cands := d.cands[:0]
	if dottedCard(r) {
		// "4111.1111.1111.1111": dots between groups of four are how some
		// people type a card, and no decimal looks like that.
		cands = d.addWindow(text, r, 0, len(groups), cands)
		for k := range cands {
			cands[k].drops = 0
		}
	} else {
		// Otherwise a dot joins the groups of a decimal, a version or an
		// address, never a card: the groups touching a dot are left out.
		for a := 0; a < len(groups); {
			b := a + 1
			for b < len(groups) && gaps[b-1] != gapDot {
				b++
			}
			lo, hi := a, b
			if a > 0 {
				lo++ // dot on the left
			}
			if b < len(groups) {
				hi-- // dot on the right
			}
			if lo < hi {
				cands = d.panWindows(text, r, lo, hi, cands)
			}
			a = b
		}
	}
	d.cands = cands
	if len(cands) == 0 {
		return out
	}
	// Prefer the longest card, then the one with fewest set-aside groups;
	// never two overlapping.
	for {
		best := -1
		for k, c := range cands {
			if c.digits < 0 {
				continue
			}
			if best < 0 || c.score(r) > cands[best].score(r) ||
				(c.score(r) == cands[best].score(r) && c.drops < cands[best].drops) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		c := cands[best]
		m := d.newMatch(KindPAN, text, r, c.i, c.j)
		m.maskEnd = trailEnd(r, c.j)
		out = append(out, m)
		for k := range cands {
			if cands[k].i < c.j && c.i < cands[k].j {
				cands[k].digits = -1
			}
		}
	}
	return out
}

// score ranks overlapping candidates: the longer card wins, but a card is
// printed with one kind of separator, so a window that mixes them ranks
// below the ones that do not ("4111-1111-1111-1111 123" is a card and its
// CVV even when the 19 digits happen to pass Luhn, as one in ten do).
func (c panCandidate) score(r *run) int {
	var kind gapKind
	for g := c.i; g < c.j-1; g++ {
		k := r.gaps[g]
		if k == gapBreak {
			continue
		}
		if kind != 0 && k != kind {
			return c.digits - maxPAN
		}
		kind = k
	}
	return c.digits
}

// trailEnd returns where the short groups after a card (its expiry or CVV,
// when they share its run) end, so masking covers them too.
func trailEnd(r *run, j int) int {
	end := r.groups[j-1].end
	for g := j; g < len(r.groups) && g < j+maxTrailGroups; g++ {
		k := r.gaps[g-1]
		if r.groups[g].n > maxTrailDigits || (k != gapSpace && k != gapDash && k != gapBreak) {
			break
		}
		end = r.groups[g].end
	}
	return end
}

// dottedCard reports whether r is only groups joined by dots in a card's
// printed grouping: 4-4-4-4 (to 19 digits), 4-6-5 or 4-6-4.
func dottedCard(r *run) bool {
	n := len(r.groups)
	if n < 3 || n > 5 {
		return false
	}
	for _, g := range r.gaps {
		if g != gapDot {
			return false
		}
	}
	if n == 3 {
		return r.groups[0].n == 4 && r.groups[1].n == 6 && (r.groups[2].n == 5 || r.groups[2].n == 4)
	}
	for i, g := range r.groups {
		if g.n != 4 && !(i == n-1 && g.n >= 1 && g.n <= 3) {
			return false
		}
	}
	return true
}

// addWindow adds groups [i, j) of r as a candidate if they are a card.
func (d *detector) addWindow(text []byte, r *run, i, j int, cands []panCandidate) []panCandidate {
	groups := r.groups
	n := 0
	for g := i; g < j; g++ {
		n += groups[g].n
	}
	if n < minPAN || n > maxPAN {
		return cands
	}
	if j-i > 1 {
		if groups[i].n == 1 || groups[j-1].n == 1 {
			return cands // a lone digit at an edge is another number
		}
		long := 0
		for g := i; g < j; g++ {
			if groups[g].n > 6 {
				long++
			}
		}
		if long > 1 {
			return cands // no card is printed in groups of seven or more
		}
	}
	digits := r.digits[groups[i].d0 : groups[j-1].d0+groups[j-1].n]
	if !knownIssuer(digits) || !luhn(digits) || !plausibleUATP(digits, r, i, j) {
		return cands
	}
	printed := j-i == 1 || cardCells(r, i, j)
	if !panContextOK(text, groups[i].start, groups[j-1].end, i == 0, j == len(groups), printed) {
		return cands
	}
	return append(cands, panCandidate{i: i, j: j, digits: n, drops: -1})
}

// panWindows adds the card windows among groups [lo, hi). A window of one
// unbroken group stands on its own. A window of several groups must be
// anchored on each side: at an anchor, or a few short groups (an expiry,
// a CVV, a quantity) away from one, or next to another card
// that is. Anchors are the ends of the range, line breaks and a change of
// separator ("4111111111111111 4012-8888-8888-1881"). So cards are found
// in a list of cards, but never in the middle of a long spaced table of
// digits.
func (d *detector) panWindows(text []byte, r *run, lo, hi int, cands []panCandidate) []panCandidate {
	groups, gaps := r.groups, r.gaps
	first := len(cands)
	for i := lo; i < hi; i++ {
		n := 0
		for j := i + 1; j <= hi; j++ {
			n += groups[j-1].n
			if n > maxPAN {
				break
			}
			if n >= minPAN {
				cands = d.addWindow(text, r, i, j, cands)
			}
		}
	}
	if len(cands) == first {
		return cands
	}
	anchor := d.anchors[:0]
	for p := lo; p <= hi; p++ {
		a := p == lo || p == hi || gaps[p-1] == gapBreak
		if !a {
			k := gaps[p-1]
			a = (p-2 >= lo && gaps[p-2] != k) || (p < hi-1 && gaps[p] != k)
		}
		anchor = append(anchor, a)
	}
	d.anchors = anchor
	at := func(p int) bool { return anchor[p-lo] }
	// reach[p]: a card may start at p (anchored, or right after a card that
	// may start where it starts); coreach[p]: a card may end at p.
	size := hi - lo + 1
	d.reach = append(d.reach[:0], make([]int8, 2*size)...)
	reach, coreach := d.reach[:size], d.reach[size:]
	own := cands[first:]
	for p := lo; p <= hi; p++ {
		if drops, ok := edgeDrops(r, lo, p, -1, at); ok {
			reach[p-lo] = int8(drops) + 1
		}
		for _, c := range own {
			if c.j == p && reach[c.i-lo] > 0 && reach[p-lo] == 0 {
				reach[p-lo] = 1
			}
		}
	}
	for p := hi; p >= lo; p-- {
		if drops, ok := edgeDrops(r, hi, p, +1, at); ok {
			coreach[p-lo] = int8(drops) + 1
		}
		for _, c := range own {
			if c.i == p && coreach[c.j-lo] > 0 && coreach[p-lo] == 0 {
				coreach[p-lo] = 1
			}
		}
	}
	keep := cands[:first]
	for _, c := range own {
		switch {
		case reach[c.i-lo] > 0 && coreach[c.j-lo] > 0:
			c.drops = int(reach[c.i-lo]) + int(coreach[c.j-lo]) - 2
		case c.j-c.i == 1:
			c.drops = maxTrailGroups + maxLeadGroups + 1 // standing alone; least preferred
		default:
			continue
		}
		keep = append(keep, c)
	}
	return keep
}

// edgeDrops tells whether a window edge at group index e (a start when dir
// is -1, an end when +1) is anchored, and how many short groups it sets
// aside between itself and the anchor.
func edgeDrops(r *run, limit, e, dir int, anchored func(int) bool) (int, bool) {
	maxGroups, maxDigits := maxTrailGroups, maxTrailDigits
	if dir < 0 {
		maxGroups, maxDigits = maxLeadGroups, maxLeadDigits
	}
	drops := 0
	for p := e; ; p += dir {
		if anchored(p) {
			return drops, true
		}
		if p == limit || drops == maxGroups {
			return 0, false
		}
		g := p
		if dir < 0 {
			g = p - 1
		}
		if r.groups[g].n > maxDigits {
			return 0, false
		}
		if dir < 0 && r.gaps[g] != gapSpace {
			return 0, false // "112-4567890-...": a dash makes one identifier
		}
		drops++
	}
}

// plausibleUATP keeps airline (prefix 1) cards to how they are printed,
// unbroken or 4-5-6: fifteen digits starting with 1 are otherwise too often
// something else.
func plausibleUATP(d []byte, r *run, i, j int) bool {
	if d[0] != '1' || j-i == 1 {
		return true
	}
	return j-i == 3 && r.groups[i].n == 4 && r.groups[i+1].n == 5 && r.groups[i+2].n == 6
}

// panContextOK rejects digit runs that are part of something else: a phone
// number (+), an id in a URL path, a hyphenated token such as a UUID, or a
// token of letters and digits (hex, base64). printed says the digits are
// unbroken or in a card's printed grouping: after a word and a hyphen
// ("card-4929…", "visa-4929-7375-1087-1095") only such a number is read as
// a card, not one grouped as ids are ("SKU-4929-737510-871095").
func panContextOK(text []byte, start, end int, runStart, runEnd, printed bool) bool {
	before, after := runeBefore(text, start), runeAt(text, end)
	if runStart {
		switch {
		case before == '+':
			return false
		case before == '/' && inURL(text, start):
			return false
		case before == '-' && wordChar(runeBefore(text, start-1)) &&
			!(printed && wordHyphen(text, start-1) && !(runEnd && wordChar(after))):
			return false
		}
	}
	if runEnd && after == '-' && wordChar(runeAt(text, end+1)) {
		return false
	}
	if runStart && (isLetter(before) || before == ' ') && inUPS(text, start) {
		return false
	}
	if runStart && runEnd && wordChar(before) && wordChar(after) && inToken(text, start, end) {
		return false
	}
	if (before == '-' || after == '-') && inUUID(text, start, end) {
		return false
	}
	return true
}

// inUUID reports whether [start, end) lies in a UUID (8-4-4-4-12 hex
// digits), whose leading groups are all decimal digits now and then
// ("12345678-9012-4616-81e1-…") and can pass for a dashed card.
func inUUID(text []byte, start, end int) bool {
	const n = 36
	lo, hi := start, end
	for lo > 0 && start-lo < n && (hexDigit(text[lo-1]) || text[lo-1] == '-') {
		lo--
	}
	for hi < len(text) && hi-end < n && (hexDigit(text[hi]) || text[hi] == '-') {
		hi++
	}
	for p := lo; p+n <= hi; p++ {
		if p <= start && end <= p+n && uuidAt(text[p:p+n]) {
			return true
		}
	}
	return false
}

func uuidAt(b []byte) bool {
	for i, c := range b {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !hexDigit(c) {
				return false
			}
		}
	}
	return true
}

func hexDigit(c byte) bool { return c-'0' < 10 || (c|0x20)-'a' < 6 }

// wordHyphen reports whether the hyphen at h follows a word of letters
// alone ("card-4929…", "visa-4929-7375-…"): that is prose, the number is
// read on its own. A hyphen after a token holding digits ("A1-…",
// "2024-…") makes the number part of an identifier.
func wordHyphen(text []byte, h int) bool {
	p, letters := h, 0
	for p > 0 && h-p < 64 {
		r, size := utf8.DecodeLastRune(text[:p])
		if !wordChar(r) {
			break
		}
		if !isLetter(r) {
			return false
		}
		letters++
		p -= size
	}
	return letters >= 2 && h-p < 64
}

// inUPS reports whether the digits at start are part of a UPS tracking
// number, "1Z" and sixteen letters or digits, unbroken or printed in
// groups ("1Z 999 AA1 01 2345 678 4"), whose tail can pass for a card.
func inUPS(text []byte, start int) bool {
	p := start
	for p > 0 && start-p < 30 && (isAlnumASCII(text[p-1]) || text[p-1] == ' ') {
		p--
	}
	for ; p+2 <= start; p++ {
		if text[p] != '1' || (text[p+1]|0x20) != 'z' || (p > 0 && isAlnumASCII(text[p-1])) {
			continue
		}
		n, i := 0, p
		for i < len(text) && n < 18 && (isAlnumASCII(text[i]) || (text[i] == ' ' && n > 0 && i+1 < len(text) && isAlnumASCII(text[i+1]))) {
			if text[i] != ' ' {
				n++
			}
			i++
		}
		if n == 18 && i > start && (i == len(text) || !isAlnumASCII(text[i])) {
			return true
		}
	}
	return false
}

// inToken reports whether the letters glued to both ends of [start, end)
// make it part of a token (hex, base64, an id) rather than a card between
// words ("card4111111111111111exp"): glue holding a digit, mixing cases,
// or made of hex letters only on both sides.
func inToken(text []byte, start, end int) bool {
	l := start
	for l > 0 && start-l < 64 && isAlnumASCII(text[l-1]) {
		l--
	}
	r := end
	for r < len(text) && r-end < 64 && isAlnumASCII(text[r]) {
		r++
	}
	left, right := text[l:start], text[end:r]
	if len(left) == 0 || len(right) == 0 {
		return true // glued to something that is not ASCII: be careful
	}
	return tokenish(left) || tokenish(right) || (hexOnly(left) && hexOnly(right))
}

func isAlnumASCII(c byte) bool {
	return c-'0' < 10 || (c|0x20)-'a' < 26
}

func tokenish(b []byte) bool {
	upper, lower := false, false
	for _, c := range b {
		switch {
		case c-'0' < 10:
			return true
		case c-'A' < 26:
			upper = true
		default:
			lower = true
		}
	}
	return upper && lower && len(b) > 1 && !(b[0]-'A' < 26 && !hasUpper(b[1:]))
}

func hasUpper(b []byte) bool {
	for _, c := range b {
		if c-'A' < 26 {
			return true
		}
	}
	return false
}

func hexOnly(b []byte) bool {
	for _, c := range b {
		if (c|0x20)-'a' >= 6 {
			return false
		}
	}
	return true
}

// inIBAN reports whether the run starting at start is part of an IBAN
// ("DE89 3704 0044 0532 0130 00", "IT60 X054 2811 1010 0000 0123 456"),
// whose account digits can pass for a card. An IBAN is recognised by its
// shape and proven by its ISO 7064 mod-97 check, so a card is not lost to
// a look-alike.
func inIBAN(text []byte, start int) bool {
	// Find the country code and check digits at most a few groups back.
	p := start
	for p > 0 && start-p < 40 && (isUpperOrDigit(text[p-1]) || text[p-1] == ' ') {
		p--
	}
	for ; p < start; p++ {
		if p+4 > len(text) || text[p]-'A' >= 26 || text[p+1]-'A' >= 26 || text[p+2]-'0' >= 10 || text[p+3]-'0' >= 10 {
			continue
		}
		if p > 0 && isAlnumASCII(text[p-1]) {
			continue
		}
		if validIBAN(text, p, start) {
			return true
		}
	}
	return false
}

func isUpperOrDigit(c byte) bool { return c-'A' < 26 || c-'0' < 10 }

// validIBAN reads an IBAN from p (single spaces allowed between groups),
// and reports whether it passes mod 97 and reaches past start.
func validIBAN(text []byte, p, start int) bool {
	var chars [34]byte
	n, i := 0, p
	for i < len(text) && n < len(chars) {
		c := text[i]
		switch {
		case isUpperOrDigit(c):
			chars[n] = c
			n++
		case c == ' ' && i+1 < len(text) && isUpperOrDigit(text[i+1]) && n > 0:
		default:
			goto done
		}
		i++
	}
done:
	if n < 15 || i <= start {
		return false
	}
	// Move the first four characters to the end, letters count as 10-35.
	rem := 0
	for k := 0; k < n; k++ {
		c := chars[(k+4)%n]
		if c-'0' < 10 {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	return rem == 1
}

// inURL reports whether the token ending at i is a URL (scheme or www.).
func inURL(text []byte, i int) bool {
	j := i
	for j > 0 && i-j < 2048 {
		c := text[j-1]
		if c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '(' {
			break
		}
		j--
	}
	tok := string(text[j:i])
	if u, err := url.Parse(tok); err == nil && u.Scheme != "" && u.Host != "" {
		return true
	}
	return len(tok) > 4 && (tok[:4] == "www." || tok[0] == '/')
}
