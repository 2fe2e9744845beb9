package tickets

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// threadTarget is the ticket an inbound message joins.
type threadTarget struct {
	id        uuid.UUID
	ref       string
	status    Status
	requester string
	by        ThreadedBy
}

// findThread decides, in this order, which existing ticket a message
// belongs to:
//
//  1. our signed token in In-Reply-To or References (cannot be forged);
//  2. In-Reply-To or References naming a stored message's Message-ID;
//  3. a [T-XXXXXX] subject tag, only when the sender is the ticket's
//     requester or a known participant: a tag alone would let anyone inject
//     mail into any ticket (Zammad#5064, FreeScout#2382, GitLab#349329).
//
// A closed ticket is not reopened: the message starts a new one.
func (c *core) findThread(ctx context.Context, q dbtx, in *Inbound) (threadTarget, error) {
	ids := make([]string, 0, 1+len(in.References))
	if id := normMessageID(in.InReplyTo); id != "" {
		ids = append(ids, id)
	}
	// Newest reference last in the header: try those first.
	for i := len(in.References) - 1; i >= 0; i-- {
		if id := normMessageID(in.References[i]); id != "" {
			ids = append(ids, id)
		}
	}

	for _, id := range ids {
		tid, ok := c.th.TicketFromMessageID(id)
		if !ok {
			continue
		}
		t, err := c.ticketForThread(ctx, q, "id = ?", tid.String())
		if err != nil {
			return t, err
		}
		if t.usable() {
			t.by = ThreadToken
			return t, nil
		}
	}

	for _, id := range ids {
		var tid string
		err := one(q.QueryRow(ctx, "SELECT ticket_id FROM messages WHERE message_id = ? ORDER BY created_at DESC LIMIT 1", id), &tid)
		if err == ErrNotFound {
			continue
		}
		if err != nil {
			return threadTarget{}, fmt.Errorf("thread by headers: %w", err)
		}
		t, err := c.ticketForThread(ctx, q, "id = ?", tid)
		if err != nil {
			return t, err
		}
		if t.usable() {
			t.by = ThreadHeaders
			return t, nil
		}
	}

	sender := normAddr(in.From)
	if sender == "" {
		return threadTarget{}, nil
	}
	for _, ref := range findSubjectRefs(in.Subject) {
		t, err := c.ticketForThread(ctx, q, "ref = ?", ref)
		if err != nil {
			return t, err
		}
		if !t.usable() {
			continue
		}
		// The requester is a participant without a row of their own.
		if t.requester == sender {
			t.by = ThreadSubject
			return t, nil
		}
		var n int64
		if err := one(q.QueryRow(ctx, "SELECT COUNT(*) FROM participants WHERE ticket_id = ? AND address = ?", t.id.String(), sender), &n); err != nil {
			return threadTarget{}, fmt.Errorf("thread by subject: %w", err)
		}
		if n > 0 {
			t.by = ThreadSubject
			return t, nil
		}
	}
	return threadTarget{}, nil
}

func (t threadTarget) usable() bool {
	return t.id != uuid.Nil && t.status != StatusClosed
}

// ticketForThread loads the few fields threading needs; a missing ticket
// is a zero target, not an error (it may have been purged).
func (c *core) ticketForThread(ctx context.Context, q dbtx, where string, arg any) (threadTarget, error) {
	var t threadTarget
	var id, status string
	err := one(q.QueryRow(ctx, "SELECT id, ref, status, requester FROM tickets WHERE "+where, arg), &id, &t.ref, &status, &t.requester)
	if err == ErrNotFound {
		return threadTarget{}, nil
	}
	if err != nil {
		return t, fmt.Errorf("load ticket for threading: %w", err)
	}
	t.id, t.status = parseID(id), Status(status)
	return t, nil
}

// normAddr lower-cases an address for comparison. Local parts are
// case-sensitive in theory; in practice every provider folds them, and the
// cost of folding is only that Bob and bob count as one participant.
func normAddr(a string) string {
	a = strings.TrimSpace(a)
	a = strings.TrimPrefix(a, "<")
	a = strings.TrimSuffix(a, ">")
	return strings.ToLower(a)
}
