package scan

// Mask returns text with every match replaced by its masked form: an SSN
// becomes "***-**-6789"; a card keeps its separators (line breaks and quote
// prefixes included, so the text keeps its shape) and shows at most its
// last four digits. matches must come from Detect on the same text.
func Mask(text []byte, matches []Match) []byte {
	if len(matches) == 0 {
		return text
	}
	out := make([]byte, 0, len(text))
	at := 0
	for i, m := range matches {
		if m.Start < at {
			continue // overlapping input: already masked
		}
		out = append(out, text[at:m.Start]...)
		if m.Kind == KindSSN {
			out = append(out, m.Masked...)
		} else {
			out = maskDigits(out, text[m.Start:m.End], m.Last4)
		}
		at = m.End
		if m.maskEnd > at && (i+1 == len(matches) || matches[i+1].Start >= m.maskEnd) {
			out = maskDigits(out, text[at:m.maskEnd], "")
			at = m.maskEnd
		}
	}
	return append(out, text[at:]...)
}

// maskDigits copies span with every digit but the last four replaced.
func maskDigits(out, span []byte, last4 string) []byte {
	total := 0
	for i := 0; i < len(span); {
		_, size, ok := digitAt(span, i)
		if ok {
			total++
		}
		i += size
	}
	seen := 0
	for i := 0; i < len(span); {
		_, size, ok := digitAt(span, i)
		switch {
		case !ok:
			out = append(out, span[i:i+size]...)
		case total-seen <= len(last4):
			out = append(out, last4[len(last4)-(total-seen)])
			seen++
		default:
			out = append(out, '*')
			seen++
		}
		i += size
	}
	return out
}

// MaskString masks every sensitive number in s. Use it on anything shown or
// logged that came from a member: subjects, display names, file names.
func MaskString(s string) string {
	text := []byte(s)
	ms := Detect(text)
	if len(ms) == 0 {
		return s
	}
	return string(Mask(text, ms))
}
