package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"
)

// The audit log is a set of hash chains: each event's hash covers the
// previous event's hash in its chain and the event's own fields, and
// audit_head holds, per chain, the last seq and hash and the number of
// events. Editing an event breaks its hash; deleting one breaks the link
// after it, or, at the end of a chain, disagrees with the head.
//
// SQLite's single writer appends everything to chain 1, in memory and in
// seq order (see sqliteBatch). On PostgreSQL one chain meant one head row
// that every accept on every node locked until its commit was on disk:
// accepts ran one at a time. So there are sixteen chains, and an append
// locks whichever head no other transaction holds (FOR UPDATE SKIP
// LOCKED), keeping it for the rest of its transaction; seq comes from a
// sequence and orders events across chains. Verify checks every chain in
// one snapshot.

// auditChains is how many chains PostgreSQL appends to (migration 0002
// creates their heads); chain 1 holds every event written before.
const auditChains = 16

// eventHash is the chain function. Its input is a fixed JSON encoding
// (map keys sorted by encoding/json), with the time in microseconds so the
// stored value reproduces it exactly. Chain 1 hashes as it always has;
// an event of another chain also covers its chain number, so moving an
// event between chains breaks its hash.
func eventHash(e AuditEvent) string {
	h := sha256.New()
	if e.Chain <= 1 {
		body, _ := json.Marshal(struct {
			Seq      int64             `json:"seq"`
			At       int64             `json:"at"`
			Actor    string            `json:"actor"`
			Action   string            `json:"action"`
			TicketID string            `json:"ticket_id"`
			ItemID   string            `json:"item_id"`
			Detail   map[string]string `json:"detail"`
		}{e.Seq, micros(e.At), e.Actor, e.Action, e.TicketID, e.ItemID, e.Detail})
		h.Write([]byte("intake-audit-v1\n"))
		h.Write([]byte(e.PrevHash))
		h.Write([]byte("\n"))
		h.Write(body)
	} else {
		body, _ := json.Marshal(struct {
			Chain    int64             `json:"chain"`
			Seq      int64             `json:"seq"`
			At       int64             `json:"at"`
			Actor    string            `json:"actor"`
			Action   string            `json:"action"`
			TicketID string            `json:"ticket_id"`
			ItemID   string            `json:"item_id"`
			Detail   map[string]string `json:"detail"`
		}{e.Chain, e.Seq, micros(e.At), e.Actor, e.Action, e.TicketID, e.ItemID, e.Detail})
		h.Write([]byte("intake-audit-v2\n"))
		h.Write([]byte(e.PrevHash))
		h.Write([]byte("\n"))
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// chainHead is one chain's head row.
type chainHead struct {
	seq    int64
	hash   string
	events int64
}

// appendAudit adds e to a chain inside the caller's transaction. On
// PostgreSQL it locks a chain's head until the commit, so callers do it
// last to hold the lock briefly.
func (c *core) appendAudit(ctx context.Context, q dbtx, e AuditEvent) (AuditEvent, error) {
	if e.At.IsZero() {
		e.At = c.now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.Detail == nil {
		e.Detail = map[string]string{}
	}
	switch t := q.(type) {
	case sqlTx:
		if t.b != nil {
			// SQLite's single writer links in memory (see sqliteBatch).
			return t.b.appendAudit(e)
		}
		// Outside the writer (never on the accept path): chain 1, read
		// and written in this transaction.
		var h chainHead
		if err := one(q.QueryRow(ctx, "SELECT seq, hash, events FROM audit_head WHERE id = 1"), &h.seq, &h.hash, &h.events); err != nil {
			return e, fmt.Errorf("read audit head: %w", err)
		}
		e.Chain, e.Seq = 1, h.seq+1
		return c.insertAudit(ctx, q, e, h)
	case pgDB:
		return c.appendAuditPG(ctx, t, e)
	}
	return e, fmt.Errorf("append audit event: no chain for %T", q)
}

// appendAuditPG takes a chain for the transaction (the one it already
// holds, or a free one) and appends e to it.
func (c *core) appendAuditPG(ctx context.Context, q pgDB, e AuditEvent) (AuditEvent, error) {
	st := q.st
	if st == nil {
		return e, fmt.Errorf("append audit event: not in a transaction")
	}
	if st.chain == 0 {
		if err := c.lockChain(ctx, q, &e.Seq); err != nil {
			return e, err
		}
	} else if err := one(q.QueryRow(ctx, "SELECT nextval('audit_seq')"), &e.Seq); err != nil {
		return e, fmt.Errorf("next audit seq: %w", err)
	}
	e.Chain, e.PrevHash = st.chain, st.head.hash
	e.Hash = eventHash(e)
	// The event and its head in one statement, sent with the commit.
	if err := q.Defer(ctx, "append audit event", `WITH e AS (INSERT INTO audit (`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?))
		UPDATE audit_head SET seq = ?, hash = ?, events = ? WHERE id = ?`,
		e.Seq, micros(e.At), e.Actor, e.Action, e.TicketID, e.ItemID, jsonText(e.Detail), e.PrevHash, e.Hash, e.Chain,
		e.Seq, e.Hash, st.head.events+1, e.Chain); err != nil {
		return e, err
	}
	st.head = chainHead{seq: e.Seq, hash: e.Hash, events: st.head.events + 1}
	return e, nil
}

// lockChain locks a chain's head for q's transaction: the first free one
// from a random start, or, when every chain is held, waits for one. The
// same round trip draws the first event's seq.
func (c *core) lockChain(ctx context.Context, q pgDB, seq *int64) error {
	start := 1 + rand.Int64N(auditChains)
	var h chainHead
	for _, where := range []string{
		"id >= ? ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
		"id < ? ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
		// Every chain is held: queue behind one.
		"id = ? FOR UPDATE",
	} {
		query := "SELECT h.id, h.seq, h.hash, h.events, nextval('audit_seq') FROM (SELECT id, seq, hash, events FROM audit_head WHERE " + where + ") h"
		err := one(q.QueryRow(ctx, query, start), &q.st.chain, &h.seq, &h.hash, &h.events, seq)
		if err == nil {
			q.st.head = h
			return nil
		}
		q.st.chain = 0
		if err != ErrNotFound {
			return fmt.Errorf("lock audit chain: %w", err)
		}
	}
	return fmt.Errorf("lock audit chain: no chain %d", start)
}

// insertAudit links e (Seq and Chain set) after head and writes it and
// the new head.
func (c *core) insertAudit(ctx context.Context, q dbtx, e AuditEvent, head chainHead) (AuditEvent, error) {
	e.PrevHash = head.hash
	e.Hash = eventHash(e)
	if _, err := q.Exec(ctx, `INSERT INTO audit (`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, micros(e.At), e.Actor, e.Action, e.TicketID, e.ItemID, jsonText(e.Detail), e.PrevHash, e.Hash, e.Chain); err != nil {
		return e, fmt.Errorf("append audit event: %w", err)
	}
	if _, err := q.Exec(ctx, "UPDATE audit_head SET seq = ?, hash = ?, events = ? WHERE id = ?", e.Seq, e.Hash, head.events+1, e.Chain); err != nil {
		return e, fmt.Errorf("advance audit head: %w", err)
	}
	return e, nil
}

func (c *core) AppendAudit(ctx context.Context, e AuditEvent) (AuditEvent, error) {
	if e.Action == "" || e.Actor == "" {
		return e, fmt.Errorf("%w: audit event needs an actor and an action", ErrInvalid)
	}
	var out AuditEvent
	err := c.writeAgain(ctx, func(q dbtx) error {
		var err error
		out, err = c.appendAudit(ctx, q, e)
		return err
	})
	return out, err
}

const auditCols = "seq, at, actor, action, ticket_id, item_id, detail, prev_hash, hash, chain"

func scanAudit(r rows) (AuditEvent, error) {
	var e AuditEvent
	var at int64
	var detail string
	if err := r.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.TicketID, &e.ItemID, &detail, &e.PrevHash, &e.Hash, &e.Chain); err != nil {
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
	return c.listAudit(ctx, c.read, afterSeq, limit)
}

func (c *core) listAudit(ctx context.Context, q dbtx, afterSeq int64, limit int) ([]AuditEvent, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	r, err := q.Query(ctx, "SELECT "+auditCols+" FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", afterSeq, limit)
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

// VerifyAudit walks every chain in pages, all in one snapshot: appends
// committing while it reads cannot look like a broken chain.
func (c *core) VerifyAudit(ctx context.Context) (VerifyReport, error) {
	var rep VerifyReport
	err := c.snapshot(ctx, func(q dbtx) error {
		var err error
		rep, err = c.verifyAudit(ctx, q)
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
}

func (c *core) verifyAudit(ctx context.Context, q dbtx) (VerifyReport, error) {
	var rep VerifyReport
	heads := map[int64]chainHead{}
	r, err := q.Query(ctx, "SELECT id, seq, hash, events FROM audit_head")
	if err != nil {
		return rep, fmt.Errorf("read heads: %w", err)
	}
	for r.Next() {
		var id int64
		var h chainHead
		if err := r.Scan(&id, &h.seq, &h.hash, &h.events); err != nil {
			r.Close()
			return rep, fmt.Errorf("read heads: %w", err)
		}
		heads[id] = h
	}
	r.Close()
	if err := r.Err(); err != nil {
		return rep, fmt.Errorf("read heads: %w", err)
	}
	if _, ok := heads[1]; !ok {
		return rep, fmt.Errorf("read heads: %w: chain 1 has no head", ErrNotFound)
	}
	problem := func(format string, args ...any) {
		if len(rep.Problems) < 100 {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
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
			if eventHash(e) != e.Hash {
				problem("seq %d: hash mismatch (edited)", e.Seq)
			}
			w.seq, w.hash = e.Seq, e.Hash
			w.events++
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
		name := "chain ends"
		if len(heads) > 1 {
			name = "chain " + strconv.FormatInt(id, 10) + " ends"
		}
		switch {
		case w.seq != h.seq || w.events != h.events:
			problem("%s at seq %d after %d events but the head says seq %d after %d (events deleted at the end)",
				name, w.seq, w.events, h.seq, h.events)
		case w.hash != h.hash:
			problem("%s: last event's hash differs from the head (edited)", name)
		}
	}
	rep.OK = len(rep.Problems) == 0
	return rep, nil
}
