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
	// notParticipant: joined by our token, from a sender who is neither
	// the requester nor a participant (see below).
	notParticipant bool
	// related is, for a new ticket, the ref of a ticket the message named
	// but was not trusted to join: staff see "possible follow-up of".
	related string
}

// findThread decides which existing ticket a message joins. A From
// address proves nothing by itself (anyone can write any From), so
// threading asks two things of the sender: that the gateway verified the
// From (in.SenderVerified: aligned DMARC pass, or SPF pass with the
// envelope sender equal to From), and that the address is the ticket's
// requester or a participant. In this order:
//
//  1. Our signed token in In-Reply-To or References (ThreadToken). It
//     cannot be forged, and it proves the sender holds mail we sent on
//     that ticket, whose subject already names the ref: the 250 tells the
//     sender nothing new. So it threads whoever sends it, verified or
//     not. But a sender who is not the requester or a participant (a CC
//     replying to all, or anyone the mail was forwarded to) is never made
//     a participant by it: the message is marked NotParticipant for staff,
//     and the next message from that sender needs the token again.
//  2. In-Reply-To or References naming a stored message's Message-ID
//     (ThreadHeaders), only for a verified sender who is the requester or
//     a participant of that message's ticket. Message-IDs are not secret
//     (they travel in CCs, lists, forwards), so anything less would let a
//     stranger, or a forged From, inject mail into a ticket and learn from
//     the 250 which ticket a Message-ID belongs to.
//  3. A [T-XXXXXX] subject tag (ThreadSubject), under the same condition:
//     a tag alone would let anyone inject mail into any ticket (Zammad#5064,
//     FreeScout#2382, GitLab#349329), and a forged From as much.
//
// Whatever names a ticket but fails these (and a reply to a closed
// ticket, which starts a new one) opens a new ticket with a new ref that
// links to the named one (related), shown to staff only, and the sender
// is made a participant of nothing. Mail never makes anyone a
// participant: staff do (AddParticipant).
func (c *core) findThread(ctx context.Context, q dbtx, in *Inbound, sender string) (threadTarget, error) {
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
	related := ""
	note := func(t threadTarget) {
		if related == "" && t.id != uuid.Nil {
			related = t.ref
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
		if !t.usable() {
			note(t)
			continue
		}
		party, err := c.isParty(ctx, q, t, sender)
		if err != nil {
			return threadTarget{}, err
		}
		t.by, t.notParticipant = ThreadToken, !party
		return t, nil
	}

	trusted := in.SenderVerified && sender != ""
	for _, id := range ids {
		if trusted {
			var tid string
			err := one(q.QueryRow(ctx, `SELECT m.ticket_id FROM messages m JOIN tickets t ON t.id = m.ticket_id
				WHERE m.message_id = ? AND t.status <> 'closed'
				AND (t.requester = ? OR EXISTS (SELECT 1 FROM participants p WHERE p.ticket_id = t.id AND p.address = ?))
				ORDER BY m.created_at DESC LIMIT 1`, id, sender, sender), &tid)
			if err != nil && err != ErrNotFound {
				return threadTarget{}, fmt.Errorf("thread by headers: %w", err)
			}
			if err == nil {
				t, err := c.ticketForThread(ctx, q, "id = ?", tid)
				if err != nil {
					return t, err
				}
				if t.usable() {
					t.by = ThreadHeaders
					return t, nil
				}
			}
		}
		if related != "" {
			continue
		}
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
		note(t)
	}

	for _, ref := range findSubjectRefs(in.Subject) {
		t, err := c.ticketForThread(ctx, q, "ref = ?", ref)
		if err != nil {
			return t, err
		}
		if t.id == uuid.Nil {
			continue
		}
		if trusted && t.usable() {
			party, err := c.isParty(ctx, q, t, sender)
			if err != nil {
				return threadTarget{}, err
			}
			if party {
				t.by = ThreadSubject
				return t, nil
			}
		}
		note(t)
	}
	return threadTarget{related: related}, nil
}

// isParty tells whether sender is t's requester or a participant. The
// requester is a participant without a row of their own.
func (c *core) isParty(ctx context.Context, q dbtx, t threadTarget, sender string) (bool, error) {
	if sender == "" {
		return false, nil
	}
	if t.requester == sender {
		return true, nil
	}
	var n int64
	if err := one(q.QueryRow(ctx, "SELECT COUNT(*) FROM participants WHERE ticket_id = ? AND address = ?", t.id.String(), sender), &n); err != nil {
		return false, fmt.Errorf("look up participant: %w", err)
	}
	return n > 0, nil
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
