package gateway

import (
	"context"

	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// queueReply asks the reply policy about the message that in is about to
// file and puts the reply's intent on in.Outbox, so the store queues it in
// the accept's own transaction, charging the rate limits there. The reply
// itself is rendered by the outbox worker once the ticket is committed.
// Everything the policy sees is masked.
func (s *Server) queueReply(ctx context.Context, t *transaction, in *tickets.Inbound, header map[string][]string, res *scan.Result, auth *AuthResult) reply.Decision {
	if s.opts.Replies == nil {
		in.ReplyDecision = reply.ReasonDisabled
		return reply.Decision{}
	}
	d, job := s.opts.Replies.Intent(ctx, reply.Inbound{
		EnvelopeFrom: in.Envelope.MailFrom,
		Header:       header,
		Auth:         reply.Auth{SPF: auth.SPF, SPFDomain: auth.SPFDomain, DMARC: auth.DMARC, DMARCDomain: auth.FromDomain},
		Scan:         reply.FactsFromResult(res),
		// Masking changed the envelope sender (its local part looks like
		// a number): a reply must never go to it.
		SenderMasked: in.Envelope.MailFrom != t.from,
	})
	// Kept on the message for staff; the store writes its own word if
	// its rate check drops the job.
	in.ReplyDecision = d.Reason
	if job != nil {
		in.Outbox = append(in.Outbox, *job)
		in.ReplyDecision = tickets.ReplyQueued
	}
	return d
}

// logReply says what became of the reply once the ticket is known, in a
// word for the "accepted" line: "queued", "off", "duplicate", or the
// reason there is none (every decision not to answer is on that info
// line, with the ticket). A reason that surprises (anything but clean
// mail with nothing to say) gets a line of its own saying why, so an
// admin, or a newcomer whose test mail got no answer, can see it.
func (s *Server) logReply(t *transaction, queue string, d reply.Decision, acc tickets.Accepted, auth *AuthResult) string {
	if s.opts.Replies == nil {
		return "off"
	}
	s.log.Debug("reply decision", "session", t.sessionID, "queue", queue, "ticket", acc.Ref,
		"reply", d.Reply, "reason", d.Reason, "template", d.Template, "queued", len(acc.Jobs), "limited", acc.JobsLimited)
	if acc.Duplicate {
		return "duplicate" // a redelivery decides nothing new
	}
	reason := d.Reason
	switch {
	case !d.Reply:
	case len(acc.Jobs) == 0 && acc.JobsLimited > 0:
		// The store checks the rate limits in the accept's own
		// transaction (exact across nodes and concurrent messages), and
		// one was spent.
		reason = reply.ReasonRateLimitedAtCommit
	default:
		return "queued"
	}
	if reason == reply.ReasonNothingToSay {
		return reason
	}
	attrs := []any{"session", t.sessionID, "ticket", acc.Ref, "queue", queue, "reason", reason}
	if hint := noReplyHint[reason]; hint != "" {
		attrs = append(attrs, "why", hint)
	}
	if reason == reply.ReasonNotAuthenticated {
		attrs = append(attrs, "spf", auth.SPF, "dmarc", auth.DMARC)
	}
	s.log.Info("no auto-reply", attrs...)
	return reason
}

// noReplyHint says what an admin may want to know about the reasons that
// surprise.
var noReplyHint = map[string]string{
	reply.ReasonNotAuthenticated:    "[reply] require_sender_auth: the envelope sender passed neither SPF for its own domain nor DMARC as the From address",
	reply.ReasonMaskedSender:        "the sender's address held a number and was masked",
	reply.ReasonInvalidSender:       "the envelope sender is not an address mail can go to (no domain with a dot, a literal, a route)",
	reply.ReasonRateSensitive:       "this mailbox was already told today ([reply] sensitive_per_day)",
	reply.ReasonRateHourly:          "[reply] replies_per_hour reached for this mailbox",
	reply.ReasonRateDomain:          "the hourly cap for the sender's organisational domain is reached",
	reply.ReasonRateLimitedAtCommit: "a [reply] rate limit for this mailbox or its domain was spent (checked as the ticket was committed)",
}
