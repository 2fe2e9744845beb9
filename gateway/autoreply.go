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
	if job != nil {
		in.Outbox = append(in.Outbox, *job)
	}
	return d
}

// logReply says what became of the reply once the ticket is known.
func (s *Server) logReply(t *transaction, queue string, d reply.Decision, acc tickets.Accepted) {
	if s.opts.Replies == nil {
		return
	}
	s.log.Debug("reply decision", "session", t.sessionID, "queue", queue, "ticket", acc.Ref,
		"reply", d.Reply, "reason", d.Reason, "template", d.Template, "queued", len(acc.Jobs), "limited", acc.JobsLimited)
	if d.Reason == reply.ReasonMaskedSender && !acc.Duplicate {
		// Staff must be able to see why this member got no answer.
		s.log.Info("no auto-reply: the sender's address held a number and was masked", "session", t.sessionID, "ticket", acc.Ref, "reason", d.Reason)
	}
}
