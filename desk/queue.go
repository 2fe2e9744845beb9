package desk

import (
	"context"
	"encoding/json"

	"github.com/intake-mail/intake/tickets"
)

// Views of the queue, as the web's tabs name them.
const (
	ViewUnassigned = "unassigned" // new, open or pending, nobody's
	ViewMine       = "mine"       // new, open or pending, the actor's
	ViewOpen       = "open"       // new or open: "all open"
	ViewPending    = "pending"
	ViewSolved     = "solved"
	ViewAll        = "all" // every ticket, closed and spam too (the default)
)

// Page sizes: a page is for reading, not for copying the store.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

var active = []tickets.Status{tickets.StatusNew, tickets.StatusOpen, tickets.StatusPending}

// TicketQuery is what a queue page asks for; zero values mean "any".
type TicketQuery struct {
	View     string         // one of the View constants; "" is ViewAll
	Status   tickets.Status // within the view
	Queue    string
	Assignee string // a staff name ("me" is the caller's to resolve)
	// Q searches the masked subject and text (see tickets/search.go).
	Q         string
	Sensitive *bool // a number was masked
	Withheld  *bool // a part was withheld
	Limit     int   // 0: DefaultPageSize; at most MaxPageSize
	Cursor    string
}

// TicketPage is one page of the queue, the most recently active first.
// Each ticket is the object `intake tickets list --json` prints.
type TicketPage struct {
	Tickets []tickets.Ticket
	// Next continues after this page; "" on the last.
	Next string
}

// MarshalJSON is the API's answer: {"tickets":[...],"next":CURSOR|null}.
func (p TicketPage) MarshalJSON() ([]byte, error) {
	var next *string
	if p.Next != "" {
		next = &p.Next
	}
	ts := p.Tickets
	if ts == nil {
		ts = []tickets.Ticket{}
	}
	return json.Marshal(struct {
		Tickets []tickets.Ticket `json:"tickets"`
		Next    *string          `json:"next"`
	}{ts, next})
}

// ListTickets returns a page of the queue.
func (d *Desk) ListTickets(ctx context.Context, a Actor, q TicketQuery) (TicketPage, error) {
	if err := d.need(a, ticketRoles...); err != nil {
		return TicketPage{}, err
	}
	sq := tickets.TicketQuery{Queue: q.Queue, Sensitive: q.Sensitive, Withheld: q.Withheld, Search: q.Q}
	if q.Assignee != "" {
		sq.Assignee = &q.Assignee
	}
	var statuses []tickets.Status
	switch q.View {
	case "", ViewAll:
	case ViewUnassigned:
		statuses, sq.Assignee = active, ptr("")
		if q.Assignee != "" {
			return TicketPage{}, badRequest("the unassigned view has no assignee")
		}
	case ViewMine:
		statuses, sq.Assignee = active, ptr(a.Name)
	case ViewOpen:
		statuses = []tickets.Status{tickets.StatusNew, tickets.StatusOpen}
	case ViewPending:
		statuses = []tickets.Status{tickets.StatusPending}
	case ViewSolved:
		statuses = []tickets.Status{tickets.StatusSolved}
	default:
		return TicketPage{}, badRequest("unknown view %q (want unassigned, mine, open, pending, solved or all)", clip(q.View, 20))
	}
	if q.Status != "" {
		if !q.Status.Valid() {
			return TicketPage{}, badRequest("unknown status %q (want new, open, pending, solved, closed or spam)", clip(string(q.Status), 20))
		}
		if statuses != nil && !contains(statuses, q.Status) {
			return TicketPage{Tickets: []tickets.Ticket{}}, nil // the view holds no ticket of that status
		}
		statuses = []tickets.Status{q.Status}
	}
	sq.Statuses = statuses
	switch {
	case q.Limit < 0:
		return TicketPage{}, badRequest("limit must not be negative")
	case q.Limit == 0:
		q.Limit = DefaultPageSize
	case q.Limit > MaxPageSize:
		q.Limit = MaxPageSize
	}
	after, err := decodeCursor(q.Cursor)
	if err != nil {
		return TicketPage{}, err
	}
	sq.After = after
	// One more than the page tells whether there is a next one.
	sq.Limit = q.Limit + 1
	ts, err := d.st.QueryTickets(ctx, sq)
	if err != nil {
		if tickets.IsInvalid(err) {
			return TicketPage{}, badRequest("the search is too long or not text (at most 8 words, 512 bytes)")
		}
		return TicketPage{}, d.fail(a, "list tickets", err)
	}
	page := TicketPage{Tickets: ts}
	if len(ts) > q.Limit {
		page.Tickets = ts[:q.Limit]
		page.Next = encodeCursor(tickets.CursorOf(ts[q.Limit-1]))
	}
	return page, nil
}

func ptr[T any](v T) *T { return &v }

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
