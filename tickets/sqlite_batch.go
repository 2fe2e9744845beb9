package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// A group commit on SQLite shares one transaction among many writes, and
// the audit chain's head is the one row nearly every write touches. The
// single writer therefore keeps the head in memory for the length of a
// batch: it reads it once (under the write lock, so no other process can
// move it), links each appended event in memory, and inserts the batch's
// events together with one head update just before the commit. An event's
// seq and hash are final when appendAudit returns; only the INSERT waits.
// The rows land in the same transaction as the writes that caused them, so
// a commit keeps both or neither.

// sqliteBatch is the writer's state for one transaction.
type sqliteBatch struct {
	c      *sql.Conn
	stmts  *stmtCache
	key    []byte // the audit key
	loaded bool   // head read from the database in this transaction
	head   chainHead
	events []AuditEvent
	// details holds each event's detail, already encoded for its column.
	details []string
}

// batchMark is what a member's savepoint must restore on rollback.
type batchMark struct {
	loaded bool
	head   chainHead
	n      int
}

func (b *sqliteBatch) mark() batchMark {
	return batchMark{b.loaded, b.head, len(b.events)}
}

func (b *sqliteBatch) rollbackTo(m batchMark) {
	b.loaded, b.head = m.loaded, m.head
	b.events, b.details = b.events[:m.n], b.details[:m.n]
}

// loadHead reads chain 1's head once per transaction.
func (b *sqliteBatch) loadHead() error {
	if b.loaded {
		return nil
	}
	h := &b.head
	if err := one(b.q().QueryRow(context.Background(), "SELECT seq, hash, events, key_seq FROM audit_head WHERE id = 1"), &h.seq, &h.hash, &h.events, &h.keySeq); err != nil {
		return fmt.Errorf("read audit head: %w", err)
	}
	b.loaded = true
	return nil
}

// link appends e, linked and keyed, to the in-memory chain.
func (b *sqliteBatch) link(e AuditEvent) AuditEvent {
	e.Chain = 1
	e, b.head = b.head.next(b.key, e, b.head.seq+1)
	b.events = append(b.events, e)
	b.details = append(b.details, jsonText(e.Detail))
	return e
}

// appendAudit links e onto the in-memory head, after the chain's audit.key
// event if it has none yet. e.At and e.Detail are set.
func (b *sqliteBatch) appendAudit(e AuditEvent) (AuditEvent, error) {
	if err := b.loadHead(); err != nil {
		return e, err
	}
	if b.head.keySeq == 0 {
		b.link(keyEvent(e.At, b.head.events))
	}
	return b.link(e), nil
}

// keyChain gives chain 1 its audit.key event if it holds events from
// before the key and none yet (see audit.go).
func (b *sqliteBatch) keyChain(at time.Time) error {
	if err := b.loadHead(); err != nil {
		return err
	}
	if b.head.keySeq == 0 && b.head.events > 0 {
		b.link(keyEvent(at, b.head.events))
	}
	return nil
}

func (b *sqliteBatch) q() sqlTx { return sqlTx{x: b.c, cache: b.stmts, b: b} }

// auditInsertRows are the statement sizes a flush uses: a handful of
// fixed texts, so each is prepared once and reused.
var auditInsertRows = []int{32, 8, 1}

// flush inserts the batch's events and moves the head; the caller commits
// right after.
func (b *sqliteBatch) flush() error {
	if len(b.events) == 0 {
		return nil
	}
	q := b.q()
	rest := b.events
	details := b.details
	for len(rest) > 0 {
		n := 1
		for _, size := range auditInsertRows {
			if len(rest) >= size {
				n = size
				break
			}
		}
		args := make([]any, 0, 10*n)
		for i, e := range rest[:n] {
			args = append(args, e.Seq, micros(e.At), e.Actor, e.Action, e.TicketID, e.ItemID, details[i], e.PrevHash, e.Hash, e.Chain)
		}
		if _, err := q.Exec(context.Background(), auditInsertSQL(n), args...); err != nil {
			return fmt.Errorf("append audit events: %w", err)
		}
		rest, details = rest[n:], details[n:]
	}
	if _, err := q.Exec(context.Background(), "UPDATE audit_head SET seq = ?, hash = ?, events = ?, key_seq = ? WHERE id = 1", b.head.seq, b.head.hash, b.head.events, b.head.keySeq); err != nil {
		return fmt.Errorf("advance audit head: %w", err)
	}
	return nil
}

var auditInsertSQLs = func() map[int]string {
	m := map[int]string{}
	for _, n := range auditInsertRows {
		m[n] = "INSERT INTO audit (" + auditCols + ") VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ")
	}
	return m
}()

func auditInsertSQL(n int) string { return auditInsertSQLs[n] }
