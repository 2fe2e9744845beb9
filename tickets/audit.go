package tickets

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
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
//
// A plain hash chain only proves the log was not rewritten by someone who
// did not recompute it: anyone who can write the database can change an
// actor and recompute every hash after it, delete the last events and
// rewind the head, or empty the log. Three things close that:
//
//   - The chain is keyed: an event's hash is an HMAC under the audit key
//     (Options.AuditKey, the file audit.key in the data directory, never
//     in the database). Without the key no event can be made or remade.
//   - Anchors: the heads (count and hash of each chain) are written outside
//     the database, to the log and to an append-only file, at every
//     retention round and at shutdown; verify with anchors checks that
//     each chain still holds, at each anchored count, the anchored event.
//     Deleting the tail and rewinding the head, or emptying the log, then
//     shows even where nothing else points at the lost events.
//   - A cross-check: every ticket, inbound message and quarantine item in
//     the store must have the event that filed it.
//
// Events written before the key existed (a database from before version
// 3) keep their plain hashes. Each chain's keyed part starts with an
// audit.key event, itself keyed, linked to the last plain event (so the
// plain events before it are protected from then on too); every event
// after it must be keyed. A chain holding events but no valid audit.key
// event fails verification: rewriting a chain as if it were all from
// before the key (a downgrade) needs that event, and so the key. The
// store writes the audit.key event when it first appends to a chain, and
// at open for a chain that holds plain events only (an upgrade), and
// refuses to open when the key does not verify a chain's audit.key event
// (another node's audit.key: every node needs the same file).

// auditChains is how many chains PostgreSQL appends to (migration 0002
// creates their heads); chain 1 holds every event written before.
const auditChains = 16

// eventHash is the plain chain function of events written before the
// audit key (see above). Its input is a fixed JSON encoding (map keys
// sorted by encoding/json), with the time in microseconds so the stored
// value reproduces it exactly. Chain 1 hashes as it always has; an event
// of another chain also covers its chain number, so moving an event
// between chains breaks its hash.
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
		h.Write([]byte("intake-audit-v2\n"))
		h.Write([]byte(e.PrevHash))
		h.Write([]byte("\n"))
		h.Write(chainedBody(e))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// chainedBody is the fixed JSON encoding of an event with its chain.
func chainedBody(e AuditEvent) []byte {
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
	return body
}

// keyedHash is the chain function from the audit key on: HMAC-SHA256
// under key over the previous hash and the event with its chain.
func keyedHash(key []byte, e AuditEvent) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("intake-audit-v3\n"))
	m.Write([]byte(e.PrevHash))
	m.Write([]byte("\n"))
	m.Write(chainedBody(e))
	return hex.EncodeToString(m.Sum(nil))
}

func (c *core) keyedHash(e AuditEvent) string { return keyedHash(c.o.AuditKey, e) }

// keyEvent is the event that starts a chain's keyed part, appended at
// time at after a head holding legacy plain events.
func keyEvent(at time.Time, legacy int64) AuditEvent {
	return AuditEvent{At: at, Actor: "intake", Action: ActionAuditKey,
		Detail: map[string]string{"legacy_events": strconv.FormatInt(legacy, 10)}}
}

// chainHead is one chain's head row.
type chainHead struct {
	seq    int64
	hash   string
	events int64
	keySeq int64 // the chain's audit.key event; 0: none yet
}

// next links e (its Chain set) after h as the chain's next event, with
// the keyed hash, and returns it with the head it leaves.
func (h chainHead) next(key []byte, e AuditEvent, seq int64) (AuditEvent, chainHead) {
	e.Seq, e.PrevHash = seq, h.hash
	e.Hash = keyedHash(key, e)
	n := chainHead{seq: e.Seq, hash: e.Hash, events: h.events + 1, keySeq: h.keySeq}
	if e.Action == ActionAuditKey && h.keySeq == 0 {
		n.keySeq = e.Seq
	}
	return e, n
}

