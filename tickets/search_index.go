package tickets

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Filing a message only queues it for search (search_queue, filled by
// triggers); an indexer in each process that opened the store takes the
// queue in batches a moment after one of its commits wakes it, and a
// search first indexes whatever is still queued, so it never misses what
// was filed before it (by this process or another: the CLI, another node,
// a version before 4).

// indexBatch is how many queued rows one indexing transaction takes.
const indexBatch = 500

// indexDelay lets a burst of accepts gather into one batch.
const indexDelay = 200 * time.Millisecond

type indexer struct {
	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

func (c *core) startIndexer() {
	c.ix = &indexer{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.indexLoop(c.ix)
}

func (c *core) stopIndexer() {
	if c.ix != nil {
		close(c.ix.stop)
		<-c.ix.done
	}
}

// signalIndex wakes the indexer without blocking.
func (c *core) signalIndex() {
	if c.ix == nil {
		return
	}
	select {
	case c.ix.wake <- struct{}{}:
	default:
	}
}

func (c *core) indexLoop(ix *indexer) {
	defer close(ix.done)
	for {
		select {
		case <-ix.stop:
			return
		case <-ix.wake:
		}
		select {
		case <-ix.stop:
			return
		case <-time.After(indexDelay):
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		// Another process's indexer, or a search, may have taken the
		// rows already: look before taking the write lock.
		pending, err := c.searchPending(ctx)
		if err == nil && pending {
			_, err = c.indexPending(ctx)
		}
		if err != nil {
			// Nothing is lost: the rows stay queued for the next wake or
			// the next search.
			slog.Warn("search indexing failed; it is retried later", "err", err)
		}
		cancel()
	}
}

// searchPending reports whether anything is queued for indexing.
func (c *core) searchPending(ctx context.Context) (bool, error) {
	var n int64
	if err := one(c.read.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM search_queue LIMIT 1) s"), &n); err != nil {
		return false, fmt.Errorf("look at the search queue: %w", err)
	}
	return n > 0, nil
}

// indexPending indexes what is queued, in batches, and returns how many
// queued rows it took.
func (c *core) indexPending(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := c.indexOnce(ctx)
		total += n
		if err != nil {
			return total, fmt.Errorf("index for search: %w", err)
		}
		if n < indexBatch {
			return total, nil
		}
	}
}

// indexOnce indexes up to indexBatch queued rows in one transaction: a
// few statements, however many texts.
func (c *core) indexOnce(ctx context.Context) (int, error) {
	var n int64
	err := c.write(ctx, func(q dbtx) error {
		if c.d.name == "postgres" {
			return one(q.QueryRow(ctx, `WITH taken AS (
					DELETE FROM search_queue WHERE id IN (SELECT id FROM search_queue ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
					RETURNING ticket_id, message_id),
				docs AS (INSERT INTO search_docs (ticket_id, search)
					SELECT k.ticket_id, intake_search_words(t.ref || ' ' || t.requester || ' ' || left(t.subject, 32000))
						FROM taken k JOIN tickets t ON t.id = k.ticket_id WHERE k.message_id = ''
					UNION ALL
					SELECT k.ticket_id, intake_search_words(p.body)
						FROM taken k JOIN parts p ON p.message_id = k.message_id WHERE k.message_id <> '' AND p.body <> '')
				SELECT COUNT(*) FROM taken`, indexBatch), &n)
		}
		var last, before int64
		if err := one(q.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM (SELECT id FROM search_queue ORDER BY id LIMIT ?)", indexBatch), &last); err != nil {
			return err
		}
		if last == 0 {
			return nil
		}
		if err := one(q.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM search_docs"), &before); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `INSERT INTO search_docs (ticket_id, message_id, idx)
			SELECT k.ticket_id, '', -1 FROM search_queue k WHERE k.id <= ? AND k.message_id = ''
			UNION ALL
			SELECT k.ticket_id, p.message_id, p.idx FROM search_queue k JOIN parts p ON p.message_id = k.message_id
				WHERE k.id <= ? AND k.message_id <> '' AND p.body <> ''`, last, last); err != nil {
			return fmt.Errorf("add search documents: %w", err)
		}
		// One statement for the whole batch: FTS5 writes a segment per
		// statement.
		if _, err := q.Exec(ctx, `INSERT INTO search_fts (rowid, body)
			SELECT d.id, CASE WHEN d.idx < 0 THEN t.ref || ' ' || t.requester || ' ' || substr(t.subject, 1, 32000) ELSE substr(p.body, 1, 32000) END
			FROM search_docs d JOIN tickets t ON t.id = d.ticket_id LEFT JOIN parts p ON p.message_id = d.message_id AND p.idx = d.idx
			WHERE d.id > ?`, before); err != nil {
			return fmt.Errorf("index search documents: %w", err)
		}
		var err error
		n, err = q.Exec(ctx, "DELETE FROM search_queue WHERE id <= ?", last)
		return err
	})
	return int(n), err
}
