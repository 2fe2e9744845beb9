package tickets

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Staff is what desk/ needs of the store beyond reading tickets: the
// queue with its views, search and keyset paging; the messages staff add
// (notes, replies with their outbox job); assigning and moving a ticket;
// and the operator's outbox and audit views. Each change is one
// transaction with its audit event.
type Staff interface {
	// QueryTickets returns the tickets matching q, the most recently
	// active first (ties by id), from after q.After.
	QueryTickets(ctx context.Context, q TicketQuery) ([]Ticket, error)
	// AddStaffMessage adds a note or a reply to the ticket m.Ref names,
	// and for a reply queues m.Job linked to it, in one transaction with
	// the audit event. A reply to a new ticket opens it.
	AddStaffMessage(ctx context.Context, m StaffMessage) (Message, error)
	// UpdateTicket changes a ticket's status and/or assignee, auditing
	// each change. A change the ticket's status does not allow is
	// ErrConflict (closed is final) or ErrInvalid (back to new). Nothing
	// to change returns the ticket as it is and audits nothing.
	UpdateTicket(ctx context.Context, ref string, u TicketUpdate, actor string) (*Ticket, error)
	// TicketJobs lists a ticket's outbox jobs, oldest first.
	TicketJobs(ctx context.Context, ticketID uuid.UUID) ([]OutboxJob, error)
	// DropJob stops a pending or failed job: it stays, as dropped, and
	// the drop is audited with actor and reason. Dropping a dropped job
	// changes nothing (changed false); a job sent already or under a
	// live lease is ErrConflict.
	DropJob(ctx context.Context, id uuid.UUID, actor, reason string) (job *OutboxJob, changed bool, err error)
	// QueryAudit returns events matching q, newest first.
	QueryAudit(ctx context.Context, q AuditQuery) ([]AuditEvent, error)
	// MessageID is our Message-ID for a ticket, carrying its signed token
	// (Threader.MessageID with the store's own secret): a staff reply
	// composed anywhere (the CLI, another node) threads like serve's.
	MessageID(ticketID uuid.UUID, domain string) string
}

func (c *core) MessageID(ticketID uuid.UUID, domain string) string {
	return c.th.MessageID(ticketID, domain)
}

// TicketQuery selects a page of the queue; zero values mean "any".
type TicketQuery struct {
	Statuses  []Status // any of these
	Queue     string
	Assignee  *string // nil: any; "": unassigned
	Sensitive *bool
	Withheld  *bool
	// Search is what staff typed (see search.go); "" is no search.
	Search string
	// After continues the order after this ticket (keyset paging).
	After *TicketCursor
	Limit int // 0: all
}

// TicketCursor is a place in the queue's order: (last activity, id).
type TicketCursor struct {
	Activity time.Time
	ID       uuid.UUID
}

// CursorOf is the place of t in the queue's order.
func CursorOf(t Ticket) TicketCursor { return TicketCursor{Activity: t.LastActivity, ID: t.ID} }

// StaffMessage is a note or a reply as staff wrote it. Text has been
// checked by the caller (desk) and holds no full number.
type StaffMessage struct {
	Ref     string
	Kind    MessageKind // KindNote or KindReply
	Author  string      // the staff account's name, shown as the message's From
	Actor   string      // the audit name ("user:NAME", "cli:NAME")
	Subject string      // a reply's subject as sent
	Text    string
	// Job delivers a reply; queued in the same transaction and linked to
	// the message. Required for KindReply, refused for a note.
	Job *OutboxJob
}

// TicketUpdate is a change of status and/or assignee; zero values leave
// a field as it is.
type TicketUpdate struct {
	Status   Status
	Assignee *string // "": unassign
}

// AuditQuery selects audit events; zero values mean "any".
type AuditQuery struct {
	Actor    string
	Action   string
	TicketID uuid.UUID
	// Ref also finds the events that name the ticket in their detail
	// (they outlive a ticket that retention deleted). With TicketID, an
	// event matching either is taken.
	Ref       string
	Since     time.Time
	Until     time.Time // events before it; zero: no end
	BeforeSeq int64     // paging: only events older than this one
	Limit     int       // 0: all
}
