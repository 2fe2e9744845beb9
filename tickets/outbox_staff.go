package tickets

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

func (c *core) TicketJobs(ctx context.Context, ticketID uuid.UUID) ([]OutboxJob, error) {
	r, err := c.read.Query(ctx, "SELECT "+outboxCols+" FROM outbox WHERE ticket_id = ? ORDER BY created_at, id", ticketID.String())
	if err != nil {
		return nil, fmt.Errorf("list ticket's outbox jobs: %w", err)
	}
	defer r.Close()
	out := []OutboxJob{}
	for r.Next() {
		j, err := scanJob(r)
		if err != nil {
			return nil, fmt.Errorf("list ticket's outbox jobs: %w", err)
		}
		out = append(out, j)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("list ticket's outbox jobs: %w", err)
	}
	return out, nil
}

// maxDropReason bounds the reason kept with a dropped job.
const maxDropReason = 200

func (c *core) DropJob(ctx context.Context, id uuid.UUID, actor, reason string) (*OutboxJob, bool, error) {
	if actor == "" || needsRepair(actor) || needsRepair(reason) || len(reason) > maxDropReason {
		return nil, false, fmt.Errorf("drop outbox job: %w: actor required, reason as text of at most %d bytes", ErrInvalid, maxDropReason)
	}
	var j OutboxJob
	changed := false
	err := c.write(ctx, func(q dbtx) error {
		now := c.now()
		var err error
		if j, err = scanJob(q.QueryRow(ctx, "SELECT "+outboxCols+" FROM outbox WHERE id = ?"+c.d.forUpdate, id.String())); err != nil {
			return err
		}
		switch {
		case j.State == OutboxDropped:
			return nil
		case j.State == OutboxDone:
			return fmt.Errorf("%w: the job was delivered already", ErrConflict)
		case j.State == OutboxPending && j.LeaseUntil.After(now):
			return fmt.Errorf("%w: a worker is delivering the job now; try again when its attempt ends", ErrConflict)
		}
		lastErr := "dropped by " + actor
		if reason != "" {
			lastErr += ": " + reason
		}
		if _, err := q.Exec(ctx, "UPDATE outbox SET state = ?, lease_owner = '', lease_until = 0, last_error = ?, updated_at = ? WHERE id = ?",
			string(OutboxDropped), lastErr, micros(now), id.String()); err != nil {
			return fmt.Errorf("drop outbox job: %w", err)
		}
		detail := map[string]string{"from": string(j.State)}
		if reason != "" {
			detail["reason"] = reason
		}
		if _, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: actor, Action: ActionOutboxDrop, TicketID: idText(j.TicketID),
			ItemID: id.String(), Detail: detail}); err != nil {
			return err
		}
		j.State, j.LeaseOwner, j.LeaseUntil, j.LastError, j.Updated = OutboxDropped, "", fromMicros(0), lastErr, now
		changed = true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("drop outbox job %s: %w", id, err)
	}
	return &j, changed, nil
}
