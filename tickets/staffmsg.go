package tickets

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Notes, staff replies, assignment and status: the changes staff make to
// a ticket, each one transaction with its audit event.

// CheckTransition says whether a ticket may go from status from to to.
// Closed is final (a follow-up from the member opens a new ticket, see
// thread.go); new is only ever set by the arrival of mail. Everything
// else may move freely: reopening solved or spam is a person's call.
func CheckTransition(from, to Status) error {
	switch {
	case !to.Valid():
		return fmt.Errorf("%w: unknown status %q", ErrInvalid, to)
	case from == to:
		return nil
	case from == StatusClosed:
		return fmt.Errorf("%w: the ticket is closed, and closed is final", ErrConflict)
	case to == StatusNew:
		return fmt.Errorf("%w: a ticket cannot be made new again", ErrInvalid)
	}
	return nil
}

// maxStaffText bounds a note or reply: a person's writing, not a file.
const maxStaffText = 64 << 10

func (c *core) AddStaffMessage(ctx context.Context, m StaffMessage) (Message, error) {
	switch {
	case m.Kind != KindNote && m.Kind != KindReply:
		return Message{}, fmt.Errorf("add staff message: %w: kind %q", ErrInvalid, m.Kind)
	case m.Author == "" || m.Actor == "" || needsRepair(m.Author) || needsRepair(m.Actor):
		return Message{}, fmt.Errorf("add staff message: %w: author and actor required", ErrInvalid)
	case m.Text == "" || needsRepair(m.Text) || needsRepair(m.Subject):
		return Message{}, fmt.Errorf("add staff message: %w: text required, as text", ErrInvalid)
	case len(m.Text) > maxStaffText:
		return Message{}, fmt.Errorf("add staff message: %w", &FieldError{Field: "text", Size: len(m.Text), Max: maxStaffText})
	case (m.Kind == KindReply) != (m.Job != nil):
		return Message{}, fmt.Errorf("add staff message: %w: a reply needs its outbox job, a note has none", ErrInvalid)
	}
	if m.Job != nil {
		if err := c.o.Limits.validateJob(*m.Job); err != nil {
			return Message{}, fmt.Errorf("add staff message: %w", err)
		}
	}
	if err := checkLen("subject", m.Subject, c.o.Limits.Subject); err != nil {
		return Message{}, fmt.Errorf("add staff message: %w", err)
	}
	norm, err := ParseRef(m.Ref)
	if err != nil {
		return Message{}, fmt.Errorf("add staff message: %w", err)
	}
	msgID, err := uuid.NewV7()
	if err != nil {
		return Message{}, fmt.Errorf("add staff message: %w", err)
	}
	out := Message{ID: msgID, Kind: m.Kind, From: m.Author, Subject: m.Subject,
		Parts: []Part{{Where: "body", ContentType: "text/plain", Text: m.Text}}, Size: int64(len(m.Text))}
	err = c.write(ctx, func(q dbtx) error {
		now := c.now()
		var tid, status string
		if err := one(q.QueryRow(ctx, "SELECT id, status FROM tickets WHERE ref = ?"+c.d.forUpdate, norm), &tid, &status); err != nil {
			return err
		}
		switch {
		case Status(status) == StatusClosed:
			return fmt.Errorf("%w: the ticket is closed", ErrConflict)
		case m.Kind == KindReply && Status(status) == StatusSpam:
			return fmt.Errorf("%w: the ticket is marked spam; spam is not answered", ErrConflict)
		}
		out.TicketID, out.Created = parseID(tid), now
		detail := map[string]string{"ref": norm, "message": msgID.String()}
		if m.Job != nil {
			j := *m.Job
			j.TicketID = out.TicketID
			id, err := c.insertJob(ctx, q, j, now)
			if err != nil {
				return err
			}
			out.OutboxID = id
			detail["job"] = id.String()
		}
		if _, err := q.Exec(ctx, `INSERT INTO messages (id, ticket_id, kind, message_id, in_reply_to, refs, from_addr, from_name,
			subject, envelope, headers, auth_results, spf, dkim, dmarc, findings, unscannable, quarantine_id, size, created_at,
			repaired, sender_verified, not_participant, outbox_id)
			VALUES (?, ?, ?, '', '', '[]', ?, '', ?, ?, '[]', '', '', '', '', '[]', '[]', '', ?, ?, '', 0, 0, ?)`,
			msgID.String(), tid, string(m.Kind), m.Author, m.Subject, jsonText(Envelope{}), len(m.Text), micros(now), idText(out.OutboxID)); err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		if _, err := q.Exec(ctx, `INSERT INTO parts (message_id, idx, location, content_type, filename, html, body, withheld, reason)
			VALUES (?, 0, 'body', 'text/plain', '', 0, ?, 0, '')`, msgID.String(), m.Text); err != nil {
			return fmt.Errorf("insert part: %w", err)
		}
		newStatus := status
		if m.Kind == KindReply && Status(status) == StatusNew {
			newStatus = string(StatusOpen)
		}
		if _, err := q.Exec(ctx, "UPDATE tickets SET status = ?, messages = messages + 1, updated_at = ?, activity_at = ? WHERE id = ?",
			newStatus, micros(now), micros(now), tid); err != nil {
			return fmt.Errorf("update ticket: %w", err)
		}
		action := ActionTicketNote
		if m.Kind == KindReply {
			action = ActionTicketReply
		}
		if _, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: m.Actor, Action: action, TicketID: tid, ItemID: idText(out.OutboxID), Detail: detail}); err != nil {
			return err
		}
		if newStatus != status {
			if _, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: m.Actor, Action: ActionTicketStatus, TicketID: tid,
				Detail: map[string]string{"ref": norm, "from": status, "to": newStatus}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Message{}, fmt.Errorf("add %s to %s: %w", m.Kind, norm, err)
	}
	if m.Job != nil {
		c.signal()
	}
	c.signalIndex()
	return out, nil
}

