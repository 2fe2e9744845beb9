package tickets

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The compliance report counts what happened in a period. Its facts come
// from the audit log, which retention never shortens (a ticket deleted
// after its retention still counts in the quarter it came in), and, for a
// purge's deadline, from the quarantine item's row. Only counts leave
// desk/report.go; these facts hold no text, no number and no last four.

// ReportFacts are the events of [Since, Until) the report counts.
type ReportFacts struct {
	Since, Until time.Time
	// Received is every inbound message filed (new ticket or follow-up).
	Received []time.Time
	// Sealed is every message whose original was sealed, with its causes
	// ("ssn", "pan", "unscannable:REASON").
	Sealed []SealFact
	// Sent is every outbound mail handed over (outbox.attempt "sent").
	Sent []SentFact
	// Accesses is every staff action on the quarantine (quarantine.*
	// but the gateway's seal), with who did it.
	Accesses []AccessFact
	// Purges is every quarantine purge, by a person or by retention.
	Purges []PurgeFact
	// Overdue counts items not purged, not under a legal hold, whose
	// deadline passed more than PurgeGrace before Until (now, for a
	// period that has not ended).
	Overdue int
	// Held counts the items under a legal hold now (kept past their
	// deadline on purpose).
	Held int
}

// PurgeGrace is how long after its deadline a purge still counts as on
// time: retention runs every hour, and a server down for maintenance
// catches up at start.
const PurgeGrace = 24 * time.Hour

type SealFact struct {
	At     time.Time
	Causes []string
	// Withheld is why parts were kept from staff ("sensitive", or an
	// unscannable reason); empty for events written before it was kept,
	// when the causes' "unscannable:" reasons are all there is.
	Withheld []string
}

type SentFact struct {
	At   time.Time
	Kind string // the outbox job's kind: "reply.staff", "reply.sensitive", "notify.new_ticket"...
}

type AccessFact struct {
	At     time.Time
	Actor  string
	Action string
}

type PurgeFact struct {
	At       time.Time
	Actor    string
	Deadline time.Time // zero when the item's row is gone (its ticket was deleted)
}

// ReportFacts reads the facts of [since, until).
func (c *core) ReportFacts(ctx context.Context, since, until time.Time) (ReportFacts, error) {
	f := ReportFacts{Since: since, Until: until}
	if !until.After(since) {
		return f, fmt.Errorf("report facts: %w: until must be after since", ErrInvalid)
	}
	r, err := c.read.Query(ctx, `SELECT a.at, a.actor, a.action, a.detail, COALESCE(q.retain_until, 0)
		FROM audit a LEFT JOIN quarantine q ON q.id = a.item_id AND a.action IN (?, ?)
		WHERE a.at >= ? AND a.at < ? AND (a.action IN (?, ?, ?, ?) OR a.action LIKE 'quarantine.%')
		ORDER BY a.seq`,
		ActionQuarantinePurge, ActionRetentionPurge, micros(since), micros(until),
		ActionTicketCreate, ActionMessageAppend, "outbox.attempt", ActionRetentionPurge)
	if err != nil {
		return f, fmt.Errorf("report facts: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var at, deadline int64
		var actor, action, detail string
		if err := r.Scan(&at, &actor, &action, &detail, &deadline); err != nil {
			return f, fmt.Errorf("report facts: %w", err)
		}
		t := fromMicros(at)
		d := fromJSON[map[string]string](detail)
		switch action {
		case ActionTicketCreate, ActionMessageAppend:
			if actor == "gateway" {
				f.Received = append(f.Received, t)
			}
		case ActionQuarantineSeal:
			f.Sealed = append(f.Sealed, SealFact{At: t, Causes: splitList(d["causes"]), Withheld: splitList(d["withheld"])})
		case "outbox.attempt":
			if d["result"] == "sent" {
				f.Sent = append(f.Sent, SentFact{At: t, Kind: d["kind"]})
			}
		case ActionQuarantinePurge, ActionRetentionPurge:
			f.Purges = append(f.Purges, PurgeFact{At: t, Actor: actor, Deadline: fromMicros(deadline)})
			if action == ActionQuarantinePurge {
				f.Accesses = append(f.Accesses, AccessFact{At: t, Actor: actor, Action: action})
			}
		default:
			f.Accesses = append(f.Accesses, AccessFact{At: t, Actor: actor, Action: action})
		}
	}
	if err := r.Err(); err != nil {
		return f, fmt.Errorf("report facts: %w", err)
	}
	var overdue int64
	cut := until
	if now := c.now(); now.Before(cut) {
		cut = now
	}
	if err := one(c.read.QueryRow(ctx, "SELECT COUNT(*) FROM quarantine WHERE state <> 'purged' AND legal_hold = 0 AND retain_until < ?", micros(cut.Add(-PurgeGrace))), &overdue); err != nil {
		return f, fmt.Errorf("report facts: count overdue items: %w", err)
	}
	var held int64
	if err := one(c.read.QueryRow(ctx, "SELECT COUNT(*) FROM quarantine WHERE state <> 'purged' AND legal_hold = 1"), &held); err != nil {
		return f, fmt.Errorf("report facts: count held items: %w", err)
	}
	f.Overdue, f.Held = int(overdue), int(held)
	return f, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
