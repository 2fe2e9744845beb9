package desk

import (
	"context"
	"errors"
	"time"

	"github.com/intake-mail/intake/tickets"
)

// AuditQuery selects audit events, newest first; zero values mean "any".
type AuditQuery struct {
	Actor  string // as recorded: "user:NAME", "cli:NAME", "gateway"...
	Action string
	Ref    string // the events of one ticket (also after retention deleted it)
	Since  time.Time
	Until  time.Time // events before it; zero: no end
	Limit  int       // 0: 100; at most 1000
	Cursor string
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Events []tickets.AuditEvent `json:"events"`
	Next   *string              `json:"next"` // null on the last page
}

// ListAudit returns a page of the audit log (admin).
func (d *Desk) ListAudit(ctx context.Context, a Actor, q AuditQuery) (AuditPage, error) {
	if err := d.need(a, adminRoles...); err != nil {
		return AuditPage{}, err
	}
	sq := tickets.AuditQuery{Actor: q.Actor, Action: q.Action, Since: q.Since, Until: q.Until}
	if q.Ref != "" {
		norm, err := parseRef(q.Ref)
		if err != nil {
			return AuditPage{}, err
		}
		sq.Ref = norm
		if t, err := d.st.GetTicket(ctx, norm); err == nil {
			sq.TicketID = t.ID
		} else if !errors.Is(err, tickets.ErrNotFound) {
			return AuditPage{}, d.fail(a, "list audit", err)
		}
	}
	switch {
	case q.Limit < 0:
		return AuditPage{}, badRequest("limit must not be negative")
	case q.Limit == 0:
		q.Limit = 100
	case q.Limit > 1000:
		q.Limit = 1000
	}
	before, err := decodeAuditCursor(q.Cursor)
	if err != nil {
		return AuditPage{}, err
	}
	sq.BeforeSeq, sq.Limit = before, q.Limit+1
	evs, err := d.st.QueryAudit(ctx, sq)
	if err != nil {
		return AuditPage{}, d.fail(a, "list audit", err)
	}
	page := AuditPage{Events: evs}
	if len(evs) > q.Limit {
		page.Events = evs[:q.Limit]
		next := encodeAuditCursor(evs[q.Limit-1].Seq)
		page.Next = &next
	}
	return page, nil
}

// VerifyAudit walks the audit chain (admin): see tickets.Audit.
func (d *Desk) VerifyAudit(ctx context.Context, a Actor, anchors ...tickets.AuditAnchor) (tickets.VerifyReport, error) {
	if err := d.need(a, adminRoles...); err != nil {
		return tickets.VerifyReport{}, err
	}
	rep, err := d.st.VerifyAudit(ctx, anchors...)
	if err != nil {
		return rep, d.fail(a, "verify audit", err)
	}
	return rep, nil
}
