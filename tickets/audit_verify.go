package tickets

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// VerifyAudit walks every chain in pages, all in one snapshot: appends
// committing while it reads cannot look like a broken chain, and the
// cross-check sees the rows of that same moment.
func (c *core) VerifyAudit(ctx context.Context, anchors ...AuditAnchor) (VerifyReport, error) {
	for _, a := range anchors {
		if err := a.check(); err != nil {
			return VerifyReport{}, fmt.Errorf("verify audit: %w", err)
		}
	}
	var rep VerifyReport
	err := c.snapshot(ctx, func(q dbtx) error {
		var err error
		rep, err = c.verifyAudit(ctx, q, anchors)
		return err
	})
	if err != nil {
		return VerifyReport{}, fmt.Errorf("verify audit: %w", err)
	}
	return rep, nil
}

// chainWalk is what Verify knows of one chain so far.
type chainWalk struct {
	seq    int64
	hash   string
	events int64
	keyed  bool // past the chain's audit.key event
}

// anchorWant is one anchored chain head the walk must meet.
type anchorWant struct {
	at      time.Time
	chain   int64
	events  int64
	seq     int64
	hash    string
	matched bool
}

// filed is what the walk saw filed: the rows the cross-check expects.
type filed struct {
	tickets, messages, items map[uuid.UUID]bool
}

func (f filed) note(e AuditEvent) {
	switch e.Action {
	case ActionTicketCreate:
		f.tickets[parseID(e.TicketID)] = true
	case ActionQuarantineSeal:
		f.items[parseID(e.ItemID)] = true
	}
	if m := e.Detail["message"]; m != "" {
		f.messages[parseID(m)] = true
	}
}

