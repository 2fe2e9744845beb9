package tickets

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

const ticketCols = `id, ref, status, queue, requester, requester_name, assignee, subject,
	sensitive, withheld, spf, dkim, dmarc, messages, created_at, updated_at, related_ref, activity_at`

func scanTicket(r row) (Ticket, error) {
	var t Ticket
	var id, status string
	var sensitive, withheld, messages, created, updated, activity int64
	if err := r.Scan(&id, &t.Ref, &status, &t.Queue, &t.Requester, &t.RequesterName, &t.Assignee, &t.Subject,
		&sensitive, &withheld, &t.Auth.SPF, &t.Auth.DKIM, &t.Auth.DMARC, &messages, &created, &updated, &t.RelatedRef, &activity); err != nil {
		return t, err
	}
	t.LastActivity = fromMicros(activity)
	t.Related = relatedNote(t.RelatedRef)
	t.ID, t.Status = parseID(id), Status(status)
	t.Sensitive, t.Withheld, t.Messages = sensitive != 0, withheld != 0, int(messages)
	t.Created, t.Updated = fromMicros(created), fromMicros(updated)
	return t, nil
}

func (c *core) ListTickets(ctx context.Context, f TicketFilter) ([]Ticket, error) {
	query := "SELECT " + ticketCols + " FROM tickets WHERE 1 = 1"
	var args []any
	if f.Status != "" {
		query += " AND status = ?"
		args = append(args, string(f.Status))
	}
	if f.Queue != "" {
		query += " AND queue = ?"
		args = append(args, f.Queue)
	}
	query += " ORDER BY created_at DESC, id DESC"
	if f.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, f.Limit)
	}
	r, err := c.read.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	defer r.Close()
	out := []Ticket{}
	for r.Next() {
		t, err := scanTicket(r)
		if err != nil {
			return nil, fmt.Errorf("list tickets: %w", err)
		}
		out = append(out, t)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return out, nil
}

func (c *core) GetTicket(ctx context.Context, ref string) (*TicketDetail, error) {
	norm, err := ParseRef(ref)
	if err != nil {
		return nil, fmt.Errorf("get ticket: %w", err)
	}
	return c.getTicket(ctx, "ref = ?", norm)
}

func (c *core) GetTicketByID(ctx context.Context, id uuid.UUID) (*TicketDetail, error) {
	return c.getTicket(ctx, "id = ?", id.String())
}

// getTicket reads from one snapshot where the backend offers it; a
// ticket changing under it shows at worst a message count one behind.
func (c *core) getTicket(ctx context.Context, where string, arg any) (*TicketDetail, error) {
	t, err := scanTicket(c.read.QueryRow(ctx, "SELECT "+ticketCols+" FROM tickets WHERE "+where, arg))
	if err != nil {
		return nil, fmt.Errorf("get ticket: %w", err)
	}
	d := &TicketDetail{Ticket: t, Messages: []Message{}}
	if d.Messages, err = c.messages(ctx, t.ID); err != nil {
		return nil, fmt.Errorf("get ticket %s: %w", t.Ref, err)
	}
	if d.Quarantine, err = c.listQuarantine(ctx, "q.ticket_id = ?", []any{t.ID.String()}, 0); err != nil {
		return nil, fmt.Errorf("get ticket %s: %w", t.Ref, err)
	}
	return d, nil
}