// cleanEvent makes an event's text storable (see text.go); the store's
// own events need nothing, a caller's detail might.
func cleanEvent(e AuditEvent) AuditEvent {
	e.Actor, e.Action, e.TicketID, e.ItemID = clean(e.Actor), clean(e.Action), clean(e.TicketID), clean(e.ItemID)
	for k, v := range e.Detail {
		if needsRepair(k) || needsRepair(v) {
			d := make(map[string]string, len(e.Detail))
			for k, v := range e.Detail {
				d[clean(k)] = clean(v)
			}
			e.Detail = d
			break
		}
	}
	return e
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
	e = cleanEvent(e)
	switch t := q.(type) {
	case sqlTx:
		if t.b != nil {
			// SQLite's single writer links in memory (see sqliteBatch).
			return t.b.appendAudit(e)
		}
		return e, fmt.Errorf("append audit event: outside the writer")
	case pgDB:
		return c.appendAuditPG(ctx, t, e)
	}
	return e, fmt.Errorf("append audit event: no chain for %T", q)
}

// appendAuditPG takes a chain for the transaction (the one it already
// holds, or a free one) and appends e to it, after the chain's audit.key
// event if it has none yet.
func (c *core) appendAuditPG(ctx context.Context, q pgDB, e AuditEvent) (AuditEvent, error) {
	st := q.st
	if st == nil {
		return e, fmt.Errorf("append audit event: not in a transaction")
	}
	var seq int64
	if st.chain == 0 {
		if err := c.lockChain(ctx, q, &seq); err != nil {
			return e, err
		}
	} else if err := nextSeqPG(ctx, q, &seq); err != nil {
		return e, err
	}
	if st.head.keySeq == 0 {
		// Once per chain in the life of a database.
		k := keyEvent(e.At, st.head.events)
		k.Chain = st.chain
		if _, err := c.deferAppendPG(ctx, q, k, seq); err != nil {
			return e, err
		}
		if err := nextSeqPG(ctx, q, &seq); err != nil {
			return e, err
		}
	}
	e.Chain = st.chain
	return c.deferAppendPG(ctx, q, e, seq)
}

// nextSeqPG draws the next seq for q's transaction. A group commit
// (postgres_batch.go) draws them a block at a time, in one round trip,
// rather than one per event; what it leaves unused is a gap in seq,
// which orders events but was never dense (chains share it).
func nextSeqPG(ctx context.Context, q pgDB, seq *int64) error {
	st := q.st
	if len(st.seqs) == 0 {
		// One row either way, so the statements held go with it.
		var err error
		if st.seqBlock <= 1 {
			err = one(q.QueryRow(ctx, "SELECT nextval('audit_seq')"), seq)
			if err == nil {
				return nil
			}
		} else {
			err = one(q.QueryRow(ctx, "SELECT array_agg(v ORDER BY v) FROM (SELECT nextval('audit_seq') AS v FROM generate_series(1, ?::int)) s", st.seqBlock), &st.seqs)
		}
		if err != nil {
			return fmt.Errorf("next audit seq: %w", err)
		}
		if len(st.seqs) == 0 {
			return errors.New("next audit seq: none drawn")
		}
	}
	*seq, st.seqs = st.seqs[0], st.seqs[1:]
	return nil
}

