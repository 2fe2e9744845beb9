package desk

// The staff actions, by the role they need (see Actor.need):
//
//	agent or admin: ListTickets, ShowTicket, AddNote, Reply, Assign,
//	                SetStatus, Update, Attachment
//	privacy:        ListQuarantine, GetQuarantine, FetchSealed, RecordOpen,
//	                ReleasePart, ReleaseFromOriginal, SetLegalHold, Purge
//	admin:          ListOutbox, RetryJob, DropJob, ListAudit, VerifyAudit
//	privacy, admin: Report
//	agent or admin, for themselves: NotifySettings, SetNotifySettings
//
// What they return is what the CLI's --json prints and the JSON API
// answers, encoded with encoding/json as it is: TicketPage (a queue page,
// {"tickets":[...],"next":CURSOR|null}, each ticket a tickets.Ticket),
// TicketView (one ticket and its thread of MessageView), MessageView (a
// note or reply just added), tickets.Ticket (after Assign, SetStatus,
// Update), tickets.QuarantineItem, OutboxJob, AuditPage and
// tickets.VerifyReport. Errors are *Error (AsError), whose Status and Code
// the API answers with.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// Replier composes a staff reply as an outbox job, threaded and checked
// (outbound DLP); *reply.Responder is the real one.
type Replier interface {
	StaffJob(ctx context.Context, s reply.StaffReply) (tickets.OutboxJob, error)
}

// Options configure a Desk.
type Options struct {
	Store tickets.Store
	// Replier composes staff replies; nil refuses them (a store opened
	// only to read, say).
	Replier Replier
	Now     func() time.Time // nil: time.Now
	Logger  *slog.Logger     // nil: slog.Default()
	// Scanner reads a released quarantine part again (see ReleasePart);
	// nil: scan.New(scan.DefaultLimits()).
	Scanner Scanner
	// NotifyDomains are [web] notify_domains: the domains a staff
	// member's notification address may be in (see notify.go).
	NotifyDomains []string
}

// Desk is every staff action. It is safe for concurrent use.
type Desk struct {
	st  tickets.Store
	rep Replier
	now func() time.Time
	log *slog.Logger
	sc  Scanner
	// domains are the notify_domains.
	domains []string
}

// New returns a Desk over o.Store.
func New(o Options) (*Desk, error) {
	if o.Store == nil {
		return nil, errors.New("desk: no store")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Desk{st: o.Store, rep: o.Replier, now: o.Now, log: o.Logger, sc: o.Scanner, domains: o.NotifyDomains}, nil
}

// fail turns err into what the caller hears: an *Error as it is, a store
// error that is really the caller's mapped to theirs, anything else a 500
// whose detail is logged here (never shown: it may name a table, never
// member text, since none reaches an error).
func (d *Desk) fail(a Actor, action string, err error) error {
	e := AsError(ourErr(err, action))
	if e.Status >= 500 {
		d.log.Error("staff action failed", "action", action, "actor", a.AuditName(), "err", e.Err)
	}
	return e
}

// need checks a's roles for action.
func (d *Desk) need(a Actor, roles ...tickets.Role) error {
	return a.need(roles...)
}

// Roles each kind of action needs. Roles add up and do not imply each
// other, but for one thing: an admin may work the ticket queue as an
// agent does. The quarantine is the privacy role's alone, whoever else
// one is; the outbox and the audit log are the admin's.
var (
	ticketRoles     = []tickets.Role{tickets.RoleAgent, tickets.RoleAdmin}
	quarantineRoles = []tickets.Role{tickets.RolePrivacy}
	adminRoles      = []tickets.Role{tickets.RoleAdmin}
)

func badRequest(format string, args ...any) error {
	return userErrf(400, CodeBadRequest, format, args...)
}

func invalid(format string, args ...any) error {
	return userErrf(422, CodeInvalid, format, args...)
}

func conflict(format string, args ...any) error {
	return userErrf(409, CodeConflict, format, args...)
}

func notFound(what string) error {
	return userErrf(404, CodeNotFound, "%s", what)
}

// parseRef is a ref as staff type it; a malformed one is a 400.
func parseRef(ref string) (string, error) {
	norm, err := tickets.ParseRef(ref)
	if err != nil {
		return "", badRequest("%q is not a ticket ref (like T-7K3F9Q)", clip(ref, 20))
	}
	return norm, nil
}

// clip keeps what staff typed short in an error message.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// notFoundTicket maps the store's not-found for ref.
func (d *Desk) ticketErr(a Actor, action, ref string, err error) error {
	if errors.Is(err, tickets.ErrNotFound) {
		return notFound(fmt.Sprintf("no ticket %s", ref))
	}
	return d.fail(a, action, err)
}
