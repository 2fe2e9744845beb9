package scan

import "net/url"

// Payment card numbers: 13 to 19 digits that pass Luhn AND start with a
// known issuer prefix at one of that issuer's lengths. Luhn alone passes one
// random number in ten; the prefix and length table is what keeps epoch
// milliseconds, IMEIs and order ids out.

const (
	minPAN = 13
	maxPAN = 19
	// A card may be followed (or, rarely, preceded) by short groups: an
	// expiry "12 27", a CVV "123", a quantity. At most this many such groups
	// of at most four digits are set aside at either end of a run.
	maxEdgeGroups = 2
	maxEdgeDigits = 4
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
	{38, 39, 2, len16to19},                    // Diners Club
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
	for i := range issuers {
		is := &issuers[i]
		if is.lengths&(1<<n) != 0 && prefix[is.plen] >= is.lo && prefix[is.plen] <= is.hi {
			return true
		}
	}
	return false
}

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
	cands := d.cands[:0]
	// A dot joins the groups of a decimal, a version or an address, never
	// a card: the groups touching a dot are not candidates.
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
		cands = d.panWindows(text, r, lo, hi, cands)
		a = b
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
			if best < 0 || c.digits > cands[best].digits ||
				(c.digits == cands[best].digits && c.drops < cands[best].drops) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		c := cands[best]
		out = append(out, d.newMatch(KindPAN, text, r, c.i, c.j))
		for k := range cands {
			if cands[k].i < c.j && c.i < cands[k].j {
				cands[k].digits = -1
			}
		}
	}
	return out
}

// panWindows adds the card windows among groups [lo, hi). A window of one
// unbroken group stands on its own. A window of several groups must sit at
// an anchor on each side, or at most maxEdgeGroups short groups (an expiry,
// a CVV, a quantity) away from one: anchors are the ends of the range, line
// breaks, a change of separator ("4111111111111111 4012-8888-8888-1881"),
// and the edges of cards already accepted. So a card is found in a list of
// cards, but never in the middle of a long spaced table of digits.
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
			if n < minPAN {
				continue
			}
			if j-i > 1 && (groups[i].n == 1 || groups[j-1].n == 1) {
				continue // a lone digit at an edge is another number
			}
			digits := r.digits[groups[i].d0 : groups[j-1].d0+groups[j-1].n]
			if !knownIssuer(digits) || !luhn(digits) || !plausibleUATP(digits, r, i, j) {
				continue
			}
			if !panContextOK(text, groups[i].start, groups[j-1].end, i == 0, j == len(groups)) {
				continue
			}
			cands = append(cands, panCandidate{i: i, j: j, digits: n, drops: -1})
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
	// Accepting a card anchors its edges, which may anchor its neighbour:
	// repeat until nothing changes (each pass accepts at least one more).
	for changed := true; changed; {
		changed = false
		for k := first; k < len(cands); k++ {
			c := &cands[k]
			if c.drops >= 0 {
				continue
			}
			left, lok := edgeDrops(r, lo, c.i, -1, at)
			right, rok := edgeDrops(r, hi, c.j, +1, at)
			switch {
			case lok && rok:
				c.drops = left + right
			case c.j-c.i == 1:
				c.drops = maxEdgeGroups * 2 // standing alone; least preferred
			default:
				continue
			}
			anchor[c.i-lo], anchor[c.j-lo] = true, true
			changed = true
		}
	}
	keep := cands[:first]
	for _, c := range cands[first:] {
		if c.drops >= 0 {
			keep = append(keep, c)
		}
	}
	return keep
}

// edgeDrops tells whether a window edge at group index e (a start when dir
// is -1, an end when +1) is anchored, and how many short groups it sets
// aside between itself and the anchor.
func edgeDrops(r *run, limit, e, dir int, anchored func(int) bool) (int, bool) {
	drops := 0
	for p := e; ; p += dir {
		if anchored(p) {
			return drops, true
		}
		if p == limit || drops == maxEdgeGroups {
			return 0, false
		}
		g := p
		if dir < 0 {
			g = p - 1
		}
		if r.groups[g].n > maxEdgeDigits {
			return 0, false
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
// token of letters and digits (hex, base64).
func panContextOK(text []byte, start, end int, runStart, runEnd bool) bool {
	before, after := runeBefore(text, start), runeAt(text, end)
	if runStart {
		switch {
		case before == '+':
			return false
		case before == '/' && inURL(text, start):
			return false
		case before == '-' && isAlnum(runeBefore(text, start-1)):
			return false
		}
	}
	if runEnd && after == '-' && isAlnum(runeAt(text, end+1)) {
		return false
	}
	if runStart && runEnd && isAlnum(before) && isAlnum(after) {
		return false
	}
	return true
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
