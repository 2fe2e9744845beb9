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
	}
	lower := strings.ToLower(s)
	isLetter := func(c byte) bool { return c >= 'a' && c <= 'z' }
	for p := 0; p < len(lower); p++ {
		if p > 0 && isLetter(lower[p-1]) {
			continue
		}
		for _, kw := range keywords {
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
