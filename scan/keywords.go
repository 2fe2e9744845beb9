package scan

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
	for p := from; p < hi; p++ {
		// keywordAt's own first tests, inline: most bytes are neither
		// 's', 'i' nor 't' nor a wide script's, and most of those that
		// are follow a letter of the same word.
		if c := text[p]; c < 0xE0 {
			if l := c | 0x20; l != 's' && l != 'i' && l != 't' {
				continue
			}
			if p > 0 {
				if b := text[p-1] | 0x20; b >= 'a' && b <= 'z' {
					continue
				}
			}
		}
		if keywordAt(text, p) {
			k.hits = append(k.hits, p)
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
