package reply

import (
	"mime"
	"strings"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/scan"
)

// Policy is the configuration the reply rules read. Its zero value never
// replies; the values intake runs on come from the configuration
// (config.Default).
type Policy struct {
	Enabled           bool
	RequireSenderAuth bool     // RFC 3834 §2: do not answer forged senders (backscatter)
	AcknowledgeClean  bool     // also answer mail in which nothing was found
	OwnAddresses      []string // our From and every address we accept mail for
	OwnDomains        []string // domains we accept mail for: any sender there is us or forged
	LoopToken         string   // the value we put in X-Loop
	SensitivePerDay   int      // sensitive-data replies per address per 24 h
	RepliesPerHour    int      // replies of any kind per address per hour
	// RepliesPerDomainHour caps the other replies (withheld notes,
	// acknowledgements) to one organisational domain an hour, counting
	// every reply to it: sub-addresses and made-up local parts at one
	// provider must not each get their own allowance.
	RepliesPerDomainHour int
	// SensitivePerDomainHour caps sensitive-data replies to one
	// organisational domain an hour, counted apart from the others. It is
	// much larger: each is already limited to one a day per mailbox, and
	// the members of one big provider must not run out in a busy hour.
	SensitivePerDomainHour int
}

// Inbound is everything the policy knows about one accepted message.
type Inbound struct {
	EnvelopeFrom string              // MAIL FROM reverse-path without brackets; "" is the null sender
	Header       map[string][]string // the message header as received; keys in any case
	Auth         Auth
	Scan         ScanFacts
	History      History
	// SenderMasked is set when the envelope sender had to be masked (its
	// local part looks like a number): EnvelopeFrom is then not the
	// member's address, and the real one must not leave the gateway.
	SenderMasked bool
}

// Auth holds the gateway's sender authentication verdicts, as the result
// words of RFC 8601 ("pass", "fail", "softfail", "none", ...).
type Auth struct {
	SPF         string // for the envelope sender's domain (RFC 7208 MAIL FROM identity)
	SPFDomain   string // the domain SPF checked; "" means the envelope sender's
	DMARC       string // for the RFC5322.From domain
	DMARCDomain string // the From domain DMARC evaluated; "" means take it from the header
}

// ScanFacts is what the scanner found, without any number.
type ScanFacts struct {
	Kinds    []scan.Kind // kinds of full numbers found; empty when none
	Withheld bool        // some part could not be scanned and was withheld
}

// History comes from the store, so every node counts the same replies.
// Addresses are counted by mailbox (see mailboxKey), domains by
// organisational domain.
type History struct {
	SensitiveLast24h        int // sensitive-data replies queued to this address in the last 24 h
	RepliesLastHour         int // replies of any kind queued to this address in the last hour
	DomainLastHour          int // replies of any kind queued to this address's domain in the last hour
	DomainSensitiveLastHour int // sensitive-data replies queued to this address's domain in the last hour
}

// Decision is the policy's answer. When Reply is set, To is the address to
// answer: always the envelope sender, never a Reply-To (RFC 3834 §4).
type Decision struct {
	Reply    bool
	Template string
	Reason   string
	To       string
}

func no(reason string) Decision { return Decision{Reason: reason} }

