package desk

import (
	"context"
	"errors"
	"strings"

	"github.com/intake-mail/intake/reply"
	"github.com/intake-mail/intake/tickets"
)

// Notification settings: each staff member chooses their own (the
// settings page, GET/PUT /api/v1/me/notifications). The address must be
// in [web] notify_domains, checked here when it is set and by the
// outbox worker again when a notification is sent.

// NotifyChange is what a staff member sets.
type NotifyChange struct {
	Email     string   `json:"email"`
	NewTicket bool     `json:"new_ticket"`
	Followup  bool     `json:"followup"`
	Queues    []string `json:"queues"` // empty: every queue
}

// NotifyView is one's settings, with what the server allows.
type NotifyView struct {
	tickets.NotifySettings
	// Domains are the domains an address may be in; empty: this server
	// sends no notifications.
	Domains []string `json:"domains"`
}

// NotifySettings returns a's own settings.
func (d *Desk) NotifySettings(ctx context.Context, a Actor) (NotifyView, error) {
	if err := a.need(ticketRoles...); err != nil {
		return NotifyView{}, err
	}
	u, err := d.st.GetUser(ctx, a.Name)
	if err != nil {
		return NotifyView{}, d.fail(a, "read notification settings", err)
	}
	s, err := d.st.GetNotifySettings(ctx, u.ID)
	if err != nil {
		return NotifyView{}, d.fail(a, "read notification settings", err)
	}
	return NotifyView{NotifySettings: s, Domains: d.notifyDomains()}, nil
}

func (d *Desk) notifyDomains() []string {
	if d.domains == nil {
		return []string{}
	}
	return d.domains
}

// SetNotifySettings changes a's own settings (audited user.notify). An
// address outside notify_domains is a 422; asking for mail without an
// address too.
func (d *Desk) SetNotifySettings(ctx context.Context, a Actor, ch NotifyChange) (NotifyView, error) {
	if err := a.need(ticketRoles...); err != nil {
		return NotifyView{}, err
	}
	ch.Email = strings.TrimSpace(ch.Email)
	switch {
	case ch.Email != "" && len(d.domains) == 0:
		return NotifyView{}, invalid("this server sends no notifications ([web] notify_domains is empty)")
	case ch.Email != "" && !reply.NotifyAllowed(ch.Email, d.domains):
		return NotifyView{}, invalid("the address must be a plain address in %s", strings.Join(d.domains, ", "))
	case ch.Email == "" && (ch.NewTicket || ch.Followup):
		return NotifyView{}, invalid("give your address to get notifications")
	}
	var queues []string
	for _, q := range ch.Queues {
		for _, w := range strings.Split(q, ",") {
			if w = strings.TrimSpace(w); w != "" {
				if len(w) > 64 {
					return NotifyView{}, invalid("a queue name is at most 64 characters")
				}
				queues = append(queues, w)
			}
		}
	}
	u, err := d.st.GetUser(ctx, a.Name)
	if err != nil {
		return NotifyView{}, d.fail(a, "set notification settings", err)
	}
	s, err := d.st.SetNotifySettings(ctx, tickets.NotifySettings{UserID: u.ID, Email: ch.Email, NewTicket: ch.NewTicket,
		Followup: ch.Followup, Queues: queues}, a.AuditName())
	if errors.Is(err, tickets.ErrInvalid) {
		return NotifyView{}, invalid("the address or a queue name cannot be kept (not text, or too long)")
	}
	if err != nil {
		return NotifyView{}, d.fail(a, "set notification settings", err)
	}
	return NotifyView{NotifySettings: s, Domains: d.notifyDomains()}, nil
}

// NotifyAddresses are the notification addresses of every account that
// set one, by name, for the admin's users page (admin).
func (d *Desk) NotifyAddresses(ctx context.Context, a Actor) (map[string]string, error) {
	if err := d.need(a, adminRoles...); err != nil {
		return nil, err
	}
	us, err := d.st.ListUsers(ctx)
	if err != nil {
		return nil, d.fail(a, "list users", err)
	}
	out := map[string]string{}
	for _, u := range us {
		s, err := d.st.GetNotifySettings(ctx, u.ID)
		if err != nil {
			return nil, d.fail(a, "read notification settings", err)
		}
		if s.Email != "" {
			out[u.Name] = s.Email
		}
	}
	return out, nil
}
