package scan

import (
	"encoding/binary"
	"math/bits"
)

// SSN keywords, as in Microsoft Purview's Keyword_ssn list and Presidio's
// context words. Nine bare digits are an SSN only with one of these within
// keywordWindow bytes; a formatted 3-2-4 number needs none.
var ssnKeywords = [...]string{
	"ssn", "ssns", "ssn#", "ss#", "ss #", "ss no", "ss number", "ssa", "ssid", "s.s.n", "s.s. no", "s.s. #",
	"social security", "social sec", "soc sec", "soc. sec", "social",
	"itin", "tin", "taxpayer", "tax payer", "tax id", "tax identification",
}

// ssnKeywordsWide name the SSN in scripts written without spaces, where
// the keyword is glued to the number and the words around it
// ("社会保障番号は489368350です"): they need no word boundary.
var ssnKeywordsWide = [...]string{
	"社会保障番号", "社会保障号", "社会安全号", "社會安全號", "社會保障號",
	"ソーシャルセキュリティ", "ソーシャル・セキュリティ",
	"사회보장번호", "사회보장 번호", "사회 보장 번호",
	"หมายเลขประกันสังคม",
}

const keywordWindow = 300

// keywordIndex finds SSN keywords near candidates. Candidates arrive in
// text order, so it searches each byte of the text at most once and keeps
// the hits it found.
type keywordIndex struct {
	searched int   // text[:searched] has been searched
	hits     []int // start offsets of keywords found, ascending
}

func (k *keywordIndex) reset() {
	k.searched = 0
	k.hits = k.hits[:0]
}

// near reports whether a keyword starts within keywordWindow bytes of the
// span [start, end).
func (k *keywordIndex) near(text []byte, start, end int) bool {
	lo, hi := start-keywordWindow, end+keywordWindow
	if lo < 0 {
		lo = 0
	}
	if hi > len(text) {
		hi = len(text)
	}
	from := lo
	if k.searched > from {
		from = k.searched
	}
	p := from
	// Eight bytes at a look: most are neither 's', 'i' nor 't' nor a
	// wide script's lead byte, which keywordAt would refuse at once.
	for ; p+8 <= hi; p += 8 {
		for m := mayStartKeyword(binary.LittleEndian.Uint64(text[p:])); m != 0; m &= m - 1 {
			k.check(text, p+bits.TrailingZeros64(m)/8)
		}
	}
	for ; p < hi; p++ {
		if c := text[p]; c >= 0xE0 || c|0x20 == 's' || c|0x20 == 'i' || c|0x20 == 't' {
			k.check(text, p)
		}
	}
	if hi > k.searched {
		k.searched = hi
	}
	for i := len(k.hits) - 1; i >= 0; i-- {
		h := k.hits[i]
		if h < lo {
			break
		}
		if h < hi {
			return true
		}
	}
	return false
}

// check notes a keyword starting at p, which mayStartKeyword let through:
// most such letters follow a letter of the same word, which keywordAt
// would refuse after decoding it.
func (k *keywordIndex) check(text []byte, p int) {
	if text[p] < 0x80 && p > 0 {
		if b := text[p-1] | 0x20; b >= 'a' && b <= 'z' {
			return
		}
	}
	if keywordAt(text, p) {
		k.hits = append(k.hits, p)
	}
}

// mayStartKeyword marks (the high bit of) each byte of x, eight bytes of
// text, that keywordAt might take: 's', 'i' or 't' in either case, or a
// lead byte of 0xE0 or above (the wide keywords).
func mayStartKeyword(x uint64) uint64 {
	const low7, high = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	zero := func(v uint64) uint64 { return ^((v&low7 + low7) | v | low7) } // exactly the zero bytes
	y := x | 0x2020202020202020
	return zero(y^0x7373737373737373) | zero(y^0x6969696969696969) | zero(y^0x7474747474747474) | x&(x<<1)&(x<<2)&high
}

// keywordAt reports whether a keyword starts at p on a word boundary. A
// letter of a script written without spaces is a boundary ("我的SSN是…").
func keywordAt(text []byte, p int) bool {
	if text[p] >= 0xE0 {
		return wideKeywordAt(text, p)
	}
	c := text[p] | 0x20
	if c != 's' && c != 'i' && c != 't' {
		return false
	}
	// The second letter, as equalFoldASCII compares it, of the keywords
	// with this first one: most words that start so are none of them.
	if p+1 < len(text) {
		switch n := text[p+1] | 0x20; c {
		case 's':
			if n != 's' && n != '.' && n != 'o' {
				return false
			}
		case 'i':
			if n != 't' {
				return false
			}
		case 't':
			if n != 'i' && n != 'a' {
				return false
			}
		}
	}
	if p > 0 && wordLetter(runeBefore(text, p)) {
		return false
	}
	for _, kw := range ssnKeywords {
		if kw[0] != c || p+len(kw) > len(text) || !equalFoldASCII(text[p:p+len(kw)], kw) {
			continue
		}
		// "ssn" may be followed by anything but another letter ("ssns",
		// "ssn#" are their own entries); "ssid" likewise.
		if e := p + len(kw); e < len(text) && wordLetter(runeAt(text, e)) {
			continue
		}
		return true
	}
	return false
}

func wideKeywordAt(text []byte, p int) bool {
	for _, kw := range ssnKeywordsWide {
		if kw[0] == text[p] && p+len(kw) <= len(text) && string(text[p:p+len(kw)]) == kw {
			return true
		}
	}
	return false
}

// wordLetter is a letter that would run on into a keyword: one of a script
// written with spaces.
func wordLetter(r rune) bool {
	return isLetter(r) && !spaceless(r)
}
