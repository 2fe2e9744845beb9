package gateway

import (
	"net/mail"
	"regexp"
	"strings"

	"github.com/intake-mail/intake/scan"
)

// undecodableWord stands in for an RFC 2047 word we could not read: kept
// as sent, its encoded text (underscores between digit groups, base64) would
// hide a number from the masker.
const undecodableWord = "[undecodable]"

// encodedWordRe is anything shaped like an RFC 2047 encoded word, as
// loosely as mime.WordDecoder looks for one (any charset label, any
// encoding letter, any text up to "?="), so that nothing it leaves alone
// can slip past.
var encodedWordRe = regexp.MustCompile(`=\?[^?]*\?[^?]?\?.*?\?=`)

// decodeHeaderValue is the one way the gateway reads a header value for
// what it keeps or decides on: the scanner's decoder (every charset it
// knows, raw 8-bit as UTF-8 or Windows-1252). What that decoder cannot
// read (an unknown charset, broken base64 or Q text, an encoding letter
// that does not exist, a word that decodes into another word) is replaced
// by undecodableWord, never kept as sent; ok is then false. The result is
// not masked: callers mask what they keep.
func decodeHeaderValue(v string) (text string, ok bool) {
	text, ok = scan.DecodeHeader(v)
	if ok && !encodedWordRe.MatchString(text) {
		return text, true
	}
	// Word by word: keep each word that decodes into plain text, replace
	// the others.
	cleaned := encodedWordRe.ReplaceAllStringFunc(v, func(w string) string {
		if d, ok := scan.DecodeHeader(w); ok && d != w && !encodedWordRe.MatchString(d) {
			return w
		}
		return undecodableWord
	})
	text, ok = scan.DecodeHeader(cleaned)
	if !ok || encodedWordRe.MatchString(text) {
		// Cannot happen with the words above replaced; if it does, keep
		// nothing of the value.
		return undecodableWord, false
	}
	return text, false
}

// parseMailbox reads one address (with or without a display name) from a
// decoded header value. A decoded name may hold what the address grammar
// does not allow unquoted (a comma, a quote); then the angle address is
// taken alone and the rest is the name.
func parseMailbox(text string) (name, addr string, ok bool) {
	if a, err := mail.ParseAddress(text); err == nil {
		return a.Name, a.Address, true
	}
	i := strings.LastIndexByte(text, '<')
	j := strings.LastIndexByte(text, '>')
	if i < 0 || j < i {
		return "", "", false
	}
	a, err := mail.ParseAddress(text[i : j+1])
	if err != nil {
		return "", "", false
	}
	return strings.Trim(strings.TrimSpace(text[:i]), `"`), a.Address, true
}
