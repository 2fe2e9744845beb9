package tickets

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

func (c *core) QueryAudit(ctx context.Context, q AuditQuery) ([]AuditEvent, error) {
	var conds []string
	var args []any
	if q.Actor != "" {
		conds, args = append(conds, "actor = ?"), append(args, q.Actor)
	}
	if q.Action != "" {
		conds, args = append(conds, "action = ?"), append(args, q.Action)
	}
	var ticket []string
	if q.TicketID != uuid.Nil {
		ticket, args = append(ticket, "ticket_id = ?"), append(args, q.TicketID.String())
	}
	if q.Ref != "" {
		ref, err := ParseRef(q.Ref)
		if err != nil {
			return nil, fmt.Errorf("query audit: %w", err)
		}
		// Details are JSON with sorted keys, written by jsonText; a ref
		// holds no LIKE wildcard.
		ticket, args = append(ticket, "detail LIKE ?"), append(args, `%"ref":"`+ref+`"%`)
	}
	if len(ticket) > 0 {
		conds = append(conds, "("+strings.Join(ticket, " OR ")+")")
	}
	if !q.Since.IsZero() {
		conds, args = append(conds, "at >= ?"), append(args, micros(q.Since))
	}
	if !q.Until.IsZero() {
		conds, args = append(conds, "at < ?"), append(args, micros(q.Until))
	}
	if q.BeforeSeq > 0 {
		conds, args = append(conds, "seq < ?"), append(args, q.BeforeSeq)
	}
	query := "SELECT " + auditCols + " FROM audit"
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY seq DESC"
	if q.Limit > 0 {
		query += " LIMIT " + strconv.Itoa(q.Limit)
	}
	r, err := c.read.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query audit: %w", err)
	}
	defer r.Close()
	out := []AuditEvent{}
	for r.Next() {
		e, err := scanAudit(r)
		if err != nil {
			return nil, fmt.Errorf("query audit: %w", err)
		}
		out = append(out, e)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("query audit: %w", err)
	}
	return out, nil
}
