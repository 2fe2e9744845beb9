package mailproto

import (
	"regexp"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// NormDomain is a domain in one spelling: no surrounding space, lower
// case, no final dot, and its A-label form when it is an IDN, so that a
// domain written either way is one domain (for a recipient check, a DMARC
// lookup or a rate-limit key). What IDNA refuses (an underscore, a
// literal) is left as it is, lower-cased, for the caller's syntax check.
func NormDomain(d string) string {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if a, err := idna.Lookup.ToASCII(d); err == nil && a != "" {
		d = a
	}
	return d
}

// OrgDomain is the organisational domain (RFC 7489 3.2): the public suffix
// plus one label; a name that has none (a bare TLD, "localhost") is its
// own.
func OrgDomain(d string) string {
	d = NormDomain(d)
	if od, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return od
	}
	return d
}

// hostnameRe is RFC 1123 host name syntax: letters, digits and inner
// hyphens, labels of 1 to 63 characters.
var hostnameRe = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// ValidHostname reports whether d is a host name we can be configured
// with (an MX name, a domain we take mail for): LDH labels only, as
// written (no final dot, no IDN in its U-label form).
func ValidHostname(d string) bool { return len(d) <= 253 && hostnameRe.MatchString(d) }
