package desk

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/scan"
	"github.com/intake-mail/intake/tickets"
)

// The outbox is the admin's: a list of what goes out, a retry now, and a
// drop that keeps the job visible as dropped, with who and why audited.

// OutboxJob is what staff see of a job: never its payload. It is the
// object `intake outbox list --json` prints.
type OutboxJob struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	TicketID    string    `json:"ticket_id"`
	Recipient   string    `json:"recipient"` // masked
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	GiveUpAt    time.Time `json:"give_up_at"`
	LastError   string    `json:"last_error"` // masked
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// OutboxJobOf is the view of j.
func OutboxJobOf(j tickets.OutboxJob) OutboxJob {
	tid := ""
	if j.TicketID != uuid.Nil {
		tid = j.TicketID.String()
	}
	return OutboxJob{
		ID: j.ID.String(), Kind: j.Kind, TicketID: tid,
		Recipient: scan.MaskString(j.Recipient), State: string(j.State), Attempts: j.Attempts,
		NextAttempt: j.NextAttempt.UTC(), GiveUpAt: j.GiveUpAt.UTC(),
		LastError: scan.MaskString(j.LastError), Created: j.Created.UTC(), Updated: j.Updated.UTC(),
	}
}

// OutboxQuery selects jobs; zero values mean "any".
type OutboxQuery struct {
	State tickets.OutboxState
	Limit int // 0: all
}

// ListOutbox lists jobs, oldest first.
func (d *Desk) ListOutbox(ctx context.Context, a Actor, q OutboxQuery) ([]OutboxJob, error) {
	if err := d.need(a, adminRoles...); err != nil {
		return nil, err
	}
	switch q.State {
	case "", tickets.OutboxPending, tickets.OutboxDone, tickets.OutboxFailed, tickets.OutboxDropped:
	default:
		return nil, badRequest("unknown state %q (want pending, done, failed or dropped)", clip(string(q.State), 20))
	}
	if q.Limit < 0 {
		return nil, badRequest("limit must not be negative")
	}
	jobs, err := d.st.ListOutbox(ctx, tickets.OutboxFilter{State: q.State, Limit: q.Limit})
	if err != nil {
		return nil, d.fail(a, "list outbox", err)
	}
	out := make([]OutboxJob, len(jobs))
	for i, j := range jobs {
		out[i] = OutboxJobOf(j)
	}
	return out, nil
}

func (d *Desk) job(ctx context.Context, a Actor, id uuid.UUID) (*tickets.OutboxJob, error) {
	j, err := d.st.GetOutbox(ctx, id)
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, notFound("no outbox job " + id.String())
	}
	if err != nil {
		return nil, d.fail(a, "get outbox job", err)
	}
	return j, nil
}

// RetryJob makes a pending or failed job due now (audited outbox.retry).
func (d *Desk) RetryJob(ctx context.Context, a Actor, id uuid.UUID) (*OutboxJob, error) {
	if err := d.need(a, adminRoles...); err != nil {
		return nil, err
	}
	j, err := d.job(ctx, a, id)
	if err != nil {
		return nil, err
	}
	switch {
	case j.State == tickets.OutboxDone:
		return nil, conflict("job %s was delivered already", id)
	case j.State == tickets.OutboxDropped:
		return nil, conflict("job %s was dropped; a dropped job stays dropped", id)
	case j.State == tickets.OutboxPending && j.LeaseUntil.After(d.now()):
		return nil, conflict("a worker is delivering job %s now", id)
	}
	if err := d.st.Reschedule(ctx, id, a.AuditName()); err != nil {
		if errors.Is(err, tickets.ErrNotFound) {
			return nil, conflict("job %s changed meanwhile (sent, or taken by a worker); look again", id)
		}
		return nil, d.fail(a, "retry outbox job", err)
	}
	if j, err = d.job(ctx, a, id); err != nil {
		return nil, err
	}
	v := OutboxJobOf(*j)
	return &v, nil
}

// maxDropReason bounds the reason kept with a dropped job.
const maxDropReason = 200

// DropJob stops a pending or failed job: it stays listed as dropped, and
// the drop is audited (outbox.drop) with who and why. Dropping a dropped
// job answers the same and audits nothing more. The reason is checked
// like any staff text: it is kept.
func (d *Desk) DropJob(ctx context.Context, a Actor, id uuid.UUID, reason string) (*OutboxJob, error) {
	if err := d.need(a, adminRoles...); err != nil {
		return nil, err
	}
	if reason != "" {
		if len(reason) > maxDropReason {
			return nil, invalid("the reason is longer than %d bytes", maxDropReason)
		}
		if err := checkStaffText(reason); err != nil {
			return nil, err
		}
	}
	j, _, err := d.st.DropJob(ctx, id, a.AuditName(), oneLine(reason))
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		return nil, notFound("no outbox job " + id.String())
	case errors.Is(err, tickets.ErrConflict):
		return nil, conflict("job %s was delivered already, or a worker is delivering it now", id)
	case err != nil:
		return nil, d.fail(a, "drop outbox job", err)
	}
	v := OutboxJobOf(*j)
	return &v, nil
}

// oneLine keeps a reason on one line.
func oneLine(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r < 0x20 || r == 0x7f {
			b[i] = ' '
		}
	}
	return string(b)
}
