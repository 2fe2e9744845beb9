package mailproto

import "strings"

// maxLine is where FoldField folds when it can (RFC 5322 2.1.1: lines
// SHOULD be at most 78 characters).
const maxLine = 78

// FoldField writes the header field "Name: value" ending in CRLF, folded
// at whitespace so that no line passes 78 characters where a word allows
// it (RFC 5322 2.2.3). Runs of whitespace in value become one space: our
// fields carry words, not layout. Encoded words (RFC 2047) are separated
// by spaces, so a long encoded subject folds too.
func FoldField(name, value string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(":")
	n := len(name) + 1
	for i, word := range strings.Fields(value) {
		if i > 0 && n+1+len(word) > maxLine {
			b.WriteString("\r\n ")
			n = 1
		} else {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	b.WriteString("\r\n")
	return b.String()
}

// MessageIDs pulls the identifiers out of a Message-ID, In-Reply-To or
// References value, without their angle brackets; a value without
// brackets counts as one identifier if it is one word.
func MessageIDs(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
	if len(out) == 0 {
		if v = strings.TrimSpace(v); v != "" && !strings.ContainsAny(v, " \t") {
			out = append(out, v)
		}
	}
	return out
}

// ValidMessageID accepts a msg-id (RFC 5322 3.6.4), with or without its
// angle brackets, that we can write into a header of ours: printable
// ASCII, no space, bracket, quote or backslash, an "@", and short.
func ValidMessageID(id string) bool {
	id = strings.Trim(id, "<>")
	if id == "" || len(id) > 250 || !strings.Contains(id, "@") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
