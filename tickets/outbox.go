package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The outbox holds outbound work durably. A worker claims due jobs under a
// lease (owner and expiry); a job whose lease ran out (its worker crashed)
// is due again. On PostgreSQL the claim skips rows another node is
// claiming at that instant, so no job is ever handed to two workers at once.

const outboxCols = `id, kind, ticket_id, recipient, payload, state, attempts, next_attempt, give_up_at,
	lease_owner, lease_until, last_error, created_at, updated_at`

func scanJob(r row) (OutboxJob, error) {
	var j OutboxJob
	var id, tid, state string
	var next, giveUp, leaseUntil, created, updated int64
	var attempts int64
	if err := r.Scan(&id, &j.Kind, &tid, &j.Recipient, &j.Payload, &state, &attempts, &next, &giveUp,
		&j.LeaseOwner, &leaseUntil, &j.LastError, &created, &updated); err != nil {
		return j, err
	}
	j.ID, j.TicketID, j.State, j.Attempts = parseID(id), parseID(tid), OutboxState(state), int(attempts)
	j.NextAttempt, j.GiveUpAt, j.LeaseUntil = fromMicros(next), fromMicros(giveUp), fromMicros(leaseUntil)
	j.Created, j.Updated = fromMicros(created), fromMicros(updated)
	return j, nil
}

func (c *core) insertJob(ctx context.Context, q dbtx, j OutboxJob, now time.Time) (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return id, fmt.Errorf("new outbox id: %w", err)
	}
	next := j.NextAttempt
	if next.IsZero() {
		next = now
	}
	if _, err := q.Exec(ctx, `INSERT INTO outbox (`+outboxCols+`)
		VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, '', 0, '', ?, ?)`,
		id.String(), clean(j.Kind), idText(j.TicketID), clean(j.Recipient), orEmpty(j.Payload), string(OutboxPending),
		micros(next), micros(j.GiveUpAt), micros(now), micros(now)); err != nil {
		return id, fmt.Errorf("insert outbox job: %w", err)
	}
	return id, nil
}