// Decide applies the rules in a fixed order; the first that forbids a reply
// gives the reason. Loop and backscatter rules come before the choice of
// template so that a bounce is counted as a bounce whatever it carries.
func (p Policy) Decide(in Inbound) Decision {
	if !p.Enabled {
		return no(ReasonDisabled)
	}
	// RFC 3834 §2: never answer the null reverse-path.
	if strings.TrimSpace(strings.Trim(in.EnvelopeFrom, "<>")) == "" {
		return no(ReasonNullSender)
	}
	// The address we would write to is not the member's: sending there
	// reaches a stranger, and the member's own must not be sent out.
	if in.SenderMasked {
		return no(ReasonMaskedSender)
	}
	to, ok := mailproto.Deliverable(in.EnvelopeFrom)
	if !ok {
		return no(ReasonInvalidSender)
	}
	h := newHeader(in.Header)

	// Who sent it: the envelope sender and the From and Sender fields.
	senders := []string{to}
	senders = append(senders, headerAddresses(h.all("From"))...)
	senders = append(senders, headerAddresses(h.all("Sender"))...)
	for _, s := range senders {
		if p.isOwn(s) {
			return no(ReasonOwnAddress)
		}
	}
	for _, s := range senders {
		if r := classifySender(s); r != "" {
			return no(r)
		}
	}

	if r := p.automatedHeaders(h); r != "" {
		return no(r)
	}

	var d Decision
	switch {
	case len(in.Scan.Kinds) > 0:
		d = Decision{Reply: true, Template: TemplateSensitive, Reason: ReasonSensitive}
	case in.Scan.Withheld:
		d = Decision{Reply: true, Template: TemplateWithheld, Reason: ReasonWithheld}
	case p.AcknowledgeClean:
		d = Decision{Reply: true, Template: TemplateAcknowledge, Reason: ReasonAcknowledge}
	default:
		return no(ReasonNothingToSay)
	}

	if p.RequireSenderAuth && !replyAddressProven(to, h, in.Auth) {
		return no(ReasonNotAuthenticated)
	}
	if d.Template == TemplateSensitive && in.History.SensitiveLast24h >= max(p.SensitivePerDay, 0) {
		return no(ReasonRateSensitive)
	}
	// The sensitive-data reply is what the member most needs and has its
	// own, stricter cap (one a day): other replies cannot use up its turn.
	// It still counts toward the hourly cap of the others.
	if d.Template != TemplateSensitive && in.History.RepliesLastHour >= max(p.RepliesPerHour, 0) {
		return no(ReasonRateHourly)
	}
	// The domain's cap keeps the same priority: sensitive-data replies are
	// counted apart, under a cap of their own, so notes to a domain cannot
	// use up their turn.
	domainCount, domainCap := in.History.DomainLastHour, p.RepliesPerDomainHour
	if d.Template == TemplateSensitive {
		domainCount, domainCap = in.History.DomainSensitiveLastHour, p.SensitivePerDomainHour
	}
	if domainCount >= max(domainCap, 0) {
		return no(ReasonRateDomain)
	}
	d.To = to
	return d
}

// automatedHeaders finds the marks that automated and bulk mail carries.
func (p Policy) automatedHeaders(h header) string {
	if p.LoopToken != "" {
		for _, v := range h.all("X-Loop") {
			if strings.Contains(strings.ToLower(v), strings.ToLower(p.LoopToken)) {
				return ReasonLoop
			}
		}
	}
	// RFC 3834 §2: anything but "no" (parameters allowed) is automatic.
	for _, v := range h.all("Auto-Submitted") {
		kw, _, _ := strings.Cut(v, ";")
		if !strings.EqualFold(strings.TrimSpace(kw), "no") {
			return ReasonAutoSubmitted
		}
	}
	for _, v := range h.all("Content-Type") {
		mt, _, err := mime.ParseMediaType(v)
		if err != nil {
			mt, _, _ = strings.Cut(strings.ToLower(v), ";")
			mt = strings.TrimSpace(mt)
		}
		if mt == "multipart/report" || mt == "message/delivery-status" || mt == "message/disposition-notification" {
			return ReasonDeliveryReport
		}
	}
	for _, v := range h.all("Precedence") {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "bulk", "list", "junk", "auto_reply", "auto-reply":
			return ReasonPrecedence
		}
	}
	if h.hasPrefix("List-") {
		return ReasonListHeader
	}
	// Microsoft's header: All, OOF and AutoReply each cover us.
	for _, v := range h.all("X-Auto-Response-Suppress") {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			switch strings.ToLower(f) {
			case "all", "oof", "autoreply":
				return ReasonSuppressed
			}
		}
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autogenerated", "X-AutoReply-From", "X-Mail-Autoreply", "X-FC-MachineGenerated"} {
		if h.has(k) {
			return ReasonAutoreplyHeader
		}
	}
	return ""
}

func (p Policy) isOwn(addr string) bool {
	for _, o := range p.OwnAddresses {
		if strings.EqualFold(strings.TrimSpace(o), addr) {
			return true
		}
	}
	_, dom, _ := mailproto.SplitAddress(addr)
	for _, d := range p.OwnDomains {
		if mailproto.NormDomain(d) == dom {
			return true
		}
	}
	return false
}

// header is the message header with lower-case keys: the gateway's
// parser may leave keys in any case, and a rule must not miss "list-id".
type header map[string][]string

func newHeader(h map[string][]string) header {
	out := make(header, len(h))
	for k, vs := range h {
		lk := strings.ToLower(k)
		out[lk] = append(out[lk], vs...)
	}
	return out
}

func (h header) all(key string) []string { return h[strings.ToLower(key)] }

func (h header) has(key string) bool {
	_, ok := h[strings.ToLower(key)]
	return ok
}

func (h header) hasPrefix(prefix string) bool {
	prefix = strings.ToLower(prefix)
	for k := range h {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