func (c *core) messages(ctx context.Context, ticketID uuid.UUID) ([]Message, error) {
	r, err := c.read.Query(ctx, `SELECT id, kind, message_id, in_reply_to, refs, from_addr, from_name, subject, envelope,
		headers, auth_results, spf, dkim, dmarc, findings, unscannable, quarantine_id, size, created_at,
		repaired, sender_verified, not_participant, outbox_id, reply_decision
		FROM messages WHERE ticket_id = ? ORDER BY created_at, id`, ticketID.String())
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	out := []Message{}
	byID := map[string]int{}
	for r.Next() {
		var m Message
		var id, kind, refs, env, headers, findings, unscannable, qid, repaired, outboxID string
		var created, verified, notParticipant int64
		if err := r.Scan(&id, &kind, &m.MessageID, &m.InReplyTo, &refs, &m.From, &m.FromName, &m.Subject, &env,
			&headers, &m.AuthResults, &m.Auth.SPF, &m.Auth.DKIM, &m.Auth.DMARC, &findings, &unscannable, &qid, &m.Size, &created,
			&repaired, &verified, &notParticipant, &outboxID, &m.ReplyDecision); err != nil {
			r.Close()
			return nil, fmt.Errorf("read messages: %w", err)
		}
		m.ID, m.TicketID, m.Kind = parseID(id), ticketID, MessageKind(kind)
		m.References = fromJSON[[]string](refs)
		m.Envelope = fromJSON[Envelope](env)
		m.Headers = fromJSON[[]Header](headers)
		m.Findings = fromJSON[[]Finding](findings)
		m.Unscannable = fromJSON[[]Unscannable](unscannable)
		m.QuarantineID, m.OutboxID = parseID(qid), parseID(outboxID)
		m.Created = fromMicros(created)
		m.SenderVerified, m.NotParticipant = verified != 0, notParticipant != 0
		if repaired != "" {
			m.Repaired = fromJSON[[]string](repaired)
		}
		m.Parts = []Part{}
		byID[id] = len(out)
		out = append(out, m)
	}
	err = r.Err()
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}

	r, err = c.read.Query(ctx, `SELECT p.message_id, p.location, p.content_type, p.filename, p.html, p.body, p.withheld, p.reason,
		p.released_by, p.released_at FROM parts p JOIN messages m ON m.id = p.message_id WHERE m.ticket_id = ? ORDER BY p.message_id, p.idx`, ticketID.String())
	if err != nil {
		return nil, fmt.Errorf("read parts: %w", err)
	}
	for r.Next() {
		var p Part
		var mid string
		var html, withheld, released int64
		if err := r.Scan(&mid, &p.Where, &p.ContentType, &p.Filename, &html, &p.Text, &withheld, &p.Reason, &p.ReleasedBy, &released); err != nil {
			r.Close()
			return nil, fmt.Errorf("read parts: %w", err)
		}
		p.HTML, p.Withheld = html != 0, withheld != 0
		if released != 0 {
			p.Released = fromMicros(released)
		}
		if i, ok := byID[mid]; ok {
			out[i].Parts = append(out[i].Parts, p)
		}
	}
	err = r.Err()
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("read parts: %w", err)
	}

	r, err = c.read.Query(ctx, `SELECT a.message_id, a.id, a.name, a.content_type, a.size, a.sha256
		FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.ticket_id = ? ORDER BY a.message_id, a.idx`, ticketID.String())
	if err != nil {
		return nil, fmt.Errorf("read attachments: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var a Attachment
		var mid, id string
		if err := r.Scan(&mid, &id, &a.Name, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return nil, fmt.Errorf("read attachments: %w", err)
		}
		a.ID = parseID(id)
		if i, ok := byID[mid]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("read attachments: %w", err)
	}
	return out, nil
}

func (c *core) GetAttachment(ctx context.Context, id uuid.UUID) (*Attachment, error) {
	var a Attachment
	var sid string
	if err := one(c.read.QueryRow(ctx, "SELECT id, name, content_type, size, sha256, content FROM attachments WHERE id = ?", id.String()),
		&sid, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.Content); err != nil {
		return nil, fmt.Errorf("get attachment %s: %w", id, err)
	}
	a.ID = parseID(sid)
	return &a, nil
}

func (c *core) SetStatus(ctx context.Context, ref string, s Status, actor string) error {
	if !s.Valid() {
		return fmt.Errorf("set status: %w: unknown status %q", ErrInvalid, s)
	}
	norm, err := ParseRef(ref)
	if err != nil {
		return fmt.Errorf("set status: %w", err)
	}
	err = c.write(ctx, func(q dbtx) error {
		now := c.now()
		var id, old string
		if err := one(q.QueryRow(ctx, "SELECT id, status FROM tickets WHERE ref = ?"+c.d.forUpdate, norm), &id, &old); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, "UPDATE tickets SET status = ?, updated_at = ? WHERE id = ?", string(s), micros(now), id); err != nil {
			return err
		}
		_, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: actor, Action: ActionTicketStatus, TicketID: id,
			Detail: map[string]string{"ref": norm, "from": old, "to": string(s)}})
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("set status of %s: %w", norm, ErrNotFound)
		}
		return fmt.Errorf("set status of %s: %w", norm, err)
	}
	return nil
}

func (c *core) AddParticipant(ctx context.Context, ref, address, actor string) error {
	norm, err := ParseRef(ref)
	if err != nil {
		return fmt.Errorf("add participant: %w", err)
	}
	addr := normAddr(address)
	if addr == "" || needsRepair(addr) || len(addr) > c.o.Limits.Short || actor == "" {
		return fmt.Errorf("add participant: %w: address and actor required, valid text", ErrInvalid)
	}
	err = c.write(ctx, func(q dbtx) error {
		var id string
		if err := one(q.QueryRow(ctx, "SELECT id FROM tickets WHERE ref = ?"+c.d.forUpdate, norm), &id); err != nil {
			return err
		}
		n, err := q.Exec(ctx, "INSERT INTO participants (ticket_id, address) VALUES (?, ?) ON CONFLICT DO NOTHING", id, addr)
		if err != nil || n == 0 {
			return err
		}
		_, err = c.appendAudit(ctx, q, AuditEvent{Actor: actor, Action: ActionParticipantAdd, TicketID: id,
			Detail: map[string]string{"ref": norm}})
		return err
	})
	if err != nil {
		return fmt.Errorf("add participant to %s: %w", norm, err)
	}
	return nil
}
