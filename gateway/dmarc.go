package gateway

import (
	"context"
	"errors"
	"net/mail"
	"strings"

	"github.com/emersion/go-msgauth/dmarc"

	"github.com/intake-mail/intake/mailproto"
)

// fromDomain is the domain of the RFC5322.From the DMARC check is about.
// RFC 7489 6.6.1: a message with no From, or with several From addresses
// in different domains, cannot be evaluated (permerror here).
func fromDomain(from string) (string, bool) {
	if from == "" {
		return "", false
	}
	from, _ = decodeHeaderValue(from)
	list, err := mail.ParseAddressList(from)
	if err != nil || len(list) == 0 {
		return "", false
	}
	domain := ""
	for _, a := range list {
		_, d, ok := mailproto.ParseAddress(a.Address)
		if !ok || (domain != "" && d != domain) {
			return "", false
		}
		domain = d
	}
	return domain, true
}

// aligned reports identifier alignment (RFC 7489 3.1): strict needs the
// same domain, relaxed the same organizational domain.
func aligned(authDomain, from string, mode dmarc.AlignmentMode) bool {
	if authDomain == "" {
		return false
	}
	if strings.EqualFold(authDomain, from) {
		return true
	}
	return mode != dmarc.AlignmentStrict && mailproto.OrgDomain(authDomain) == mailproto.OrgDomain(from)
}

// checkDMARC evaluates DMARC for the From domain given the SPF and DKIM
// outcomes. It returns the result and the policy the domain asks for.
func (a *authChecker) checkDMARC(ctx context.Context, from string, spfResult, spfDomain string, dkimPass []string) (result, policy string) {
	if from == "" {
		return verdictPermError, ""
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	opts := &dmarc.LookupOptions{LookupTXT: func(name string) ([]string, error) { return a.res.LookupTXT(ctx, name) }}

	// RFC 7489 6.6.3: the From domain's record, else the organizational
	// domain's, whose sp= then applies.
	rec, err := dmarc.LookupWithOptions(from, opts)
	atOrg := false
	if errors.Is(err, dmarc.ErrNoPolicy) {
		if org := mailproto.OrgDomain(from); org != from {
			rec, err = dmarc.LookupWithOptions(org, opts)
			atOrg = true
		}
	}
	switch {
	case errors.Is(err, dmarc.ErrNoPolicy):
		return verdictNone, ""
	case dmarc.IsTempFail(err):
		return verdictTempError, ""
	case err != nil:
		return verdictPermError, ""
	}
	policy = string(rec.Policy)
	if atOrg && rec.SubdomainPolicy != "" {
		policy = string(rec.SubdomainPolicy)
	}
	if spfResult == verdictPass && aligned(spfDomain, from, rec.SPFAlignment) {
		return verdictPass, policy
	}
	for _, d := range dkimPass {
		if aligned(d, from, rec.DKIMAlignment) {
			return verdictPass, policy
		}
	}
	return verdictFail, policy
}