func (c *core) Enqueue(ctx context.Context, jobs ...OutboxJob) ([]uuid.UUID, error) {
	for _, j := range jobs {
		if err := c.o.Limits.validateJob(j); err != nil {
			return nil, fmt.Errorf("enqueue: %w", err)
		}
	}
	var ids []uuid.UUID
	err := c.write(ctx, func(q dbtx) error {
		ids = ids[:0]
		now := c.now()
		for _, j := range jobs {
			ok, err := c.allowAll(ctx, q, j.Limits, now)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			id, err := c.insertJob(ctx, q, j, now)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("enqueue: %w", err)
	}
	if len(ids) > 0 {
		c.signal()
	}
	return ids, nil
}

func (c *core) Claim(ctx context.Context, owner string, lease time.Duration, max int) ([]OutboxJob, error) {
	if owner == "" || lease <= 0 || max <= 0 {
		return nil, fmt.Errorf("claim outbox: %w: owner, lease and max are required", ErrInvalid)
	}
	var jobs []OutboxJob
	err := c.write(ctx, func(q dbtx) error {
		jobs = jobs[:0]
		now := c.now()
		// Every settlement clears lease_owner: a due job that still names
		// one is one whose lease ran out, and is taken over here.
		r, err := q.Query(ctx, `SELECT id, lease_owner FROM outbox WHERE state = 'pending' AND next_attempt <= ? AND lease_until <= ?
			ORDER BY next_attempt LIMIT ?`+c.d.skipLocked, micros(now), micros(now), max)
		if err != nil {
			return err
		}
		var ids []any
		was := map[string]string{}
		for r.Next() {
			var id, prev string
			if err := r.Scan(&id, &prev); err != nil {
				r.Close()
				return err
			}
			ids, was[id] = append(ids, id), prev
		}
		err = r.Err()
		r.Close()
		if err != nil || len(ids) == 0 {
			return err
		}
		r, err = q.Query(ctx, `UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
			WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`) RETURNING `+outboxCols,
			append([]any{owner, micros(now.Add(lease)), micros(now)}, ids...)...)
		if err != nil {
			return err
		}
		defer r.Close()
		for r.Next() {
			j, err := scanJob(r)
			if err != nil {
				return err
			}
			j.TakenOverFrom = was[j.ID.String()]
			jobs = append(jobs, j)
		}
		return r.Err()
	})
	// RETURNING comes in no set order; the claim's was by due time.
	slices.SortStableFunc(jobs, func(a, b OutboxJob) int { return a.NextAttempt.Compare(b.NextAttempt) })
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return jobs, nil
}

// settle changes a job its owner holds; ErrLeaseLost when another worker
// took it over (its lease ran out) or it is no longer pending.
func (c *core) settle(ctx context.Context, op string, id uuid.UUID, owner string, set string, args ...any) error {
	err := c.write(ctx, func(q dbtx) error {
		all := append(append([]any{}, args...), c.now().UnixMicro(), id.String(), owner)
		n, err := q.Exec(ctx, "UPDATE outbox SET "+set+", updated_at = ? WHERE id = ? AND lease_owner = ? AND state = 'pending'", all...)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrLeaseLost
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s outbox job %s: %w", op, id, err)
	}
	return nil
}

func (c *core) Ack(ctx context.Context, id uuid.UUID, owner string) error {
	return c.settle(ctx, "ack", id, owner, "state = 'done', lease_owner = '', lease_until = 0, last_error = ''")
}

// Retry schedules another attempt at next; past the job's GiveUpAt it
// fails the job instead, so a reply nobody will want is not sent late.
func (c *core) Retry(ctx context.Context, id uuid.UUID, owner string, next time.Time, lastErr string) error {
	lastErr = clean(clip(lastErr, c.o.Limits.Header)) // a remote server's words: any bytes
	j, err := c.GetOutbox(ctx, id)
	if err != nil {
		return fmt.Errorf("retry outbox job %s: %w", id, err)
	}
	if !j.GiveUpAt.IsZero() && next.After(j.GiveUpAt) {
		return c.Fail(ctx, id, owner, "gave up: "+lastErr)
	}
	return c.settle(ctx, "retry", id, owner, "next_attempt = ?, lease_owner = '', lease_until = 0, last_error = ?", micros(next), lastErr)
}

func (c *core) Fail(ctx context.Context, id uuid.UUID, owner string, lastErr string) error {
	lastErr = clean(clip(lastErr, c.o.Limits.Header)) // a remote server's words: any bytes
	err := c.write(ctx, func(q dbtx) error {
		now := c.now()
		var tid string
		if err := one(q.QueryRow(ctx, "SELECT ticket_id FROM outbox WHERE id = ? AND lease_owner = ? AND state = 'pending'", id.String(), owner), &tid); err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrLeaseLost
			}
			return err
		}
		if _, err := q.Exec(ctx, "UPDATE outbox SET state = 'failed', lease_owner = '', lease_until = 0, last_error = ?, updated_at = ? WHERE id = ?",
			lastErr, micros(now), id.String()); err != nil {
			return err
		}
		_, err := c.appendAudit(ctx, q, AuditEvent{At: now, Actor: owner, Action: ActionOutboxFail, TicketID: tid, ItemID: id.String()})
		return err
	})
	if err != nil {
		return fmt.Errorf("fail outbox job %s: %w", id, err)
	}
	return nil
}

func (c *core) GetOutbox(ctx context.Context, id uuid.UUID) (*OutboxJob, error) {
	j, err := scanJob(c.read.QueryRow(ctx, "SELECT "+outboxCols+" FROM outbox WHERE id = ?", id.String()))
	if err != nil {
		return nil, fmt.Errorf("get outbox job %s: %w", id, err)
	}
	return &j, nil
}

func (c *core) ListOutbox(ctx context.Context, f OutboxFilter) ([]OutboxJob, error) {
	query := "SELECT " + outboxCols + " FROM outbox"
	var args []any
	if f.State != "" {
		query += " WHERE state = ?"
		args = append(args, string(f.State))
	}
	query += " ORDER BY created_at"
	if f.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, f.Limit)
	}
	r, err := c.read.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer r.Close()
	var out []OutboxJob
	for r.Next() {
		j, err := scanJob(r)
		if err != nil {
			return nil, fmt.Errorf("list outbox: %w", err)
		}
		out = append(out, j)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return out, nil
}

func (c *core) Reschedule(ctx context.Context, id uuid.UUID, actor string) error {
	err := c.write(ctx, func(q dbtx) error {
		now := c.now()
		n, err := q.Exec(ctx, `UPDATE outbox SET state = 'pending', next_attempt = ?, give_up_at = 0, updated_at = ?
			WHERE id = ? AND state IN ('pending', 'failed') AND lease_until <= ?`, micros(now), micros(now), id.String(), micros(now))
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: no such job, done, or leased", ErrNotFound)
		}
		_, err = c.appendAudit(ctx, q, AuditEvent{At: now, Actor: actor, Action: "outbox.retry", ItemID: id.String()})
		return err
	})
	if err != nil {
		return fmt.Errorf("reschedule outbox job %s: %w", id, err)
	}
	c.signal()
	return nil
}

// Drop stops a job without a reason; see DropJob.
func (c *core) Drop(ctx context.Context, id uuid.UUID, actor string) error {
	_, _, err := c.DropJob(ctx, id, actor, "")
	return err
}

// clip shortens an error text for storage; it is our own diagnostic
// (an SMTP reply), not member content, so cutting it loses nothing owed.
func clip(s string, max int) string {
	if len(s) > max {
		return s[:max]
	}
	return s
}