// deferAppendPG links e at seq after the transaction's chain head and
// queues its insert and the head's move, sent with the next statement or
// the commit.
func (c *core) deferAppendPG(ctx context.Context, q pgDB, e AuditEvent, seq int64) (AuditEvent, error) {
	st := q.st
	e, head := st.head.next(c.o.AuditKey, e, seq)
	if err := q.Defer(ctx, "append audit event", `INSERT INTO audit (`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, micros(e.At), e.Actor, e.Action, e.TicketID, e.ItemID, jsonText(e.Detail), e.PrevHash, e.Hash, e.Chain); err != nil {
		return e, err
	}
	// The head moves once, at the commit (pgDB.finish): the transaction
	// holds its row locked until then.
	st.head, st.headDirty = head, true
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
		query := "SELECT h.id, h.seq, h.hash, h.events, h.key_seq, nextval('audit_seq') FROM (SELECT id, seq, hash, events, key_seq FROM audit_head WHERE " + where + ") h"
		err := one(q.QueryRow(ctx, query, start), &q.st.chain, &h.seq, &h.hash, &h.events, &h.keySeq, seq)
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

func (c *core) AppendAudit(ctx context.Context, e AuditEvent) (AuditEvent, error) {
	if e.Action == "" || e.Actor == "" {
		return e, fmt.Errorf("%w: audit event needs an actor and an action", ErrInvalid)
	}
	if e.Action == ActionAuditKey {
		return e, fmt.Errorf("%w: %s events are the store's own", ErrInvalid, ActionAuditKey)
	}
	var out AuditEvent
	err := c.writeAgain(ctx, func(q dbtx) error {
		var err error
		out, err = c.appendAudit(ctx, q, e)
		return err
	})
	return out, err
}

// prepareAuditChains runs at open: it refuses an audit key that does not
// verify a chain's audit.key event, and gives an audit.key event to every
// chain that holds only events from before the key.
func (c *core) prepareAuditChains(ctx context.Context) error {
	r, err := c.read.Query(ctx, "SELECT "+prefixed("a.", auditCols)+" FROM audit_head h JOIN audit a ON a.seq = h.key_seq WHERE h.key_seq > 0")
	if err != nil {
		return fmt.Errorf("read audit key events: %w", err)
	}
	for r.Next() {
		e, err := scanAudit(r)
		if err != nil {
			r.Close()
			return fmt.Errorf("read audit key events: %w", err)
		}
		if e.Action != ActionAuditKey || c.keyedHash(e) != e.Hash {
			r.Close()
			return fmt.Errorf("%w (chain %d, seq %d): every node needs the same %s; if this is the right key, the audit log was tampered with (run intake audit verify)",
				ErrAuditKeyMismatch, e.Chain, e.Seq, AuditKeyFile)
		}
	}
	err = r.Err()
	r.Close()
	if err != nil {
		return fmt.Errorf("read audit key events: %w", err)
	}
	var plain int64
	if err := one(c.read.QueryRow(ctx, "SELECT COUNT(*) FROM audit_head WHERE events > 0 AND key_seq = 0"), &plain); err != nil {
		return fmt.Errorf("read audit heads: %w", err)
	}
	if plain == 0 {
		return nil
	}
	err = c.write(ctx, func(q dbtx) error {
		switch t := q.(type) {
		case sqlTx:
			return t.b.keyChain(c.now())
		case pgDB:
			return c.keyChainsPG(ctx, t)
		}
		return fmt.Errorf("no chains for %T", q)
	})
	if err != nil {
		return fmt.Errorf("key the audit chain: %w", err)
	}
	return nil
}

// keyChainsPG appends an audit.key event to every chain that holds plain
// events only; another node doing the same at once waits on the lock and
// then finds nothing left to do.
func (c *core) keyChainsPG(ctx context.Context, q pgDB) error {
	r, err := q.Query(ctx, "SELECT id, seq, hash, events, key_seq FROM audit_head WHERE events > 0 AND key_seq = 0 ORDER BY id FOR UPDATE")
	if err != nil {
		return err
	}
	var heads []chainHead
	var ids []int64
	for r.Next() {
		var id int64
		var h chainHead
		if err := r.Scan(&id, &h.seq, &h.hash, &h.events, &h.keySeq); err != nil {
			r.Close()
			return err
		}
		ids, heads = append(ids, id), append(heads, h)
	}
	err = r.Err()
	r.Close()
	if err != nil {
		return err
	}
	now := c.now()
	for i, id := range ids {
		var seq int64
		if err := one(q.QueryRow(ctx, "SELECT nextval('audit_seq')"), &seq); err != nil {
			return fmt.Errorf("next audit seq: %w", err)
		}
		k := keyEvent(now, heads[i].events)
		k.Chain = id
		q.st.chain, q.st.head = id, heads[i]
		if _, err := c.deferAppendPG(ctx, q, k, seq); err != nil {
			return err
		}
		if err := q.deferHead(ctx); err != nil {
			return err
		}
	}
	q.st.chain = 0
	return nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
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