func (c *core) UpdateTicket(ctx context.Context, ref string, u TicketUpdate, actor string) (*Ticket, error) {
	norm, err := ParseRef(ref)
	if err != nil {
		return nil, fmt.Errorf("update ticket: %w", err)
	}
	if actor == "" {
		return nil, fmt.Errorf("update ticket: %w: actor required", ErrInvalid)
	}
	if u.Status != "" && !u.Status.Valid() {
		return nil, fmt.Errorf("update ticket: %w: unknown status %q", ErrInvalid, u.Status)
	}
	if u.Assignee != nil && (needsRepair(*u.Assignee) || len(*u.Assignee) > c.o.Limits.Short) {
		return nil, fmt.Errorf("update ticket: %w: assignee is not a name", ErrInvalid)
	}
	var t Ticket
	err = c.write(ctx, func(q dbtx) error {
		now := c.now()
		var err error
		if t, err = scanTicket(q.QueryRow(ctx, "SELECT "+ticketCols+" FROM tickets WHERE ref = ?"+c.d.forUpdate, norm)); err != nil {
			return err
		}
		status, assignee := t.Status, t.Assignee
		if u.Status != "" {
			if err := CheckTransition(t.Status, u.Status); err != nil {
				return err
			}
			status = u.Status
		}
		if u.Assignee != nil {
			if t.Status == StatusClosed && *u.Assignee != t.Assignee {
				return fmt.Errorf("%w: the ticket is closed", ErrConflict)
			}
			assignee = *u.Assignee
		}
		if status == t.Status && assignee == t.Assignee {
			return nil
		}
		if _, err := q.Exec(ctx, "UPDATE tickets SET status = ?, assignee = ?, updated_at = ? WHERE id = ?",
			string(status), assignee, micros(now), t.ID.String()); err != nil {
			return fmt.Errorf("update ticket: %w", err)
		}
		if status != t.Status {
			if _, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: actor, Action: ActionTicketStatus, TicketID: t.ID.String(),
				Detail: map[string]string{"ref": norm, "from": string(t.Status), "to": string(status)}}); err != nil {
				return err
			}
		}
		if assignee != t.Assignee {
			if _, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: actor, Action: ActionTicketAssign, TicketID: t.ID.String(),
				Detail: map[string]string{"ref": norm, "from": t.Assignee, "to": assignee}}); err != nil {
				return err
			}
		}
		t.Status, t.Assignee, t.Updated = status, assignee, now
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("update ticket %s: %w", norm, ErrNotFound)
		}
		return nil, fmt.Errorf("update ticket %s: %w", norm, err)
	}
	return &t, nil
}
