package gateway

import (
	"crypto/tls"
	"strings"
	"time"

	"github.com/intake-mail/intake/mailproto"
)

// receivedField is the trace field we put on top of the stored message
// (RFC 5321 4.4: a server MUST prepend one, and MUST NOT change those
// already there).
func (s *Server) receivedField(t *transaction, now time.Time) string {
	var b strings.Builder
	b.WriteString("from ")
	b.WriteString(heloToken(t.helo))
	b.WriteString(" ([")
	b.WriteString(t.clientIP)
	b.WriteString("]) by ")
	b.WriteString(s.hostname)
	b.WriteString(" (intake) with ")
	b.WriteString(withProtocol(t.utf8, t.tls != nil))
	if t.tls != nil {
		b.WriteString(" (")
		b.WriteString(tls.VersionName(t.tls.Version))
		b.WriteString(" ")
		b.WriteString(tls.CipherSuiteName(t.tls.CipherSuite))
		b.WriteString(")")
	}
	b.WriteString(" id ")
	b.WriteString(t.sessionID)
	if len(t.rcpts) == 1 {
		// RFC 5321 7.6: with several recipients, naming one would tell
		// the others who else got it.
		b.WriteString(" for <")
		b.WriteString(t.rcpts[0])
		b.WriteString(">")
	}
	b.WriteString("; ")
	b.WriteString(now.Format(time.RFC1123Z))
	return mailproto.FoldField("Received", b.String())
}

// withProtocol is the "with" keyword: ESMTP, ESMTPS with TLS (RFC 3848),
// UTF8SMTP and UTF8SMTPS with SMTPUTF8 (RFC 6531 3.7.3).
func withProtocol(utf8, tls bool) string {
	p := "ESMTP"
	if utf8 {
		p = "UTF8SMTP"
	}
	if tls {
		p += "S"
	}
	return p
}

// heloToken is the client's EHLO name made safe for a header: printable
// ASCII without spaces or parentheses, else "unknown".
func heloToken(h string) string {
	if h == "" || len(h) > maxDomainLen {
		return "unknown"
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == ';' {
			return "unknown"
		}
	}
	return h
}
