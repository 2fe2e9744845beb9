package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The audit log is a hash chain: each event's hash covers the previous
// event's hash and the event's own fields, and audit_head holds the last
// seq and hash. Editing an event breaks its hash; deleting one breaks the
// sequence or the link; deleting the tail disagrees with the head.

// eventHash is the chain function. Its input is a fixed JSON encoding
// (map keys sorted by encoding/json), with the time in microseconds so the
// stored value reproduces it exactly.
func eventHash(e AuditEvent) string {
	body, _ := json.Marshal(struct {
		Seq      int64             `json:"seq"`
		At       int64             `json:"at"`
		Actor    string            `json:"actor"`
		Action   string            `json:"action"`
		TicketID string            `json:"ticket_id"`
		ItemID   string            `json:"item_id"`
		Detail   map[string]string `json:"detail"`
	}{e.Seq, micros(e.At), e.Actor, e.Action, e.TicketID, e.ItemID, e.Detail})
	h := sha256.New()
	h.Write([]byte("intake-audit-v1\n"))
	h.Write([]byte(e.PrevHash))
	h.Write([]byte("\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// appendAudit adds e to the chain inside the caller's transaction. It
// locks the head row, so callers do it last to hold the lock briefly.
func (c *core) appendAudit(ctx context.Context, q dbtx, e AuditEvent) (AuditEvent, error) {
	if e.At.IsZero() {
		e.At = c.now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.Detail == nil {
		e.Detail = map[string]string{}
	}
	if t, ok := q.(sqlTx); ok && t.b != nil {
		// SQLite's single writer links in memory (see sqliteBatch).
		return t.b.appendAudit(e)
	}
	var seq int64
	var prev string
	if err := one(q.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1"+c.d.forUpdate), &seq, &prev); err != nil {
		return e, fmt.Errorf("read audit head: %w", err)
	}
	e.Seq, e.PrevHash = seq+1, prev
	e.Hash = eventHash(e)
	if _, err := q.Exec(ctx, `INSERT INTO audit (seq, at, actor, action, ticket_id, item_id, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, micros(e.At), e.Actor, e.Action, e.TicketID, e.ItemID, jsonText(e.Detail), e.PrevHash, e.Hash); err != nil {
		return e, fmt.Errorf("append audit event: %w", err)
	}
	if _, err := q.Exec(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", e.Seq, e.Hash); err != nil {
		return e, fmt.Errorf("advance audit head: %w", err)
	}
	return e, nil
}

func (c *core) AppendAudit(ctx context.Context, e AuditEvent) (AuditEvent, error) {
	if e.Action == "" || e.Actor == "" {
		return e, fmt.Errorf("%w: audit event needs an actor and an action", ErrInvalid)
	}
	var out AuditEvent
	err := c.write(ctx, func(q dbtx) error {
		var err error
		out, err = c.appendAudit(ctx, q, e)
		return err
	})
	return out, err
}

const auditCols = "seq, at, actor, action, ticket_id, item_id, detail, prev_hash, hash"

func scanAudit(r rows) (AuditEvent, error) {
	var e AuditEvent
	var at int64
	var detail string
	if err := r.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.TicketID, &e.ItemID, &detail, &e.PrevHash, &e.Hash); err != nil {
		return e, err
	}
	e.At = fromMicros(at)
	e.Detail = fromJSON[map[string]string](detail)
	if e.Detail == nil {
		e.Detail = map[string]string{}
	}
	return e, nil
}

func (c *core) ListAudit(ctx context.Context, afterSeq int64, limit int) ([]AuditEvent, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	r, err := c.read.Query(ctx, "SELECT "+auditCols+" FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer r.Close()
	var out []AuditEvent
	for r.Next() {
		e, err := scanAudit(r)
		if err != nil {
			return nil, fmt.Errorf("list audit: %w", err)
		}
		out = append(out, e)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return out, nil
}

// VerifyAudit walks the chain in pages so a long log does not sit in
// memory at once.
func (c *core) VerifyAudit(ctx context.Context) (VerifyReport, error) {
	var rep VerifyReport
	var headSeq int64
	var headHash string
	if err := one(c.read.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1"), &headSeq, &headHash); err != nil {
		return rep, fmt.Errorf("verify audit: read head: %w", err)
	}
	problem := func(format string, args ...any) {
		if len(rep.Problems) < 100 {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
	var last int64
	prev := ""
	for {
		page, err := c.ListAudit(ctx, last, 1000)
		if err != nil {
			return rep, fmt.Errorf("verify audit: %w", err)
		}
		for _, e := range page {
			rep.Events++
			if e.Seq != last+1 {
				problem("events %d to %d missing (deleted)", last+1, e.Seq-1)
			}
			if e.PrevHash != prev {
				problem("seq %d: does not link to the event before it (an event was deleted or edited)", e.Seq)
			}
			if eventHash(e) != e.Hash {
				problem("seq %d: hash mismatch (edited)", e.Seq)
			}
			last, prev = e.Seq, e.Hash
		}
		if len(page) < 1000 {
			break
		}
	}
	if last != headSeq {
		problem("chain ends at seq %d but the head says %s (events deleted at the end)", last, strconv.FormatInt(headSeq, 10))
	} else if prev != headHash {
		problem("last event's hash differs from the head (edited)")
	}
	rep.OK = len(rep.Problems) == 0
	return rep, nil
}
