package reply

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/mailproto"
	"github.com/intake-mail/intake/tickets"
)

// StaffReply is an answer written by staff (the web interface).
type StaffReply struct {
	TicketID  uuid.UUID
	Ref       string // added to the subject when it is not there
	To        string // the requester's address
	Subject   string
	Body      string // plain text
	InReplyTo string // the member's Message-ID, for threading
}

// StaffJob composes a staff reply and returns its outbox job. A reply
// holding a full number is refused with an error wrapping
// ErrSensitiveOutbound that names the kind and last four digits, for the
// agent to correct; nothing is queued.
func (r *Responder) StaffJob(ctx context.Context, s StaffReply) (tickets.OutboxJob, error) {
	to, ok := mailproto.Deliverable(s.To)
	if !ok {
		return tickets.OutboxJob{}, fmt.Errorf("staff reply: %q is not an address", s.To)
	}
	subject := oneLine(s.Subject)
	if s.Ref != "" && !strings.Contains(subject, s.Ref) {
		subject = strings.TrimSpace(subject + " [" + s.Ref + "]")
	}
	out := Outgoing{
		From:      r.o.From,
		FromName:  r.o.OrgName,
		To:        to,
		Subject:   subject,
		MessageID: r.o.MessageID(s.TicketID, r.domain),
		InReplyTo: safeInReplyTo(s.InReplyTo),
		LoopToken: r.o.Policy.LoopToken,
		Date:      r.o.Now(),
		Body:      s.Body,
	}
	raw, err := out.Bytes()
	if err != nil {
		return tickets.OutboxJob{}, fmt.Errorf("staff reply: %w", err)
	}
	if err := CheckOutbound(ctx, r.o.Scanner, raw, s.Body+"\n"+subject); err != nil {
		return tickets.OutboxJob{}, fmt.Errorf("staff reply not sent: %w", err)
	}
	now := r.o.Now()
	return tickets.OutboxJob{
		Kind:        KindStaff,
		TicketID:    s.TicketID,
		Recipient:   to,
		Payload:     raw,
		NextAttempt: now,
		GiveUpAt:    now.Add(r.o.StaffGiveUp),
	}, nil
}
