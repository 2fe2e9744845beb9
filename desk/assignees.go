package desk

import (
	"context"
	"slices"

	"github.com/intake-mail/intake/tickets"
)

// Assignees lists the names a ticket may be given to: enabled accounts
// with the agent or admin role, by name. Anyone who works tickets may ask
// (the ticket page's "assign to" list); it tells no more than the
// assignee column of the queue does.
func (d *Desk) Assignees(ctx context.Context, a Actor) ([]string, error) {
	if err := d.need(a, ticketRoles...); err != nil {
		return nil, err
	}
	us, err := d.st.ListUsers(ctx)
	if err != nil {
		return nil, d.fail(a, "list assignees", err)
	}
	names := []string{}
	for _, u := range us {
		if !u.Disabled && (slices.Contains(u.Roles, tickets.RoleAgent) || slices.Contains(u.Roles, tickets.RoleAdmin)) {
			names = append(names, u.Name)
		}
	}
	return names, nil
}
