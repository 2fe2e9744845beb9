package reply

import (
	"net/mail"
	"strings"

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

// authenticated reports whether the address we would answer is shown not
// to be forged: SPF passed for it, or DMARC passed for a From domain in the
// same organisational domain (relaxed alignment, RFC 7489 §3.1).
func authenticated(envelope string, h header, a Auth) bool {
	if strings.EqualFold(strings.TrimSpace(a.SPF), "pass") {
		return true
	}
	if !strings.EqualFold(strings.TrimSpace(a.DMARC), "pass") {
		return false
	}
	dmarcDomain := strings.ToLower(strings.TrimSuffix(a.DMARCDomain, "."))
	if dmarcDomain == "" {
		from := headerAddresses(h.all("From"))
		if len(from) != 1 {
			return false // RFC 7489 §6.6.1: several authors have no single domain
		}
		_, dmarcDomain, _ = splitAddress(from[0])
	}
	_, envDomain, _ := splitAddress(envelope)
	return dmarcDomain != "" && orgDomain(envDomain) == orgDomain(dmarcDomain)
}

func orgDomain(d string) string {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	if od, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return od
	}
	return d
}
