package mailproto

import (
	"net/mail"
	"strings"
)

// SplitAddress splits an address at its last "@" and returns the domain
// normalised (see NormDomain). An address without "@" is all local part
// with ok false, as "From: MAILER-DAEMON" is; ok is also false when
// either side is empty. It checks no syntax: see ParseAddress and
// Deliverable for the two uses that need it.
func SplitAddress(addr string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return addr, "", false
	}
	local, domain = addr[:i], NormDomain(addr[i+1:])
	return local, domain, local != "" && domain != ""
}

// ParseAddress splits an address we route: a recipient at RCPT time, a
// reverse-path at MAIL, an address in the configuration. Source routes
// and address literals are refused, since an MX has no use for them and
// they are a relay trick (RFC 5321 3.6.1); a local part may hold what its
// grammar allows only when it is quoted.
func ParseAddress(a string) (local, domain string, ok bool) {
	local, domain, ok = SplitAddress(a)
	if !ok {
		return "", "", false
	}
	if strings.ContainsAny(local, "@:,<>\r\n\t ") && !strings.HasPrefix(local, `"`) {
		return "", "", false
	}
	if strings.HasPrefix(domain, "[") || strings.ContainsAny(domain, "@%!:,<>[] \t\r\n\\\"") {
		return "", "", false
	}
	return local, domain, true
}

// Deliverable checks that s (a reverse-path, with or without its angle
// brackets, or an address from a header) is one plain mailbox a message
// can be written to, and returns it with its domain normalised. A display
// name, a space or a control character anywhere, or a domain without a
// dot (but "localhost") is refused: the address lands in a header and an
// envelope of ours.
func Deliverable(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if s == "" || len(s) > 254 {
		return "", false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return "", false
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" {
		return "", false
	}
	local, dom, ok := SplitAddress(a.Address)
	if !ok || !strings.Contains(dom, ".") && dom != "localhost" {
		return "", false
	}
	return local + "@" + dom, true
}