func (c *core) verifyAudit(ctx context.Context, q dbtx, anchors []AuditAnchor) (VerifyReport, error) {
	rep := VerifyReport{Anchors: len(anchors)}
	heads, err := readHeads(ctx, q)
	if err != nil {
		return rep, err
	}
	problem := func(format string, args ...any) {
		if len(rep.Problems) < 100 {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
	// wants[chain][n]: the anchored heads the chain's n-th event must be.
	wants := map[int64]map[int64][]*anchorWant{}
	var allWants []*anchorWant
	for _, a := range anchors {
		for _, ch := range a.Chains {
			w := &anchorWant{at: a.At, chain: ch.Chain, events: ch.Events, seq: ch.Seq, hash: ch.Hash}
			if wants[ch.Chain] == nil {
				wants[ch.Chain] = map[int64][]*anchorWant{}
			}
			wants[ch.Chain][ch.Events] = append(wants[ch.Chain][ch.Events], w)
			allWants = append(allWants, w)
		}
	}
	seen := filed{tickets: map[uuid.UUID]bool{}, messages: map[uuid.UUID]bool{}, items: map[uuid.UUID]bool{}}

	// SQLite numbers its one chain without gaps, so a gap is news there;
	// PostgreSQL's sequence leaves gaps where a transaction rolled back.
	gapless := c.d.name == "sqlite"
	walks := map[int64]*chainWalk{}
	var last int64
	for {
		page, err := c.listAudit(ctx, q, last, 1000)
		if err != nil {
			return rep, err
		}
		for _, e := range page {
			rep.Events++
			if gapless && e.Seq != last+1 {
				problem("events %d to %d missing (deleted)", last+1, e.Seq-1)
			}
			w := walks[e.Chain]
			if w == nil {
				w = &chainWalk{}
				walks[e.Chain] = w
				if _, ok := heads[e.Chain]; !ok {
					problem("seq %d: in chain %d, which has no head (edited)", e.Seq, e.Chain)
				}
			}
			if e.PrevHash != w.hash {
				problem("seq %d: does not link to the event before it (an event was deleted or edited)", e.Seq)
			}
			switch {
			case w.keyed:
				if c.keyedHash(e) != e.Hash {
					problem("seq %d: HMAC mismatch (edited, or rewritten without the audit key)", e.Seq)
				}
			case e.Action == ActionAuditKey:
				if c.keyedHash(e) != e.Hash {
					problem("seq %d: audit.key event does not verify with this audit key (forged, or another node's %s)", e.Seq, AuditKeyFile)
				}
				w.keyed = true
			default:
				if eventHash(e) != e.Hash {
					problem("seq %d: hash mismatch (edited)", e.Seq)
				}
			}
			w.seq, w.hash = e.Seq, e.Hash
			w.events++
			for _, aw := range wants[e.Chain][w.events] {
				aw.matched = true
				if aw.seq != e.Seq || aw.hash != e.Hash {
					problem("anchor of %s: %s's event %d is not the one anchored (rewritten)",
						aw.at.Format(time.RFC3339), chainName(e.Chain, len(heads)), w.events)
				}
			}
			seen.note(e)
			last = e.Seq
		}
		if len(page) < 1000 {
			break
		}
	}

	ids := make([]int64, 0, len(heads))
	for id := range heads {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		h, w := heads[id], walks[id]
		if w == nil {
			w = &chainWalk{}
		}
		name := chainName(id, len(heads))
		switch {
		case w.seq != h.seq || w.events != h.events:
			problem("%s ends at seq %d after %d events but the head says seq %d after %d (events deleted at the end)",
				name, w.seq, w.events, h.seq, h.events)
		case w.hash != h.hash:
			problem("%s: last event's hash differs from the head (edited)", name)
		}
		if w.events > 0 && !w.keyed {
			problem("%s holds %d events and no audit.key event: rewritten without the audit key", name, w.events)
		}
	}
	for _, aw := range allWants {
		if !aw.matched {
			n := int64(0)
			if w := walks[aw.chain]; w != nil {
				n = w.events
			}
			problem("anchor of %s: %s holds %d events, the anchor saw %d (events deleted)",
				aw.at.Format(time.RFC3339), chainName(aw.chain, len(heads)), n, aw.events)
		}
	}
	if err := c.crossCheck(ctx, q, seen, &rep, problem); err != nil {
		return rep, err
	}
	rep.OK = len(rep.Problems) == 0
	return rep, nil
}

// crossCheck finds the rows whose filing event is missing: every ticket
// has its ticket.create, every inbound message the event that filed it
// (detail "message"), every quarantine item its quarantine.seal. Deleting
// events that nothing else points at is only caught by an anchor.
func (c *core) crossCheck(ctx context.Context, q dbtx, seen filed, rep *VerifyReport, problem func(string, ...any)) error {
	for _, k := range []struct {
		query, what, event string
		has                map[uuid.UUID]bool
		count              *int64
	}{
		{"SELECT id, ref FROM tickets", "tickets", ActionTicketCreate, seen.tickets, &rep.Tickets},
		{"SELECT m.id, t.ref FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.kind = 'inbound'",
			"inbound messages", "ticket.create or message.append", seen.messages, &rep.Messages},
		{"SELECT q.id, t.ref FROM quarantine q JOIN tickets t ON t.id = q.ticket_id", "quarantine items", ActionQuarantineSeal, seen.items, &rep.Items},
	} {
		r, err := q.Query(ctx, k.query)
		if err != nil {
			return fmt.Errorf("cross-check %s: %w", k.what, err)
		}
		var total, missing int64
		var examples []string
		for r.Next() {
			var id, ref string
			if err := r.Scan(&id, &ref); err != nil {
				r.Close()
				return fmt.Errorf("cross-check %s: %w", k.what, err)
			}
			total++
			if k.has[parseID(id)] {
				*k.count++
				continue
			}
			missing++
			if len(examples) < 3 {
				examples = append(examples, ref)
			}
		}
		err = r.Err()
		r.Close()
		if err != nil {
			return fmt.Errorf("cross-check %s: %w", k.what, err)
		}
		if missing > 0 {
			problem("%d of %d %s have no %s event (events deleted), e.g. on %s", missing, total, k.what, k.event, strings.Join(examples, ", "))
		}
	}
	return nil
}
