package desk

import (
	"context"
	"errors"
	"slices"

	"github.com/intake-mail/intake/tickets"
)

// Patch is a change of a ticket (the API's PATCH); nil fields stay.
type Patch struct {
	Status   *tickets.Status `json:"status"`
	Assignee *string         `json:"assignee"` // "" unassigns
}

// Assign gives ref to assignee, an enabled staff account that works
// tickets (agent or admin), or to nobody with "". Callers resolve "me".
func (d *Desk) Assign(ctx context.Context, a Actor, ref, assignee string) (*tickets.Ticket, error) {
	return d.Update(ctx, a, ref, Patch{Assignee: &assignee})
}

// SetStatus moves ref to status. Closed is final and nothing goes back to
// new (see tickets.CheckTransition); setting the status it has changes
// nothing and audits nothing.
func (d *Desk) SetStatus(ctx context.Context, a Actor, ref string, status tickets.Status) (*tickets.Ticket, error) {
	return d.Update(ctx, a, ref, Patch{Status: &status})
}

// Update applies p to ref in one transaction, an audit event for each
// field that changed.
func (d *Desk) Update(ctx context.Context, a Actor, ref string, p Patch) (*tickets.Ticket, error) {
	if err := d.need(a, ticketRoles...); err != nil {
		return nil, err
	}
	norm, err := parseRef(ref)
	if err != nil {
		return nil, err
	}
	if p.Status == nil && p.Assignee == nil {
		return nil, badRequest("nothing to change: give a status, an assignee, or both")
	}
	var u tickets.TicketUpdate
	if p.Status != nil {
		if !p.Status.Valid() {
			return nil, invalid("unknown status %q (want new, open, pending, solved, closed or spam)", clip(string(*p.Status), 20))
		}
		u.Status = *p.Status
	}
	if p.Assignee != nil && *p.Assignee != "" {
		if err := d.assignable(ctx, a, *p.Assignee); err != nil {
			return nil, err
		}
	}
	u.Assignee = p.Assignee
	// Say what is wrong in words before the store refuses it in a code;
	// the store checks again in its transaction.
	cur, err := d.st.GetTicket(ctx, norm)
	if err != nil {
		return nil, d.ticketErr(a, "update ticket", norm, err)
	}
	if u.Status != "" {
		if err := tickets.CheckTransition(cur.Status, u.Status); err != nil {
			return nil, transitionErr(norm, cur.Status, u.Status, err)
		}
	}
	if u.Assignee != nil && cur.Status == tickets.StatusClosed && *u.Assignee != cur.Assignee {
		return nil, conflict("%s is closed, and closed is final", norm)
	}
	t, err := d.st.UpdateTicket(ctx, norm, u, a.AuditName())
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		return nil, notFound("no ticket " + norm)
	case errors.Is(err, tickets.ErrConflict):
		return nil, conflict("%s changed meanwhile (it was closed); reload it", norm)
	case err != nil:
		return nil, d.fail(a, "update ticket", err)
	}
	return t, nil
}

func transitionErr(ref string, from, to tickets.Status, err error) error {
	if errors.Is(err, tickets.ErrConflict) {
		return conflict("%s is closed, and closed is final (a member's new mail opens a new ticket)", ref)
	}
	return invalid("%s cannot go from %s to %s: only new mail makes a ticket new", ref, from, to)
}

// assignable checks that name is an enabled account that works tickets.
func (d *Desk) assignable(ctx context.Context, a Actor, name string) error {
	u, err := d.st.GetUser(ctx, name)
	if errors.Is(err, tickets.ErrNotFound) {
		return invalid("no staff account %q", clip(name, 40))
	}
	if err != nil {
		return d.fail(a, "look up assignee", err)
	}
	if u.Disabled {
		return invalid("the account %q is disabled", clip(name, 40))
	}
	if !slices.Contains(u.Roles, tickets.RoleAgent) && !slices.Contains(u.Roles, tickets.RoleAdmin) {
		return invalid("the account %q does not work tickets (it has neither the agent nor the admin role)", clip(name, 40))
	}
	return nil
}
