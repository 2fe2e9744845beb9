package gateway

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"

	"github.com/intake-mail/intake/mailproto"
)

// Resolver is the DNS the sender checks use; *net.Resolver is one. Tests
// point it at a miekg/dns server on loopback (see NewResolver).
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// NewResolver returns a resolver that asks the DNS server at addr
// (host:port, over UDP and TCP as the answer needs), or the system's when
// addr is "".
func NewResolver(addr string) *net.Resolver {
	if addr == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}

// Verdict words, as RFC 8601 spells them.
const (
	verdictPass      = "pass"
	verdictFail      = "fail"
	verdictNone      = "none"
	verdictTempError = "temperror"
	verdictPermError = "permerror"
	verdictPolicy    = "policy"
)

// AuthResult is what the sender checks concluded about one message.
type AuthResult struct {
	SPF       string // pass, fail, softfail, neutral, none, temperror, permerror
	SPFDomain string // the domain SPF checked: MAIL FROM's, or HELO's for <>

	DKIM        string   // pass when any signature verified; else fail, temperror, permerror or none
	DKIMDomains []string // d= of every signature that verified

	DMARC       string // pass, fail, none, temperror, permerror
	FromDomain  string // the RFC5322.From domain DMARC evaluated
	DMARCPolicy string // none, quarantine, reject: what the domain asks on failure

	header string // the Authentication-Results value, before masking
}

// authChecker runs SPF, DKIM and DMARC within a time budget.
type authChecker struct {
	res        Resolver
	authservID string
	timeout    time.Duration
}

// checkSPF evaluates SPF for the client IP and MAIL FROM (or HELO when the
// reverse-path is null, RFC 7208 2.4).
func (a *authChecker) checkSPF(ctx context.Context, ip net.IP, helo, mailFrom string) (result, domain string) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	sender := mailFrom
	if sender == "" {
		sender = "postmaster@" + helo
	}
	_, domain, _ = strings.Cut(sender, "@")
	domain = mailproto.NormDomain(domain)
	if ip == nil || domain == "" {
		return verdictNone, domain
	}
	res, _ := spf.CheckHostWithSender(ip, helo, sender, spf.WithContext(ctx), spf.WithResolver(a.res))
	return string(res), domain
}

// dkimVerdict is one signature's outcome.
type dkimVerdict struct {
	result string
	domain string
}

// checkDKIM verifies up to five signatures of the message as received
// (before we add or strip anything).
func (a *authChecker) checkDKIM(ctx context.Context, raw []byte) []dkimVerdict {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        func(name string) ([]string, error) { return a.res.LookupTXT(ctx, name) },
		MaxVerifications: 5,
	})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		// The header could not even be read for signatures.
		return []dkimVerdict{{result: verdictPermError}}
	}
	out := make([]dkimVerdict, 0, len(verifs))
	for _, v := range verifs {
		r := verdictPass
		switch {
		case v.Err == nil:
		case dkim.IsTempFail(v.Err):
			r = verdictTempError
		case dkim.IsPermFail(v.Err):
			r = verdictPermError
		default:
			r = verdictFail
		}
		out = append(out, dkimVerdict{result: r, domain: mailproto.NormDomain(v.Domain)})
	}
	return out
}

// summarizeDKIM is the one word staff and the reply policy see.
func summarizeDKIM(vs []dkimVerdict) (string, []string) {
	if len(vs) == 0 {
		return verdictNone, nil
	}
	var pass []string
	worst := ""
	for _, v := range vs {
		if v.result == verdictPass {
			pass = append(pass, v.domain)
			continue
		}
		if worst == "" || v.result == verdictFail {
			worst = v.result
		}
	}
	if len(pass) > 0 {
		return verdictPass, pass
	}
	return worst, nil
}

// formatAuthResults writes the Authentication-Results value (RFC 8601).
// Only domains go in it, never a local part: the value is kept on the
// ticket, and a local part is the sender's to choose.
func (a *authChecker) formatAuthResults(r *AuthResult, helo string, nullSender bool, dkims []dkimVerdict) string {
	results := []authres.Result{}
	spfRes := &authres.SPFResult{Value: authres.ResultValue(r.SPF)}
	if nullSender {
		spfRes.Helo = r.SPFDomain
	} else {
		spfRes.From = r.SPFDomain
	}
	results = append(results, spfRes)
	if len(dkims) == 0 {
		results = append(results, &authres.DKIMResult{Value: verdictNone})
	}
	for _, d := range dkims {
		results = append(results, &authres.DKIMResult{Value: authres.ResultValue(d.result), Domain: d.domain})
	}
	results = append(results, &authres.DMARCResult{Value: authres.ResultValue(r.DMARC), From: r.FromDomain})
	// authres.Format puts a space after every value, with or without
	// parameters ("dkim=none ;"): each result is formatted alone and
	// trimmed.
	var b strings.Builder
	b.WriteString(a.authservID)
	for _, res := range results {
		one := strings.TrimPrefix(authres.Format(a.authservID, []authres.Result{res}), a.authservID)
		b.WriteString(strings.TrimRight(one, " "))
	}
	return b.String()
}
