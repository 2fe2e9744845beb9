package gateway

import (
	"strings"

	"github.com/intake-mail/intake/mailproto"
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
		d = mailproto.NormDomain(d)
		p.domains[d] = true
		p.ourDomains[d] = true
	}
	for _, a := range addresses {
		local, domain, ok := mailproto.ParseAddress(a)
		if !ok {
			continue
		}
		p.addresses[strings.ToLower(local)+"@"+domain] = true
		p.ourDomains[domain] = true
	}
	for k, q := range queues {
		if local, domain, ok := mailproto.ParseAddress(k); ok {
			k = strings.ToLower(local) + "@" + domain
		} else {
			k = mailproto.NormDomain(k)
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
	local, domain, valid := mailproto.ParseAddress(rcpt)
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
