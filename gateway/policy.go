package gateway

import (
	"fmt"
	"sort"
	"strings"

	"github.com/intake-mail/intake/mailproto"
)

// rcptPolicy decides at RCPT time whether we take mail for an address and
// which queue it goes to. The rule, in one sentence (RecipientRule says
// it for a configuration): when addresses are listed, only those
// addresses are taken, and postmaster at each of our domains (the listed
// ones and those of the addresses); with no address listed, every address
// at the listed domains is. An unknown address at one of our domains is
// 550 5.1.1; any other domain is a relay attempt, 554 5.7.1 (promise 6:
// never an open relay).
type rcptPolicy struct {
	domains      map[string]bool   // every local part accepted (only when no address is listed)
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
	for _, a := range addresses {
		local, domain, ok := mailproto.ParseAddress(a)
		if !ok {
			continue
		}
		p.addresses[strings.ToLower(local)+"@"+domain] = true
		p.ourDomains[domain] = true
	}
	for _, d := range domains {
		d = mailproto.NormDomain(d)
		p.ourDomains[d] = true
		if len(p.addresses) == 0 {
			p.domains[d] = true
		}
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

// RecipientRule says in words which recipients a gateway configured with
// domains and addresses takes (for check-config and the start log).
func RecipientRule(domains, addresses []string) string {
	p := newRcptPolicy(domains, addresses, nil, "-")
	ours := sortedKeys(p.ourDomains)
	if len(ours) == 0 {
		return "no recipient is accepted: neither domains nor addresses are set"
	}
	var b strings.Builder
	if len(p.addresses) > 0 {
		fmt.Fprintf(&b, "only these addresses are accepted: %s, and postmaster@ each of %s; ",
			strings.Join(sortedKeys(p.addresses), ", "), strings.Join(ours, ", "))
		fmt.Fprintf(&b, "any other address at %s is refused (550 5.1.1)", strings.Join(ours, ", "))
		if len(domains) > 0 {
			b.WriteString(" (domains only name our domains when addresses are set)")
		}
	} else {
		fmt.Fprintf(&b, "every address at %s is accepted", strings.Join(ours, ", "))
	}
	b.WriteString("; every other domain is refused as relaying (554 5.7.1)")
	return b.String()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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
