package rtf

import "strings"

// maxLinks bounds Result.Links; the instructions themselves are in
// Other whatever their number.
const maxLinks = 1024

// fieldLink reads a field instruction that ended at the end of Other
// (it began at offset at) for a HYPERLINK's target:
//
//	HYPERLINK "https://example.com/x" \o "tip"
//	HYPERLINK \l "bookmark"
func (p *parser) fieldLink(at int) {
	if at > len(p.other) || len(p.links) >= maxLinks {
		return
	}
	inst := strings.TrimSpace(string(p.other[at:]))
	name, rest, _ := strings.Cut(inst, " ")
	if !strings.EqualFold(name, "HYPERLINK") {
		return
	}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		var arg string
		arg, rest = fieldArg(rest)
		if strings.HasPrefix(arg, `\`) {
			// A switch; \l, \o, \t and \m take an argument of their own,
			// and \l's (a bookmark in the document) is no target.
			if len(arg) == 2 && strings.ContainsRune("lotm", rune(arg[1])) {
				_, rest = fieldArg(strings.TrimSpace(rest))
			}
			continue
		}
		if arg != "" {
			p.links = append(p.links, arg)
		}
		return
	}
}

// fieldArg splits off the first argument of a field instruction: a
// quoted string, or a word.
func fieldArg(s string) (arg, rest string) {
	if strings.HasPrefix(s, `"`) {
		if end := strings.IndexByte(s[1:], '"'); end >= 0 {
			return s[1 : 1+end], s[2+end:]
		}
		return s[1:], ""
	}
	if i := strings.IndexAny(s, " \t\n"); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}
