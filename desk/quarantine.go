package desk

import (
	"context"
	"errors"
	"strconv"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

// The quarantine is the privacy role's: whoever else an account is
// (admin included), without that role it gets 403 here. Reading the
// sealed original is audited before it leaves the store; whether the
// identity (held offline) opened it is audited when reported.

// QuarantineQuery selects quarantine items; zero values mean "any".
type QuarantineQuery struct {
	State tickets.QuarantineState
	Limit int // 0: all
}

// ListQuarantine lists items (metadata: causes, findings as type/last
// four/where, sizes, deadlines; never ciphertext), oldest first, audited
// (quarantine.view).
func (d *Desk) ListQuarantine(ctx context.Context, a Actor, q QuarantineQuery) ([]tickets.QuarantineItem, error) {
	if err := d.need(a, quarantineRoles...); err != nil {
		return nil, err
	}
	switch q.State {
	case "", tickets.QuarantineHeld, tickets.QuarantineReleased, tickets.QuarantinePurged:
	default:
		return nil, badRequest("unknown state %q (want held, released or purged)", clip(string(q.State), 20))
	}
	if q.Limit < 0 {
		return nil, badRequest("limit must not be negative")
	}
	items, err := d.st.ListQuarantine(ctx, tickets.QuarantineFilter{State: q.State, Limit: q.Limit})
	if err != nil {
		return nil, d.fail(a, "list quarantine", err)
	}
	// No look without its record: the list names tickets and last fours.
	if err := d.audit(ctx, a, tickets.AuditEvent{Action: tickets.ActionQuarantineView,
		Detail: map[string]string{"list": "quarantine", "state": string(q.State), "items": strconv.Itoa(len(items))}}); err != nil {
		return nil, err
	}
	return items, nil
}

// GetQuarantine returns one item's metadata, audited (quarantine.view).
func (d *Desk) GetQuarantine(ctx context.Context, a Actor, id uuid.UUID) (*tickets.QuarantineItem, error) {
	it, err := d.privacyItem(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := d.audit(ctx, a, tickets.AuditEvent{Action: tickets.ActionQuarantineView, TicketID: it.TicketID.String(), ItemID: id.String(),
		Detail: map[string]string{"ref": it.TicketRef}}); err != nil {
		return nil, err
	}
	return it, nil
}

// audit records e under a's name; a failure is ours, and the look it
// records does not happen.
func (d *Desk) audit(ctx context.Context, a Actor, e tickets.AuditEvent) error {
	e.Actor = a.AuditName()
	if _, err := d.st.AppendAudit(ctx, e); err != nil {
		return d.fail(a, "audit "+e.Action, err)
	}
	return nil
}

// privacyItem checks a's role, then reads item id.
func (d *Desk) privacyItem(ctx context.Context, a Actor, id uuid.UUID) (*tickets.QuarantineItem, error) {
	if err := d.need(a, quarantineRoles...); err != nil {
		return nil, err
	}
	return d.item(ctx, a, id)
}

func (d *Desk) item(ctx context.Context, a Actor, id uuid.UUID) (*tickets.QuarantineItem, error) {
	it, err := d.st.GetQuarantine(ctx, id)
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, notFound("no quarantine item " + id.String())
	}
	if err != nil {
		return nil, d.fail(a, "get quarantine item", err)
	}
	return it, nil
}

// FetchSealed returns the item with its age ciphertext, audited first
// (quarantine.fetch). A purged item has none: 404... as gone.
func (d *Desk) FetchSealed(ctx context.Context, a Actor, id uuid.UUID) (*tickets.QuarantineItem, error) {
	if err := d.need(a, quarantineRoles...); err != nil {
		return nil, err
	}
	it, err := d.st.FetchQuarantine(ctx, id, a.AuditName())
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, notFound("no sealed original for " + id.String() + " (unknown, or purged)")
	}
	if err != nil {
		return nil, d.fail(a, "fetch quarantine item", err)
	}
	return it, nil
}

// RecordOpen audits whether the actor's identity opened a fetched item:
// quarantine.open, or quarantine.open_failed with reason, a short code
// such as tickets.OpenFailureReason gives.
func (d *Desk) RecordOpen(ctx context.Context, a Actor, id uuid.UUID, opened bool, reason string) error {
	if err := d.need(a, quarantineRoles...); err != nil {
		return err
	}
	err := d.st.RecordQuarantineOpen(ctx, id, a.AuditName(), opened, reason)
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		return notFound("no quarantine item " + id.String())
	case errors.Is(err, tickets.ErrInvalid):
		return invalid("the reason must be a short code (letters, digits and _.:- only)")
	case err != nil:
		return d.fail(a, "record quarantine open", err)
	}
	return nil
}

// SetLegalHold puts item id under a legal hold (hold true) or lifts it:
// held, neither retention nor a purge removes it or its ticket. Setting
// what already is answers the same and audits nothing more.
func (d *Desk) SetLegalHold(ctx context.Context, a Actor, id uuid.UUID, hold bool) (*tickets.QuarantineItem, error) {
	if _, err := d.privacyItem(ctx, a, id); err != nil {
		return nil, err
	}
	if err := d.st.SetLegalHold(ctx, id, hold, a.AuditName()); err != nil {
		if errors.Is(err, tickets.ErrConflict) {
			return nil, conflict("item %s was purged; there is nothing to hold", id)
		}
		return nil, d.fail(a, "set legal hold", err)
	}
	return d.item(ctx, a, id)
}

// Purge deletes an item's ciphertext now. Purging a purged item answers
// the same and audits nothing more.
func (d *Desk) Purge(ctx context.Context, a Actor, id uuid.UUID) (*tickets.QuarantineItem, error) {
	it, err := d.privacyItem(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if it.State == tickets.QuarantinePurged {
		return it, nil
	}
	if it.LegalHold {
		return nil, conflict("item %s is under a legal hold: lift the hold before purging it", id)
	}
	if err := d.st.PurgeQuarantine(ctx, id, a.AuditName()); err != nil {
		if errors.Is(err, tickets.ErrConflict) {
			return nil, conflict("item %s is under a legal hold: lift the hold before purging it", id)
		}
		return nil, d.fail(a, "purge quarantine item", err)
	}
	return d.item(ctx, a, id)
}

// ItemView is an item with where each part of its message stands now:
// withheld and why, released and by whom. The parts' text is left out:
// the officer reads the original itself.
type ItemView struct {
	*tickets.QuarantineItem
	Parts []tickets.Part `json:"parts"`
}

// ShowQuarantine is GetQuarantine (audited the same) with the parts of
// the item's message.
func (d *Desk) ShowQuarantine(ctx context.Context, a Actor, id uuid.UUID) (*ItemView, error) {
	it, err := d.GetQuarantine(ctx, a, id)
	if err != nil {
		return nil, err
	}
	t, err := d.st.GetTicketByID(ctx, it.TicketID)
	if err != nil {
		return nil, d.fail(a, "read the item's ticket", err)
	}
	v := &ItemView{QuarantineItem: it, Parts: []tickets.Part{}}
	for _, m := range t.Messages {
		if m.ID != it.MessageID {
			continue
		}
		for _, p := range m.Parts {
			p.Text = ""
			v.Parts = append(v.Parts, p)
		}
	}
	return v, nil
}
