package desk

import (
	"context"
	"errors"
	"strings"

	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// AddNote adds an internal note to ref: never sent, shown to staff as
// kind note. Its text is checked like a reply's: staff must not paste a
// number into the store either.
func (d *Desk) AddNote(ctx context.Context, a Actor, ref, text string) (*MessageView, error) {
	if err := d.need(a, ticketRoles...); err != nil {
		return nil, err
	}
	norm, err := parseRef(ref)
	if err != nil {
		return nil, err
	}
	if err := checkStaffText(text); err != nil {
		return nil, err
	}
	m, err := d.st.AddStaffMessage(ctx, tickets.StaffMessage{Ref: norm, Kind: tickets.KindNote, Author: a.Name, Actor: a.AuditName(), Text: text})
	if err != nil {
		return nil, d.staffMessageErr(a, "add note", norm, err)
	}
	mv := messageView(m)
	return &mv, nil
}

// Reply sends text to ref's requester through the outbox: threaded to
// the member's last message, the ref in the subject, checked by outbound
// DLP. A text holding a full number is refused (422 sensitive_content)
// and nothing of it is kept; otherwise the reply message and its outbox
// job are committed together and the outbox worker is woken.
func (d *Desk) Reply(ctx context.Context, a Actor, ref, text string) (*MessageView, error) {
	if err := d.need(a, ticketRoles...); err != nil {
		return nil, err
	}
	norm, err := parseRef(ref)
	if err != nil {
		return nil, err
	}
	if err := checkStaffText(text); err != nil {
		return nil, err
	}
	if d.rep == nil {
		return nil, &Error{Status: 503, Code: CodeInternal, Message: "replies are not configured on this server ([reply] from)"}
	}
	t, err := d.st.GetTicket(ctx, norm)
	if err != nil {
		return nil, d.ticketErr(a, "reply", norm, err)
	}
	switch t.Status {
	case tickets.StatusClosed:
		return nil, conflict("%s is closed; a closed ticket is not answered", norm)
	case tickets.StatusSpam:
		return nil, conflict("%s is marked spam; spam is not answered", norm)
	}
	// A masked address ("****1111@...") held a number: it is not where
	// the member reads mail, and answering it would be guessing.
	if t.Requester == "" || strings.ContainsAny(t.Requester, "* ") || !strings.Contains(t.Requester, "@") {
		return nil, invalid("the requester's address cannot be answered by mail (it is missing or was masked)")
	}
	subject := t.Subject
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = strings.TrimSpace("Re: " + subject)
	}
	if !strings.Contains(subject, norm) {
		subject += " [" + norm + "]"
	}
	job, err := d.rep.StaffJob(ctx, reply.StaffReply{
		TicketID: t.ID, Ref: norm, To: t.Requester, Subject: subject, Body: text, InReplyTo: lastInbound(t),
	})
	if errors.Is(err, reply.ErrSensitiveOutbound) {
		// Outbound DLP read the whole message as it would leave: its
		// words name the kind and the last four at most.
		return nil, &Error{Status: 422, Code: CodeSensitiveContent, Message: "the reply was refused by the outbound check: " + strings.TrimPrefix(err.Error(), "staff reply not sent: ") + " (nothing was kept)"}
	}
	if err != nil {
		return nil, d.fail(a, "compose reply", err)
	}
	m, err := d.st.AddStaffMessage(ctx, tickets.StaffMessage{Ref: norm, Kind: tickets.KindReply, Author: a.Name, Actor: a.AuditName(),
		Subject: subject, Text: text, Job: &job})
	if err != nil {
		return nil, d.staffMessageErr(a, "reply", norm, err)
	}
	mv := messageView(m)
	mv.To = job.Recipient
	mv.Delivery = &Delivery{Job: m.OutboxID, State: DeliveryPending, NextAttempt: job.NextAttempt, Updated: m.Created}
	return &mv, nil
}

// lastInbound is the Message-ID of the member's last message, for
// In-Reply-To and References.
func lastInbound(t *tickets.TicketDetail) string {
	for i := len(t.Messages) - 1; i >= 0; i-- {
		if m := t.Messages[i]; m.Kind == tickets.KindInbound && m.MessageID != "" {
			return m.MessageID
		}
	}
	return ""
}

func (d *Desk) staffMessageErr(a Actor, action, ref string, err error) error {
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		return notFound("no ticket " + ref)
	case errors.Is(err, tickets.ErrConflict):
		return conflict("%s is closed (or spam, for a reply): it takes no %s", ref, strings.TrimPrefix(action, "add "))
	case errors.Is(err, tickets.ErrInvalid):
		return invalid("the text cannot be kept (too long, or not text)")
	}
	return d.fail(a, action, err)
}
