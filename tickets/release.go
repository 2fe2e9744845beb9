package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"
)

// A release is the privacy officer's decision, after reading a sealed
// original, that a part the gateway withheld may join the ticket. The
// store cannot read the original: what joins is what the caller (desk/)
// made of the officer's copy of the part by scanning it again, masked,
// and the store checks only that it replaces a part that is withheld.

// Release is one withheld part of an item's message, released.
type Release struct {
	Item  uuid.UUID
	Where string // the withheld part's location, as its row has it
	// Parts join the message: the first in the withheld part's place,
	// the others (files inside a released archive) after the message's
	// last part. Their text is masked; none may be withheld.
	Parts []Part
	// Attachments are clean files (scanned again, nothing found) staff
	// may download.
	Attachments []Attachment
	Actor       string
	// Detail goes into the audit event: counts and codes, never text.
	Detail map[string]string
}

// ReleasePart applies r in one transaction: the parts and files, the
// ticket's withheld flag, the item's state (released), the audit event.
func (c *core) ReleasePart(ctx context.Context, r Release) error {
	if r.Actor == "" || r.Where == "" || len(r.Parts) == 0 {
		return fmt.Errorf("release part: %w: actor, where and at least one part required", ErrInvalid)
	}
	l := c.o.Limits
	for _, p := range r.Parts {
		if p.Withheld {
			return fmt.Errorf("release part: %w: a released part cannot be withheld", ErrInvalid)
		}
		for _, err := range []error{checkLen("part.where", p.Where, l.Header), checkLen("part.content_type", p.ContentType, l.Short),
			checkLen("part.filename", p.Filename, l.Header), checkLen("part.text", p.Text, l.Text)} {
			if err != nil {
				return fmt.Errorf("release part: %w", err)
			}
		}
	}
	for _, a := range r.Attachments {
		for _, err := range []error{checkLen("attachment.name", a.Name, l.Header), checkLen("attachment.content_type", a.ContentType, l.Short),
			checkLen("attachment.content", string(a.Content), l.Attachment)} {
			if err != nil {
				return fmt.Errorf("release part: %w", err)
			}
		}
	}
	attIDs := make([]uuid.UUID, len(r.Attachments))
	for i := range attIDs {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("release part: %w", err)
		}
		attIDs[i] = id
	}
	err := c.write(ctx, func(q dbtx) error {
		now := c.now()
		var tid, mid, ref, state string
		if err := one(q.QueryRow(ctx, "SELECT q.ticket_id, q.message_id, t.ref, q.state FROM quarantine q JOIN tickets t ON t.id = q.ticket_id WHERE q.id = ?",
			r.Item.String()), &tid, &mid, &ref, &state); err != nil {
			return err
		}
		if state == string(QuarantinePurged) {
			return fmt.Errorf("%w: the item was purged", ErrConflict)
		}
		var idx int64
		err := one(q.QueryRow(ctx, "SELECT idx FROM parts WHERE message_id = ? AND location = ? AND withheld <> 0 ORDER BY idx LIMIT 1", mid, r.Where), &idx)
		if errors.Is(err, ErrNotFound) {
			var released int64
			if one(q.QueryRow(ctx, "SELECT COUNT(*) FROM parts WHERE message_id = ? AND location = ? AND released_at <> 0", mid, r.Where), &released) == nil && released > 0 {
				return fmt.Errorf("%w: that part was released already", ErrConflict)
			}
			return fmt.Errorf("%w: no withheld part there", ErrNotFound)
		}
		if err != nil {
			return err
		}
		first := r.Parts[0]
		if _, err := q.Exec(ctx, `UPDATE parts SET content_type = ?, filename = ?, html = ?, body = ?, withheld = 0, reason = '',
			released_by = ?, released_at = ? WHERE message_id = ? AND idx = ?`,
			first.ContentType, first.Filename, b2i(first.HTML), first.Text, r.Actor, micros(now), mid, idx); err != nil {
			return fmt.Errorf("release part: %w", err)
		}
		var next int64
		if err := one(q.QueryRow(ctx, "SELECT COALESCE(MAX(idx), -1) + 1 FROM parts WHERE message_id = ?", mid), &next); err != nil {
			return err
		}
		for i, p := range r.Parts[1:] {
			if _, err := q.Exec(ctx, `INSERT INTO parts (message_id, idx, location, content_type, filename, html, body, withheld, reason, released_by, released_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 0, '', ?, ?)`,
				mid, next+int64(i), p.Where, p.ContentType, p.Filename, b2i(p.HTML), p.Text, r.Actor, micros(now)); err != nil {
				return fmt.Errorf("release part: %w", err)
			}
		}
		if err := one(q.QueryRow(ctx, "SELECT COALESCE(MAX(idx), -1) + 1 FROM attachments WHERE message_id = ?", mid), &next); err != nil {
			return err
		}
		for i, a := range r.Attachments {
			sum := sha256.Sum256(a.Content)
			if _, err := q.Exec(ctx, `INSERT INTO attachments (id, message_id, idx, name, content_type, size, sha256, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				attIDs[i].String(), mid, next+int64(i), a.Name, a.ContentType, len(a.Content), hex.EncodeToString(sum[:]), orEmpty(a.Content)); err != nil {
				return fmt.Errorf("release attachment: %w", err)
			}
		}
		// The queue's badge says whether something is still withheld.
		if _, err := q.Exec(ctx, `UPDATE tickets SET updated_at = ?, withheld = CASE WHEN EXISTS (SELECT 1 FROM parts p JOIN messages m ON m.id = p.message_id
			WHERE m.ticket_id = ? AND p.withheld <> 0) THEN 1 ELSE 0 END WHERE id = ?`, micros(now), tid, tid); err != nil {
			return fmt.Errorf("release part: %w", err)
		}
		// Search finds tickets: indexing the message again makes the
		// released text findable, and its other parts twice, which
		// finds nothing more.
		if _, err := q.Exec(ctx, "INSERT INTO search_queue (ticket_id, message_id) VALUES (?, ?)", tid, mid); err != nil {
			return fmt.Errorf("queue released part for search: %w", err)
		}
		if _, err := q.Exec(ctx, "UPDATE quarantine SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
			string(QuarantineReleased), micros(now), r.Item.String(), string(QuarantineHeld)); err != nil {
			return fmt.Errorf("release part: %w", err)
		}
		detail := map[string]string{"ref": ref, "where": r.Where, "parts": strconv.Itoa(len(r.Parts)), "files": strconv.Itoa(len(r.Attachments))}
		for k, v := range r.Detail {
			detail[k] = v
		}
		_, err = c.appendAudit(ctx, q, AuditEvent{At: now, Actor: r.Actor, Action: ActionQuarantineRelease, TicketID: tid, ItemID: r.Item.String(), Detail: detail})
		return err
	})
	if err != nil {
		return fmt.Errorf("release part of %s: %w", r.Item, err)
	}
	c.signalIndex()
	return nil
}

func (c *core) SetLegalHold(ctx context.Context, id uuid.UUID, hold bool, actor string) error {
	if actor == "" {
		return fmt.Errorf("legal hold: %w: actor required", ErrInvalid)
	}
	err := c.write(ctx, func(q dbtx) error {
		var tid, ref, state string
		var now int64
		if err := one(q.QueryRow(ctx, "SELECT q.ticket_id, t.ref, q.state, q.legal_hold FROM quarantine q JOIN tickets t ON t.id = q.ticket_id WHERE q.id = ?",
			id.String()), &tid, &ref, &state, &now); err != nil {
			return err
		}
		if (now != 0) == hold {
			return nil
		}
		if state == string(QuarantinePurged) {
			return fmt.Errorf("%w: the item was purged; there is nothing to hold", ErrConflict)
		}
		at := c.now()
		if _, err := q.Exec(ctx, "UPDATE quarantine SET legal_hold = ?, updated_at = ? WHERE id = ?", b2i(hold), micros(at), id.String()); err != nil {
			return err
		}
		action := ActionQuarantineHold
		if !hold {
			action = ActionQuarantineUnhold
		}
		_, err := c.appendAudit(ctx, q, AuditEvent{At: at, Actor: actor, Action: action, TicketID: tid, ItemID: id.String(), Detail: map[string]string{"ref": ref}})
		return err
	})
	if err != nil {
		return fmt.Errorf("legal hold of %s: %w", id, err)
	}
	return nil
}
