package tickets

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// The queue's pages. Every view is an ordered index scan: a status list
// becomes one ORDER BY ... LIMIT subquery per status, each served by the
// (status, activity_at, id) or (assignee, status, activity_at, id) index,
// merged by UNION ALL, so a page costs its size times the statuses, not
// the size of the queue. Paging is by keyset, (activity_at, id) below the
// last row shown, never OFFSET.

func (c *core) QueryTickets(ctx context.Context, q TicketQuery) ([]Ticket, error) {
	if q.Limit < 0 {
		return nil, fmt.Errorf("query tickets: %w: negative limit", ErrInvalid)
	}
	for _, s := range q.Statuses {
		if !s.Valid() {
			return nil, fmt.Errorf("query tickets: %w: unknown status %q", ErrInvalid, s)
		}
	}
	pieces, err := parseSearch(q.Search)
	if err != nil {
		return nil, fmt.Errorf("query tickets: %w", err)
	}

	var conds []string
	var args []any
	if q.Queue != "" {
		conds, args = append(conds, "t.queue = ?"), append(args, q.Queue)
	}
	if q.Assignee != nil {
		conds, args = append(conds, "t.assignee = ?"), append(args, *q.Assignee)
	}
	if q.Sensitive != nil {
		conds, args = append(conds, "t.sensitive = ?"), append(args, b2i(*q.Sensitive))
	}
	if q.Withheld != nil {
		conds, args = append(conds, "t.withheld = ?"), append(args, b2i(*q.Withheld))
	}
	if q.After != nil {
		conds = append(conds, "(t.activity_at, t.id) < (?, ?)")
		args = append(args, micros(q.After.Activity), q.After.ID.String())
	}
	if len(pieces) > 0 {
		// A search sees everything filed before it.
		pending, err := c.searchPending(ctx)
		if err != nil {
			return nil, fmt.Errorf("query tickets: %w", err)
		}
		if pending {
			if _, err := c.indexPending(ctx); err != nil {
				return nil, fmt.Errorf("query tickets: %w", err)
			}
		}
	}
	sc, sa, err := c.searchConds(ctx, pieces)
	if err != nil {
		return nil, fmt.Errorf("query tickets: %w", err)
	}
	conds, args = append(conds, sc...), append(args, sa...)

	const order = " ORDER BY activity_at DESC, id DESC"
	limit := ""
	if q.Limit > 0 {
		limit = " LIMIT " + strconv.Itoa(q.Limit)
	}
	branch := func(extra string) string {
		where := conds
		if extra != "" {
			where = append([]string{extra}, conds...)
		}
		s := "SELECT " + ticketCols + " FROM tickets t"
		if len(where) > 0 {
			s += " WHERE " + strings.Join(where, " AND ")
		}
		return s
	}
	var query string
	var all []any
	switch {
	case len(q.Statuses) == 1:
		query, all = branch("t.status = ?")+order+limit, append([]any{string(q.Statuses[0])}, args...)
	case len(q.Statuses) > 1 && q.Limit > 0:
		parts := make([]string, len(q.Statuses))
		for i, s := range q.Statuses {
			parts[i] = "SELECT * FROM (" + branch("t.status = ?") + order + limit + ") s" + strconv.Itoa(i)
			all = append(append(all, string(s)), args...)
		}
		query = strings.Join(parts, " UNION ALL ") + order + limit
	case len(q.Statuses) > 1:
		in := strings.TrimSuffix(strings.Repeat("?, ", len(q.Statuses)), ", ")
		for _, s := range q.Statuses {
			all = append(all, string(s))
		}
		query, all = branch("t.status IN ("+in+")")+order, append(all, args...)
	default:
		query, all = branch("")+order+limit, args
	}

	r, err := c.read.Query(ctx, query, all...)
	if err != nil {
		return nil, fmt.Errorf("query tickets: %w", err)
	}
	defer r.Close()
	out := []Ticket{}
	for r.Next() {
		t, err := scanTicket(r)
		if err != nil {
			return nil, fmt.Errorf("query tickets: %w", err)
		}
		out = append(out, t)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("query tickets: %w", err)
	}
	return out, nil
}
