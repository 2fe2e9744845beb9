package gateway

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intake-mail/intake/guard"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// The second line of defence (DESIGN.md, promise 2): the precise scanner
// decided what to mask; package guard, which shares no code with it,
// reads every text the store is about to keep, exactly as it will be
// kept. What it objects to is withheld and the original sealed, so a
// scanner bug costs a false alarm, never a leak.

// reasonSecondCheck is the Unscannable and Part reason for what the
// second check withheld.
const reasonSecondCheck = "second_check"

// withheldValue replaces a display field (a subject, a header value, a
// file name) the second check objected to. Identifiers (addresses,
// Message-IDs) are emptied instead, so that they thread nothing.
const withheldValue = "[withheld: second_check]"

func newSecondCheckCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "intake_second_check_total",
		Help: "Fields and parts of accepted mail withheld by the second check (the precise scanner had let them through), by rule.",
	}, []string{"rule"})
}

// guardInbound runs the second check on in just before it is stored. When
// anything is withheld, the original is sealed (now, if the scanner found
// nothing to seal) and the scan result learns it too, so that hooks and
// metrics see a withheld part. sealed is the message's sealed original,
// shared by every ticket the message becomes.
func (s *Server) guardInbound(t *transaction, in *tickets.Inbound, res *scan.Result, sealed *[]byte, stored []byte) error {
	withheld := s.secondCheck(t, in)
	if len(withheld) == 0 {
		return nil
	}
	if *sealed == nil {
		b, err := s.opts.Sealer.Seal(stored)
		if err != nil {
			return fmt.Errorf("seal original withheld by the second check: %w", err)
		}
		*sealed = b
	}
	in.Sealed = *sealed
	for _, u := range withheld {
		known := false
		for _, r := range res.Unscannable {
			known = known || (r.Where == u.Where && r.Reason == u.Reason)
		}
		if !known {
			res.Unscannable = append(res.Unscannable, scan.Unscannable{Where: u.Where, Reason: u.Reason})
		}
	}
	return nil
}

// secondCheck withholds from in whatever the guard fires on: a part (by
// its text, location, file name or type, or its attachment's content) is
// withheld and its attachment dropped; any other field is replaced. It
// returns what it withheld, already added to in.Unscannable.
func (s *Server) secondCheck(t *transaction, in *tickets.Inbound) []tickets.Unscannable {
	var withheld []tickets.Unscannable
	note := func(where string) {
		for _, u := range withheld {
			if u.Where == where {
				return
			}
		}
		withheld = append(withheld, tickets.Unscannable{Where: where, Reason: reasonSecondCheck})
	}
	// fired checks one value; field names the field for the log, from a
	// fixed vocabulary (never the value, which may be the number).
	fired := func(field string, hits []guard.Hit) bool {
		if len(hits) == 0 {
			return false
		}
		seen := map[string]bool{}
		for _, h := range hits {
			if !seen[h.Rule] {
				seen[h.Rule] = true
				s.metrics.secondCheck.WithLabelValues(h.Rule).Inc()
			}
		}
		s.log.Warn("second check withheld a field the scanner passed",
			"session", t.sessionID, "ip", t.clientIP, "field", field,
			"rule", hits[0].Rule, "kind", hits[0].Kind, "read", hits[0].Read, "offset", hits[0].Offset, "hits", len(hits))
		return true
	}
	replace := func(field, where string, v *string, with string) {
		if fired(field, guard.Text(*v)) {
			*v = with
			note(where)
		}
	}

	// Attachments first: a part whose attachment fires is withheld below.
	bad := map[string]bool{} // attachment names (as the parts give them)
	for i, a := range in.Attachments {
		n := "attachment " + strconv.Itoa(i)
		name, ctype := a.Name, a.ContentType
		if fired(n+" name", guard.Text(name)) || fired(n+" content type", guard.Text(ctype)) || fired(n+" content", guard.Bytes(a.Content)) {
			bad[a.Name] = true
		}
	}
	for i := range in.Parts {
		p := &in.Parts[i]
		n := "part " + strconv.Itoa(i)
		name := p.Filename
		hit := bad[name]
		for _, f := range []struct {
			field string
			v     *string
		}{{" where", &p.Where}, {" file name", &p.Filename}, {" content type", &p.ContentType}} {
			if fired(n+f.field, guard.Text(*f.v)) {
				*f.v = withheldValue
				hit = true
			}
		}
		if fired(n+" text", guard.Text(p.Text)) {
			hit = true
		}
		if hit {
			p.Withheld, p.Reason, p.Text = true, reasonSecondCheck, ""
			bad[name] = true
			note(p.Where)
		}
	}
	if len(bad) > 0 {
		kept := in.Attachments[:0]
		for _, a := range in.Attachments {
			if !bad[a.Name] {
				kept = append(kept, a)
			}
		}
		clear(in.Attachments[len(kept):]) // no content left behind
		in.Attachments = kept
	}

	replace("subject", "subject", &in.Subject, withheldValue)
	replace("from name", "header:from", &in.FromName, withheldValue)
	if fired("from address", guard.Text(in.From)) {
		in.From, in.SenderVerified = "", false
		note("header:from")
	}
	if fired("envelope sender", guard.Text(in.Envelope.MailFrom)) {
		in.Envelope.MailFrom, in.SenderVerified = "", false
		note("envelope")
	}
	for i := range in.Envelope.Rcpts {
		replace("envelope recipient", "envelope", &in.Envelope.Rcpts[i], withheldValue)
	}
	replace("envelope helo", "envelope", &in.Envelope.Helo, withheldValue)
	replace("envelope client ip", "envelope", &in.Envelope.ClientIP, withheldValue)
	for i := range in.Headers {
		h := &in.Headers[i]
		where := "header:" + strings.ToLower(h.Name)
		if fired("header name", guard.Text(h.Name)) {
			h.Name, where = withheldValue, "header"
			note(where)
		}
		replace("header "+strings.ToLower(h.Name), where, &h.Value, withheldValue)
	}
	replace("message-id", "header:message-id", &in.MessageID, "")
	replace("in-reply-to", "header:in-reply-to", &in.InReplyTo, "")
	refs := in.References[:0]
	for _, r := range in.References {
		if fired("references", guard.Text(r)) {
			note("header:references")
			continue
		}
		refs = append(refs, r)
	}
	in.References = refs
	replace("authentication-results", "header:authentication-results", &in.AuthResults, withheldValue)
	for i := range in.Findings {
		replace("finding location", "findings", &in.Findings[i].Where, withheldValue)
	}
	// Withheld entries of our own are added after this loop.
	for i := range in.Unscannable {
		replace("unscannable location", "unscannable", &in.Unscannable[i].Where, withheldValue)
	}
	in.Unscannable = append(in.Unscannable, withheld...)
	return withheld
}
