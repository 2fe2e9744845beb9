package scan

// US Social Security numbers and ITINs: 3-2-4 digits with one consistent
// separator, or 9 bare digits (or the odd 3-6 grouping, a space and a dash
// mixed, three tab-separated cells) only when an SSN keyword is near, as
// Microsoft Purview requires for its unformatted pattern. Validity follows the SSA's rules since the 2011 randomization.

// findSSNs appends the SSNs in r to out.
func (d *detector) findSSNs(text []byte, r *run, out []Match) []Match {
	groups, gaps := r.groups, r.gaps
	n := len(groups)
	for g := 0; g < n; g++ {
		switch {
		case g+2 < n && groups[g].n == 3 && groups[g+1].n == 2 && groups[g+2].n == 4:
			k, ok := ssnGaps(gaps[g], gaps[g+1])
			mixed := !ok && mixedSSNGaps(gaps[g], gaps[g+1])
			switch {
			case mixed:
				if !looseEnds(gaps, g, g+3) {
					continue
				}
			case !ok || !alone(gaps, g, g+3, k):
				continue
			}
			if m, ok := d.ssnMatch(text, r, g, g+3, mixed); ok {
				out = append(out, m)
				g += 2
			}
		case g+1 < n && groups[g].n == 3 && groups[g+1].n == 6:
			k := gaps[g]
			if (k != gapDash && k != gapSpace) || !alone(gaps, g, g+2, k) {
				continue
			}
			if m, ok := d.ssnMatch(text, r, g, g+2, true); ok {
				out = append(out, m)
				g++
			}
		case groups[g].n == 9:
			if !looseNeighbours(gaps, g) {
				continue
			}
			if m, ok := d.ssnMatch(text, r, g, g+1, true); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// ssnGaps tells whether two separators make an SSN and which kind they
// are: the same kind twice, or a line break standing in for one of a space
// or a dash ("489 36\n8350" wrapped by a mail client).
func ssnGaps(a, b gapKind) (gapKind, bool) {
	switch {
	case a == b && ssnSeparator(a):
		return a, true
	case a == gapBreak && (b == gapSpace || b == gapDash):
		return b, true
	case b == gapBreak && (a == gapSpace || a == gapDash):
		return a, true
	}
	return 0, false
}

// mixedSSNGaps tells whether two separators are a space and a dash, in
// either order ("589 93-7059", "589-93 7059"): a person reads an SSN, but
// so loose a shape is taken only next to an SSN keyword.
func mixedSSNGaps(a, b gapKind) bool {
	spaceOrDash := func(k gapKind) bool { return k == gapSpace || k == gapDash || k == gapSpacedDash }
	return a != b && spaceOrDash(a) && spaceOrDash(b)
}

// looseEnds reports whether groups [i, j) are joined to nothing on either
// side but by a line break: a mixed shape inside a longer run of spaced or
// dashed groups is part of something else.
func looseEnds(gaps []gapKind, i, j int) bool {
	if i > 0 && gaps[i-1] != gapBreak {
		return false
	}
	if j-1 < len(gaps) && gaps[j-1] != gapBreak {
		return false
	}
	return true
}

func ssnSeparator(k gapKind) bool {
	return k == gapDash || k == gapSpace || k == gapDot || k == gapSpacedDash
}

// alone reports whether groups [i, j), joined by k, are not continued on
// either side by the same separator: "532-44-1234-7" is not an SSN.
func alone(gaps []gapKind, i, j int, k gapKind) bool {
	if i > 0 && gaps[i-1] == k {
		return false
	}
	if j-1 < len(gaps) && gaps[j-1] == k {
		return false
	}
	return true
}

// looseNeighbours reports whether group g is only loosely tied to its
// neighbours (a space or a line break), so it is a number of its own.
func looseNeighbours(gaps []gapKind, g int) bool {
	if g > 0 && gaps[g-1] != gapSpace && gaps[g-1] != gapBreak {
		return false
	}
	if g < len(gaps) && gaps[g] != gapSpace && gaps[g] != gapBreak {
		return false
	}
	return true
}

func (d *detector) ssnMatch(text []byte, r *run, i, j int, needKeyword bool) (Match, bool) {
	dg := r.digits[r.groups[i].d0 : r.groups[j-1].d0+r.groups[j-1].n]
	if len(dg) != 9 || !validSSN(dg) {
		return Match{}, false
	}
	start, end := r.groups[i].start, r.groups[j-1].end
	if i == 0 && j == len(r.groups) && wordChar(runeBefore(text, start)) && wordChar(runeAt(text, end)) {
		return Match{}, false // inside a token of letters and digits
	}
	if j == len(r.groups) && runeAt(text, end) == '-' && wordChar(runeAt(text, end+1)) {
		return Match{}, false
	}
	if needKeyword && !d.kw.near(text, start, end) {
		return Match{}, false
	}
	return d.newMatch(KindSSN, text, r, i, j), true
}

// validSSN applies the SSA's rules to nine ASCII digits: area not 000 or
// 666, group not 00, serial not 0000; area 900-999 only as an ITIN (group
// 50-65, 70-88, 90-92, 94-99); and not a number the SSA lists as misused
// in advertising or that is obviously made up.
func validSSN(d []byte) bool {
	area := int(d[0]-'0')*100 + int(d[1]-'0')*10 + int(d[2]-'0')
	grp := int(d[3]-'0')*10 + int(d[4]-'0')
	serial := int(d[5]-'0')*1000 + int(d[6]-'0')*100 + int(d[7]-'0')*10 + int(d[8]-'0')
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
	for _, c := range d[1:] {
		if c != d[0] {
			same = false
			break
		}
	}
	if same {
		return false
	}
	_, misused := misusedSSNs[string(d)]
	return !misused
}

// misusedSSNs are numbers printed in advertising, pamphlets and samples
// (SSA "misused" list, python-stdnum's blocklist) and the sequential sample;
// a member quoting one is not sending their own.
var misusedSSNs = map[string]struct{}{
	"002281852": {}, "042103580": {}, "062360749": {}, "078051120": {},
	"095073645": {}, "128036045": {}, "135016629": {}, "141186941": {},
	"165167999": {}, "165187999": {}, "165207999": {}, "165227999": {},
	"165247999": {}, "189092294": {}, "212097694": {}, "212099999": {},
	"219099999": {}, "306302348": {}, "308125070": {}, "457555462": {},
	"468288779": {}, "549241889": {}, "123456789": {},
	"987654320": {}, "987654321": {}, "987654322": {}, "987654323": {},
	"987654324": {}, "987654325": {}, "987654326": {}, "987654327": {},
	"987654328": {}, "987654329": {},
}
