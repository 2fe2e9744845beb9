package reply

import (
	"net/mail"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// parseEnvelopeSender checks a reverse-path is one plain mailbox we could
// write to, and returns it with its domain in lower case.
func parseEnvelopeSender(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if s == "" || len(s) > 254 {
		return "", false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return "", false // no spaces or controls: this lands in a header
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" {
		return "", false
	}
	local, dom, ok := splitAddress(a.Address)
	if !ok || local == "" || dom == "" || !strings.Contains(dom, ".") && dom != "localhost" {
		return "", false
	}
	return local + "@" + strings.ToLower(dom), true
}

// splitAddress splits at the last "@"; an address without one is all local
// part, as in "From: MAILER-DAEMON".
func splitAddress(addr string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return addr, "", false
	}
	return addr[:i], strings.ToLower(addr[i+1:]), true
}

// headerAddresses reads the mailboxes of From or Sender fields. A field
// that does not parse still yields its bare words, so a bounce with a
// sloppy "From: MAILER-DAEMON (Mail Delivery System)" is still recognised.
func headerAddresses(values []string) []string {
	var out []string
	for _, v := range values {
		if list, err := mail.ParseAddressList(v); err == nil {
			for _, a := range list {
				out = append(out, a.Address)
			}
			continue
		}
		if i, j := strings.LastIndexByte(v, '<'), strings.LastIndexByte(v, '>'); i >= 0 && j > i {
			out = append(out, strings.TrimSpace(v[i+1:j]))
			continue
		}
		if f := strings.Fields(v); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// classifySender names senders that are machines: answering them is
// backscatter or a loop (RFC 3834 §2 and common practice since vacation(1)).
func classifySender(addr string) string {
	local, _, _ := splitAddress(addr)
	local = strings.ToLower(strings.Trim(local, `"`))
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i] // subaddress detail
	}
	switch local {
	case "mailer-daemon", "mailer_daemon", "mailerdaemon", "postmaster":
		return ReasonBounceSender
	case "listserv", "majordomo", "mailman", "bounce", "bounces":
		return ReasonListSender
	}
	if strings.HasSuffix(local, "-request") || strings.HasPrefix(local, "owner-") ||
		strings.HasSuffix(local, "-owner") || strings.HasSuffix(local, "-bounces") {
		return ReasonListSender
	}
	squeezed := squeeze.Replace(local)
	for _, w := range []string{"noreply", "donotreply", "donotrespond", "noresponse"} {
		if strings.Contains(squeezed, w) {
			return ReasonNoReplySender
		}
	}
	return ""
}

// squeeze drops the separators people put in "no-reply" and its kin.
var squeeze = strings.NewReplacer("-", "", "_", "", ".", "")

// replyAddressProven reports whether the address a reply goes to (the
// envelope sender) was itself shown not to be forged. A DMARC pass proves
// the From domain only: a message signed for attacker@bigmail.example
// replayed with MAIL FROM:<victim@bigmail.example> passes DMARC, and the
// reply would go to the victim. So the envelope address counts as proven
// when SPF passed for its own domain (RFC 7208 §2.4: the MAIL FROM
// identity), or when DMARC passed and the envelope address is the one
// author in From, the address DMARC vouched for.
func replyAddressProven(envelope string, h header, a Auth) bool {
	_, envDomain, _ := splitAddress(envelope)
	if strings.EqualFold(strings.TrimSpace(a.SPF), "pass") {
		spfDomain := normDomain(a.SPFDomain)
		if spfDomain == "" || spfDomain == normDomain(envDomain) {
			return true
		}
	}
	if !strings.EqualFold(strings.TrimSpace(a.DMARC), "pass") {
		return false
	}
	from := headerAddresses(h.all("From"))
	if len(from) != 1 {
		return false // RFC 7489 §6.6.1: several authors have no single domain
	}
	_, fromDomain, _ := splitAddress(from[0])
	if d := normDomain(a.DMARCDomain); d != "" && d != normDomain(fromDomain) {
		return false // DMARC was about some other domain
	}
	return strings.EqualFold(strings.TrimSpace(from[0]), strings.TrimSpace(envelope))
}

// mailboxKey is the mailbox an address reaches, as far as a rate limit can
// tell without asking its provider: bob, Bob, bob+1 and b.o.b are one key.
// It folds case (RFC 5321 §2.4 lets a host treat local parts as case
// sensitive; none we would write to does), drops a sub-address after "+"
// (RFC 5233 and every large provider), and ignores dots in the local part
// (Gmail ignores them; elsewhere the worst is that two people share a
// count). A sub-address after "-" (qmail, some Postfix sites) is not
// dropped: hyphenated names are common and would share one allowance;
// the per-domain cap bounds what such spellings can get.
func mailboxKey(addr string) string {
	local, dom, _ := splitAddress(strings.TrimSpace(strings.Trim(strings.TrimSpace(addr), "<>")))
	local = strings.ToLower(strings.Trim(local, `"`))
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	local = strings.ReplaceAll(local, ".", "")
	return local + "@" + normDomain(dom)
}

// normDomain is a domain in one spelling: lower case, no final dot, and
// its A-label form, so that an IDN written either way is one domain.
func normDomain(d string) string {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	if a, err := idna.Lookup.ToASCII(d); err == nil && a != "" {
		d = a
	}
	return d
}

func orgDomain(d string) string {
	d = normDomain(d)
	if od, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return od
	}
	return d
}
