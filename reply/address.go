package reply

import (
	"net/mail"
	"strings"

	"github.com/intake-mail/intake/mailproto"
)

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
	local, _, _ := mailproto.SplitAddress(addr)
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
	_, envDomain, _ := mailproto.SplitAddress(envelope)
	if strings.EqualFold(strings.TrimSpace(a.SPF), "pass") {
		spfDomain := mailproto.NormDomain(a.SPFDomain)
		if spfDomain == "" || spfDomain == envDomain {
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
	_, fromDomain, _ := mailproto.SplitAddress(from[0])
	if d := mailproto.NormDomain(a.DMARCDomain); d != "" && d != fromDomain {
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
	local, dom, _ := mailproto.SplitAddress(strings.TrimSpace(strings.Trim(strings.TrimSpace(addr), "<>")))
	local = strings.ToLower(strings.Trim(local, `"`))
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	local = strings.ReplaceAll(local, ".", "")
	return local + "@" + dom
}
