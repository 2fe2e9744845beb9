package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
	loaded bool // head read from the database in this transaction
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

// appendAudit links e onto the in-memory head. e.At and e.Detail are set.
func (b *sqliteBatch) appendAudit(e AuditEvent) (AuditEvent, error) {
	if !b.loaded {
		h := &b.head
		if err := one(b.q().QueryRow(context.Background(), "SELECT seq, hash, events FROM audit_head WHERE id = 1"), &h.seq, &h.hash, &h.events); err != nil {
			return e, fmt.Errorf("read audit head: %w", err)
		}
		b.loaded = true
	}
	e.Chain, e.Seq, e.PrevHash = 1, b.head.seq+1, b.head.hash
	e.Hash = eventHash(e)
	b.head = chainHead{seq: e.Seq, hash: e.Hash, events: b.head.events + 1}
	b.events = append(b.events, e)
	b.details = append(b.details, jsonText(e.Detail))
	return e, nil
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
	if _, err := q.Exec(context.Background(), "UPDATE audit_head SET seq = ?, hash = ?, events = ? WHERE id = 1", b.head.seq, b.head.hash, b.head.events); err != nil {
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
