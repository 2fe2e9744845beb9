package mailgen

import "strings"

// hasSSNKeyword mirrors the scanner's keyword rule (scan/keywords.go): a
// keyword starting on a word boundary and not running on into a letter.
// Random tokens (base64, tracking numbers) hit it now and then ("/ssA=");
// a negative message must not, or nine bare digits in it become an SSN.
func hasSSNKeyword(s string) bool {
	keywords := []string{
		"ssn", "ssns", "ssn#", "ss#", "ss #", "ss no", "ss number", "ssa", "ssid",
		"social security", "social sec", "soc sec", "soc. sec", "social",
		"itin", "tin", "taxpayer", "tax payer", "tax id", "tax identification",
		// In scripts written without spaces: no word boundary needed.
		"社会保障番号", "社会保障号", "社会安全号", "社會安全號", "社會保障號",
		"ソーシャルセキュリティ", "ソーシャル・セキュリティ",
		"사회보장번호", "사회보장 번호", "사회 보장 번호", "หมายเลขประกันสังคม",
	}
	lower := strings.ToLower(s)
	isLetter := func(c byte) bool { return c >= 'a' && c <= 'z' }
	for p := 0; p < len(lower); p++ {
		for _, kw := range keywords {
			if kw[0] >= 0x80 {
				if strings.HasPrefix(lower[p:], kw) {
					return true
				}
				continue
			}
			if p > 0 && isLetter(lower[p-1]) {
				continue
			}
			if strings.HasPrefix(lower[p:], kw) {
				if e := p + len(kw); e < len(lower) && isLetter(lower[e]) {
					continue
				}
				return true
			}
		}
	}
	return false
}
