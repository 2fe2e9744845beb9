package gateway

import (
	"strings"
)

// rcptPolicy decides at RCPT time whether we take mail for an address and
// which queue it goes to. Only configured domains and addresses are ours;
// everything else is a relay attempt (promise 6: never an open relay).
type rcptPolicy struct {
	domains      map[string]bool   // every local part accepted
	addresses    map[string]bool   // only these (lower case)
	ourDomains   map[string]bool   // domains and the domains of addresses
	queues       map[string]string // address or domain -> queue
	defaultQueue string
}

func newRcptPolicy(domains, addresses []string, queues map[string]string, defaultQueue string) *rcptPolicy {
	p := &rcptPolicy{
		domains:      make(map[string]bool),
		addresses:    make(map[string]bool),
		ourDomains:   make(map[string]bool),
		queues:       make(map[string]string),
		defaultQueue: defaultQueue,
	}
	for _, d := range domains {
		d = normDomain(d)
		p.domains[d] = true
		p.ourDomains[d] = true
	}
	for _, a := range addresses {
		local, domain, ok := splitAddr(a)
		if !ok {
			continue
		}
		p.addresses[strings.ToLower(local)+"@"+domain] = true
		p.ourDomains[domain] = true
	}
	for k, q := range queues {
		if local, domain, ok := splitAddr(k); ok {
			k = strings.ToLower(local) + "@" + domain
		} else {
			k = normDomain(k)
		}
		p.queues[k] = q
	}
	return p
}

// check returns the queue for rcpt, or the refusal.
func (p *rcptPolicy) check(rcpt string) (queue string, r Reply, ok bool) {
	if strings.EqualFold(rcpt, "postmaster") {
		// RFC 5321 4.1.1.3: "postmaster" without a domain MUST be accepted.
		return p.defaultQueue, Reply{}, true
	}
	local, domain, valid := splitAddr(rcpt)
	if !valid {
		return "", replyBadRcptSyn, false
	}
	addr := strings.ToLower(local) + "@" + domain
	switch {
	case p.addresses[addr], p.domains[domain]:
	case p.ourDomains[domain] && strings.EqualFold(local, "postmaster"):
		// RFC 5321 4.5.1: every domain we receive for MUST have a postmaster.
	case p.ourDomains[domain]:
		return "", replyUnknownUser, false
	default:
		return "", replyRelayDenied, false
	}
	if q, found := p.queues[addr]; found {
		return q, Reply{}, true
	}
	if q, found := p.queues[domain]; found {
		return q, Reply{}, true
	}
	return p.defaultQueue, Reply{}, true
}

// isOurs reports whether addr belongs to one of our domains (used to spot
// mail that claims to come from us).
func (p *rcptPolicy) isOurs(domain string) bool { return p.ourDomains[normDomain(domain)] }

// splitAddr splits local@domain; the domain comes back in lower case
// without a trailing dot. Source routes and address literals are refused:
// an MX has no use for them and they are a relay trick (RFC 5321 3.6.1).
func splitAddr(a string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(a, '@')
	if i <= 0 || i == len(a)-1 {
		return "", "", false
	}
	local, domain = a[:i], normDomain(a[i+1:])
	if strings.ContainsAny(local, "@:,<>\r\n\t ") && !strings.HasPrefix(local, `"`) {
		return "", "", false
	}
	if domain == "" || strings.HasPrefix(domain, "[") || strings.ContainsAny(domain, "@%!:,<>[] \t\r\n\\\"") {
		return "", "", false
	}
	return local, domain, true
}

func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}
