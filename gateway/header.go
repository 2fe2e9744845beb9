package gateway

import (
	"bytes"
	"strings"
)

// field is one header field as received: its name, and the raw bytes of
// the whole field (name, colon, value, folded lines, final CRLF).
type field struct {
	name  string // as written
	lower string
	raw   []byte
}

// value is the field body unfolded, with surrounding white space trimmed.
func (f field) value() string {
	v := f.raw[len(f.name)+1:]
	v = bytes.ReplaceAll(v, []byte("\r\n"), nil)
	return strings.TrimSpace(string(v))
}

// header is a message's header fields in order, and where its body starts.
type header struct {
	fields []field
	body   []byte // after the blank line; nil when there is none
	// sep is the blank line between header and body ("\r\n"), or nil.
	sep []byte
}

// parseHeader splits raw (CRLF line ends, checked by readMessage) into its
// header fields and body. It never fails: like Postfix, a line that is
// neither a field nor a continuation ends the header and starts the body,
// so a malformed message is still filed (and scanned as it is).
func parseHeader(raw []byte) header {
	var h header
	rest := raw
	for len(rest) > 0 {
		if bytes.HasPrefix(rest, []byte("\r\n")) {
			h.sep = rest[:2]
			h.body = rest[2:]
			return h
		}
		end := fieldEnd(rest)
		line := rest[:end]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !validFieldName(line[:colon]) {
			// Not a field: the body starts here without a separator.
			h.body = rest
			return h
		}
		name := string(line[:colon])
		h.fields = append(h.fields, field{name: name, lower: strings.ToLower(name), raw: line})
		rest = rest[end:]
	}
	return h
}

// fieldEnd is the length of the field at the start of b, its folded
// continuation lines included.
func fieldEnd(b []byte) int {
	pos := 0
	for {
		i := bytes.Index(b[pos:], []byte("\r\n"))
		if i < 0 {
			return len(b)
		}
		pos += i + 2
		if pos >= len(b) || (b[pos] != ' ' && b[pos] != '\t') {
			return pos
		}
	}
}

// validFieldName: RFC 5322 2.2, printable US-ASCII except colon.
func validFieldName(b []byte) bool {
	for _, c := range b {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// get returns the first value of the named field ("" when absent).
func (h *header) get(lower string) string {
	for _, f := range h.fields {
		if f.lower == lower {
			return f.value()
		}
	}
	return ""
}

// count counts the fields of one name.
func (h *header) count(lower string) int {
	n := 0
	for _, f := range h.fields {
		if f.lower == lower {
			n++
		}
	}
	return n
}

// rebuild writes the message we store: our new fields first (a trace
// header goes on top, RFC 5321 4.4), then the received fields minus those
// drop refuses, then the body.
func (h *header) rebuild(prepend []string, drop func(field) bool, size int) []byte {
	out := make([]byte, 0, size+512)
	for _, p := range prepend {
		out = append(out, p...)
	}
	for _, f := range h.fields {
		if drop != nil && drop(f) {
			continue
		}
		out = append(out, f.raw...)
		if !bytes.HasSuffix(f.raw, []byte("\r\n")) {
			out = append(out, '\r', '\n') // the last field of a header-only message
		}
	}
	// A body that began without a blank line is kept as it came: the
	// stored message is the original plus our trace fields, nothing else.
	out = append(out, h.sep...)
	return append(out, h.body...)
}

// senderSupplied reports the fields a sender must not be able to set on
// our behalf: anything X-Intake-* (our own markers), and an
// Authentication-Results that claims to be ours.
func senderSupplied(authservID string) func(field) bool {
	return func(f field) bool {
		if strings.HasPrefix(f.lower, "x-intake-") {
			return true
		}
		if f.lower == "authentication-results" {
			// RFC 8601 5: a border MTA MUST remove A-R fields that carry
			// its own authserv-id, or a sender could forge our verdicts.
			return strings.EqualFold(authservOf(f.value()), authservID)
		}
		return false
	}
}

// authservOf is the authserv-id, the first token of an A-R value.
func authservOf(v string) string {
	if i := strings.IndexAny(v, "; \t("); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}
