package tickets

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
)

const quarantineCols = `q.id, q.ticket_id, t.ref, q.message_id, q.state, q.causes, q.findings, q.unscannable,
	q.sealed_size, q.created_at, q.retain_until, q.legal_hold`

func scanQuarantine(r row, extra ...any) (QuarantineItem, error) {
	var it QuarantineItem
	var id, tid, mid, state, causes, findings, unscannable string
	var created, retain, hold int64
	dest := append([]any{&id, &tid, &it.TicketRef, &mid, &state, &causes, &findings, &unscannable,
		&it.SealedSize, &created, &retain, &hold}, extra...)
	if err := r.Scan(dest...); err != nil {
		return it, err
	}
	it.ID, it.TicketID, it.MessageID, it.State = parseID(id), parseID(tid), parseID(mid), QuarantineState(state)
	it.Causes = fromJSON[[]Cause](causes)
	it.Findings = fromJSON[[]Finding](findings)
	it.Unscannable = fromJSON[[]Unscannable](unscannable)
	it.Created, it.RetainUntil = fromMicros(created), fromMicros(retain)
	it.LegalHold = hold != 0
	return it, nil
}

func (c *core) listQuarantine(ctx context.Context, where string, args []any, limit int) ([]QuarantineItem, error) {
	query := "SELECT " + quarantineCols + " FROM quarantine q JOIN tickets t ON t.id = q.ticket_id"
	if where != "" {
		query += " WHERE " + where
	}
	query += " ORDER BY q.created_at, q.id"
	if limit > 0 {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	r, err := c.read.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	defer r.Close()
	out := []QuarantineItem{}
	for r.Next() {
		it, err := scanQuarantine(r)
		if err != nil {
			return nil, fmt.Errorf("list quarantine: %w", err)
		}
		out = append(out, it)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	return out, nil
}

func (c *core) ListQuarantine(ctx context.Context, f QuarantineFilter) ([]QuarantineItem, error) {
	if f.State != "" {
		return c.listQuarantine(ctx, "q.state = ?", []any{string(f.State)}, f.Limit)
	}
	return c.listQuarantine(ctx, "", nil, f.Limit)
}

func (c *core) GetQuarantine(ctx context.Context, id uuid.UUID) (*QuarantineItem, error) {
	it, err := scanQuarantine(c.read.QueryRow(ctx, "SELECT "+quarantineCols+" FROM quarantine q JOIN tickets t ON t.id = q.ticket_id WHERE q.id = ?", id.String()))
	if err != nil {
		return nil, fmt.Errorf("get quarantine item %s: %w", id, err)
	}
	return &it, nil
}

// FetchQuarantine audits first and reads the ciphertext in the same
// transaction: there is no download without its record.
func (c *core) FetchQuarantine(ctx context.Context, id uuid.UUID, actor string) (*QuarantineItem, error) {
	if actor == "" {
		return nil, fmt.Errorf("fetch quarantine item: %w: actor required", ErrInvalid)
	}
	var it QuarantineItem
	err := c.write(ctx, func(q dbtx) error {
		var sealed []byte
		var err error
		it, err = scanQuarantine(q.QueryRow(ctx, "SELECT "+quarantineCols+", q.sealed FROM quarantine q JOIN tickets t ON t.id = q.ticket_id WHERE q.id = ?", id.String()), &sealed)
		if err != nil {
			return err
		}
		it.Sealed = sealed
		if it.State == QuarantinePurged || it.Sealed == nil {
			return fmt.Errorf("%w: item was purged", ErrNotFound)
		}
		_, err = c.appendAudit(ctx, q, AuditEvent{Actor: actor, Action: ActionQuarantineFetch, TicketID: it.TicketID.String(), ItemID: id.String(),
			Detail: map[string]string{"ref": it.TicketRef, "sealed_size": strconv.FormatInt(it.SealedSize, 10)}})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch quarantine item %s: %w", id, err)
	}
	return &it, nil
}

func (c *core) OpenQuarantine(ctx context.Context, id uuid.UUID, actor string) (*QuarantineItem, error) {
	return c.FetchQuarantine(ctx, id, actor)
}

// openReason is what an open_failed reason may be made of: a short code
// from a fixed vocabulary, never words a client could fill with content.
func openReason(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

func (c *core) RecordQuarantineOpen(ctx context.Context, id uuid.UUID, actor string, opened bool, reason string) error {
	if actor == "" {
		return fmt.Errorf("record quarantine open: %w: actor required", ErrInvalid)
	}
	action, detail := ActionQuarantineOpen, map[string]string{}
	if !opened {
		if !openReason(reason) {
			return fmt.Errorf("record quarantine open: %w: reason must be a short code ([a-z0-9_.:-], at most 64)", ErrInvalid)
		}
		action, detail["reason"] = ActionQuarantineOpenFailed, reason
	}
	err := c.write(ctx, func(q dbtx) error {
		var tid, ref string
		if err := one(q.QueryRow(ctx, "SELECT q.ticket_id, t.ref FROM quarantine q JOIN tickets t ON t.id = q.ticket_id WHERE q.id = ?", id.String()), &tid, &ref); err != nil {
			return err
		}
		detail["ref"] = ref
		_, err := c.appendAudit(ctx, q, AuditEvent{Actor: actor, Action: action, TicketID: tid, ItemID: id.String(), Detail: detail})
		return err
	})
	if err != nil {
		return fmt.Errorf("record quarantine open of %s: %w", id, err)
	}
	return nil
}

// purgeItem drops an item's ciphertext and records why. The row stays, so
// the ticket still shows that something was held and is gone.
func (c *core) purgeItem(ctx context.Context, q dbtx, id, tid, actor, action string, now time.Time) (purged bool, err error) {
	// Another node's purge may have won the row since it was read: then
	// that node audits it, and this one writes nothing.
	n, err := q.Exec(ctx, "UPDATE quarantine SET state = 'purged', sealed = NULL, updated_at = ? WHERE id = ? AND state <> 'purged'", micros(now), id)
	if err != nil {
		return false, fmt.Errorf("purge quarantine item: %w", err)
	}
	if n == 0 {
		return false, nil
	}
	_, err = c.appendAudit(ctx, q, AuditEvent{At: now, Actor: actor, Action: action, TicketID: tid, ItemID: id})
	return err == nil, err
}

func (c *core) PurgeQuarantine(ctx context.Context, id uuid.UUID, actor string) error {
	err := c.write(ctx, func(q dbtx) error {
		var tid, state string
		var hold int64
		if err := one(q.QueryRow(ctx, "SELECT ticket_id, state, legal_hold FROM quarantine WHERE id = ?"+c.d.forUpdate, id.String()), &tid, &state, &hold); err != nil {
			return err
		}
		if state == string(QuarantinePurged) {
			return nil
		}
		if hold != 0 {
			return fmt.Errorf("%w: the item is under a legal hold", ErrConflict)
		}
		_, err := c.purgeItem(ctx, q, id.String(), tid, actor, ActionQuarantinePurge, c.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("purge quarantine item %s: %w", id, err)
	}
	return c.doCheckpoint(ctx)
}

func (c *core) doCheckpoint(ctx context.Context) error {
	if c.checkpoint == nil {
		return nil
	}
	if err := c.checkpoint(ctx); err != nil {
		return fmt.Errorf("checkpoint after purge: %w", err)
	}
	return nil
}

// purgeBatch bounds one retention transaction, so a large backlog does not
// hold the writer (and the gateway's accepts) for long.
const purgeBatch = 200

func (c *core) PurgeExpired(ctx context.Context, p RetentionPolicy) (PurgeReport, error) {
	var rep PurgeReport
	now := p.Now
	if now.IsZero() {
		now = c.now()
	}
	for {
		// found bounds the loop, purged is the report: with SKIP LOCKED and
		// the conditional update, another node may purge some of what this
		// one found, and audits those itself.
		found, purged := 0, 0
		err := c.write(ctx, func(q dbtx) error {
			found, purged = 0, 0
			r, err := q.Query(ctx, "SELECT id, ticket_id FROM quarantine WHERE state <> 'purged' AND legal_hold = 0 AND retain_until <= ? ORDER BY retain_until LIMIT ?"+c.d.skipLocked, micros(now), purgeBatch)
			if err != nil {
				return err
			}
			var ids [][2]string
			for r.Next() {
				var id, tid string
				if err := r.Scan(&id, &tid); err != nil {
					r.Close()
					return err
				}
				ids = append(ids, [2]string{id, tid})
			}
			err = r.Err()
			r.Close()
			if err != nil {
				return err
			}
			for _, it := range ids {
				ok, err := c.purgeItem(ctx, q, it[0], it[1], "retention", ActionRetentionPurge, now)
				if err != nil {
					return err
				}
				if ok {
					purged++
				}
			}
			found = len(ids)
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("retention: purge quarantine: %w", err)
		}
		rep.QuarantineItems += purged
		if found < purgeBatch {
			break
		}
	}
	if p.ClosedTicketsAfter > 0 {
		cutoff := now.Add(-p.ClosedTicketsAfter)
		for {
			n := 0
			err := c.write(ctx, func(q dbtx) error {
				n = 0
				r, err := q.Query(ctx, `SELECT id, ref FROM tickets WHERE status = 'closed' AND updated_at <= ?
					AND NOT EXISTS (SELECT 1 FROM quarantine h WHERE h.ticket_id = tickets.id AND h.legal_hold <> 0)
					ORDER BY updated_at LIMIT ?`+c.d.skipLocked, micros(cutoff), purgeBatch)
				if err != nil {
					return err
				}
				var ids [][2]string
				for r.Next() {
					var id, ref string
					if err := r.Scan(&id, &ref); err != nil {
						r.Close()
						return err
					}
					ids = append(ids, [2]string{id, ref})
				}
				err = r.Err()
				r.Close()
				if err != nil {
					return err
				}
				for _, t := range ids {
					if err := c.deleteTicket(ctx, q, t[0]); err != nil {
						return err
					}
					if _, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: "retention", Action: ActionTicketPurge, TicketID: t[0],
						Detail: map[string]string{"ref": t[1]}}); err != nil {
						return err
					}
				}
				n = len(ids)
				return nil
			})
			if err != nil {
				return rep, fmt.Errorf("retention: purge closed tickets: %w", err)
			}
			rep.Tickets += n
			if n < purgeBatch {
				break
			}
		}
	}
	if rep.QuarantineItems+rep.Tickets > 0 {
		if err := c.doCheckpoint(ctx); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// deleteTicket removes a ticket and everything hanging from it. Foreign
// keys cascade; dedup keys and outbox jobs name the ticket without one.
func (c *core) deleteTicket(ctx context.Context, q dbtx, id string) error {
	for _, stmt := range []string{
		"DELETE FROM dedup WHERE ticket_id = ?",
		"DELETE FROM outbox WHERE ticket_id = ?",
		"DELETE FROM tickets WHERE id = ?",
	} {
		if _, err := q.Exec(ctx, stmt, id); err != nil {
			return fmt.Errorf("delete ticket: %w", err)
		}
	}
	return nil
}
