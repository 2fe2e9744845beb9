package tickets

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Every text column takes valid UTF-8 without NUL: PostgreSQL refuses
// anything else in TEXT ("invalid byte sequence for encoding UTF8: 0x00"),
// and a refusal there is a 451 on every retry until the sender gives up.
// A sender can put any byte anywhere (a quoted-printable =00, a raw NUL,
// UTF-16 text holding U+0000, 0xFF in a Message-ID), so the store repairs
// text at its boundary, the same way on both backends, and says so on the
// message (Message.Repaired) for staff. Raw content (clean attachments,
// the sealed original, outbox payloads) is BLOB/BYTEA and kept as sent.

// replacement stands in for a NUL or for each run of bytes that is not
// UTF-8. It is never the empty string on purpose: dropping bytes could
// join two digit groups the scanner saw apart into one number.
const replacement = "\uFFFD"

// needsRepair reports whether s holds a NUL or is not valid UTF-8.
func needsRepair(s string) bool {
	return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)
}

// cleanText returns s as valid UTF-8 without NUL, and whether it changed.
func cleanText(s string) (string, bool) {
	if !needsRepair(s) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	invalid := false // inside a run of bytes that are not UTF-8
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0 {
			b.WriteString(replacement)
			invalid = false
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			invalid = false
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			if !invalid {
				b.WriteString(replacement)
			}
			invalid = true
			i++
			continue
		}
		b.WriteString(s[i : i+size])
		invalid = false
		i += size
	}
	return b.String(), true
}

// clean is cleanText for callers that need not know whether it changed.
func clean(s string) string {
	v, _ := cleanText(s)
	return v
}

// repairInbound returns in with every text field repaired, and the names
// of the fields it repaired ("subject", "parts[0].text"...): names only,
// never content. An inbound that needs nothing is returned as is, without
// a copy (the common case, and it costs one pass over the text); otherwise
// the copy is deep enough that the caller's Inbound is left untouched.
func repairInbound(in *Inbound) (*Inbound, []string) {
	bad := false
	visitInboundText(in, func(_ string, _ int, _ string, s *string) {
		if !bad && needsRepair(*s) {
			bad = true
		}
	})
	if !bad {
		return in, nil
	}
	cp := *in
	cp.Envelope.Rcpts = append([]string(nil), in.Envelope.Rcpts...)
	cp.References = append([]string(nil), in.References...)
	cp.Headers = append([]Header(nil), in.Headers...)
	cp.Parts = append([]Part(nil), in.Parts...)
	cp.Attachments = append([]Attachment(nil), in.Attachments...)
	cp.Findings = append([]Finding(nil), in.Findings...)
	cp.Unscannable = append([]Unscannable(nil), in.Unscannable...)
	cp.Causes = append([]Cause(nil), in.Causes...)
	var fixed []string
	visitInboundText(&cp, func(field string, idx int, sub string, s *string) {
		v, changed := cleanText(*s)
		if !changed {
			return
		}
		*s = v
		name := field
		if idx >= 0 {
			name += "[" + strconv.Itoa(idx) + "]"
		}
		if sub != "" {
			name += "." + sub
		}
		fixed = append(fixed, name)
	})
	return &cp, fixed
}

// visitInboundText calls fn with a pointer to every text field of in that
// the store keeps, named by field, index (-1 for none) and sub-field.
func visitInboundText(in *Inbound, fn func(field string, idx int, sub string, s *string)) {
	fn("queue", -1, "", &in.Queue)
	fn("envelope", -1, "mail_from", &in.Envelope.MailFrom)
	for i := range in.Envelope.Rcpts {
		fn("envelope.rcpts", i, "", &in.Envelope.Rcpts[i])
	}
	fn("envelope", -1, "client_ip", &in.Envelope.ClientIP)
	fn("envelope", -1, "helo", &in.Envelope.Helo)
	fn("message_id", -1, "", &in.MessageID)
	fn("in_reply_to", -1, "", &in.InReplyTo)
	for i := range in.References {
		fn("references", i, "", &in.References[i])
	}
	fn("subject", -1, "", &in.Subject)
	fn("from", -1, "", &in.From)
	fn("from_name", -1, "", &in.FromName)
	for i := range in.Headers {
		fn("headers", i, "name", &in.Headers[i].Name)
		fn("headers", i, "value", &in.Headers[i].Value)
	}
	fn("authentication_results", -1, "", &in.AuthResults)
	fn("auth", -1, "spf", &in.Auth.SPF)
	fn("auth", -1, "dkim", &in.Auth.DKIM)
	fn("auth", -1, "dmarc", &in.Auth.DMARC)
	for i := range in.Parts {
		p := &in.Parts[i]
		fn("parts", i, "where", &p.Where)
		fn("parts", i, "content_type", &p.ContentType)
		fn("parts", i, "filename", &p.Filename)
		fn("parts", i, "text", &p.Text)
		fn("parts", i, "reason", &p.Reason)
	}
	for i := range in.Attachments {
		fn("attachments", i, "name", &in.Attachments[i].Name)
		fn("attachments", i, "content_type", &in.Attachments[i].ContentType)
	}
	for i := range in.Findings {
		fn("findings", i, "type", &in.Findings[i].Type)
		fn("findings", i, "last4", &in.Findings[i].Last4)
		fn("findings", i, "where", &in.Findings[i].Where)
	}
	for i := range in.Unscannable {
		fn("unscannable", i, "where", &in.Unscannable[i].Where)
		fn("unscannable", i, "reason", &in.Unscannable[i].Reason)
	}
	for i := range in.Causes {
		s := string(in.Causes[i])
		fn("causes", i, "", &s)
		if s != string(in.Causes[i]) { // the checking pass never writes
			in.Causes[i] = Cause(s)
		}
	}
	fn("dedup_key", -1, "", &in.DedupKey)
}
