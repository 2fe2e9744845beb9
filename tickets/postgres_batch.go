package tickets

import (
	"context"
	"errors"
	"fmt"
)

// Group commit on PostgreSQL, for the writes that may run more than once
// (accepts, audit appends). Each accept alone was a transaction of its
// own: a BEGIN, a chain head to lock, a COMMIT and a WAL flush for every
// message, on a pool of a few connections. A few committers instead each
// take every such write waiting at that moment into one transaction, each
// write inside its own savepoint so that a failing one is rolled back
// alone, lock one audit chain for all of them, and commit them with one
// flush. A caller hears back only after that commit, as on SQLite.
//
// Savepoints are cheap here: SAVEPOINT travels with the write's first
// statement and RELEASE with its last deferred ones, so a write costs no
// round trip more than it did alone.

// pgGroupReq is one write waiting for a committer.
type pgGroupReq struct {
	ctx context.Context
	fn  func(q dbtx) error
	err chan error
}

// startCommitters starts n committers; they end when stop is closed.
func (s *pgStore) startCommitters(n int) {
	s.reqs = make(chan *pgGroupReq)
	s.stop = make(chan struct{})
	for i := 0; i < n; i++ {
		s.committers.Add(1)
		go s.committer()
	}
}

// writeGrouped hands fn to a committer and waits for its commit. Once
// handed over it waits even if ctx ends: the write may be committing.
func (s *pgStore) writeGrouped(ctx context.Context, fn func(q dbtx) error) error {
	if s.o.NoGroupCommit {
		return s.write(ctx, fn)
	}
	req := &pgGroupReq{ctx: ctx, fn: fn, err: make(chan error, 1)}
	return handOff(ctx, s.reqs, s.stop, req, req.err)
}

func (s *pgStore) committer() {
	defer s.committers.Done()
	batch := make([]*pgGroupReq, 0, s.o.MaxBatch)
	for {
		batch = batch[:0]
		select {
		case req := <-s.reqs:
			batch = append(batch, req)
		case <-s.stop:
			return
		}
	gather:
		for len(batch) < s.o.MaxBatch {
			select {
			case req := <-s.reqs:
				batch = append(batch, req)
			default:
				break gather
			}
		}
		s.commitGroup(batch)
	}
}

// commitGroup runs batch in one transaction and tells each member its
// outcome. It runs the members first one after another with nothing
// between them: their statements that need no answer travel with the
// next member's first statement, so a member costs about one round trip.
// If any fails, that transaction is rolled back and the batch runs again
// with a savepoint around each member (every member may run twice: see
// writeRerunnable), which rolls back only the one that fails. A member
// whose error says it may simply run again (a deadlock with another node,
// a serialisation failure) does, alone, after the others commit.
func (s *pgStore) commitGroup(batch []*pgGroupReq) {
	s.groups.Add(1)
	s.grouped.Add(int64(len(batch)))
	errs := make([]error, len(batch))
	again := make([]bool, len(batch))
	err := s.runGroup(batch, errs, again, false)
	if errors.Is(err, errMemberFailed) {
		clear(errs)
		clear(again)
		err = s.runGroup(batch, errs, again, true)
	}
	for i, r := range batch {
		switch {
		case errs[i] != nil:
		case err != nil:
			errs[i] = err
		case again[i]:
			errs[i] = s.write(r.ctx, r.fn)
		}
		r.err <- errs[i]
	}
}

// errMemberFailed: a member failed in a run without savepoints.
var errMemberFailed = errors.New("a write of the group failed")

// runGroup runs the batch's members in one transaction, each in a
// savepoint or not, and commits what succeeded. Without savepoints, any
// member's failure rolls back everything and returns errMemberFailed.
func (s *pgStore) runGroup(batch []*pgGroupReq, errs []error, again []bool, savepoints bool) error {
	bg := context.Background()
	tx, err := s.pool.Begin(bg)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	// Two events a member at most (an accept, its sealed item), drawn
	// at once; what is left over is a gap in seq.
	q := pgDB{q: tx, st: &pgTxState{seqBlock: 2 * len(batch)}, fixed: bg}
	ok := 0
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if !savepoints {
			if err := runGuarded(r.fn, q); err != nil {
				tx.Rollback(bg)
				return errMemberFailed
			}
			ok++
			continue
		}
		mark := pgMark{chain: q.st.chain, head: q.st.head, dirty: q.st.headDirty, queued: len(q.st.queue)}
		if err := q.Defer(bg, "savepoint", "SAVEPOINT m"); err != nil {
			tx.Rollback(bg)
			return err
		}
		err := runGuarded(r.fn, q)
		if err == nil {
			// The member's held statements go with the release; one of
			// them failing is the member's failure.
			_, err = q.Exec(bg, "RELEASE SAVEPOINT m")
		}
		if err == nil {
			ok++
			continue
		}
		// Statements not sent yet are the failed member's own.
		q.st.queue = q.st.queue[:min(mark.queued, len(q.st.queue))]
		if _, rerr := q.Exec(bg, "ROLLBACK TO SAVEPOINT m"); rerr != nil {
			tx.Rollback(bg)
			return fmt.Errorf("roll back one write: %w (after: %w)", rerr, err)
		}
		q.st.chain, q.st.head, q.st.headDirty = mark.chain, mark.head, mark.dirty
		if _, rerr := q.Exec(bg, "RELEASE SAVEPOINT m"); rerr != nil {
			tx.Rollback(bg)
			return fmt.Errorf("release savepoint: %w", rerr)
		}
		if retryable(err) {
			again[i] = true
		} else {
			errs[i] = err
		}
	}
	if ok == 0 {
		return tx.Rollback(bg)
	}
	if err := q.finish(bg); err != nil {
		tx.Rollback(bg)
		if !savepoints {
			return errMemberFailed
		}
		return err
	}
	if err := tx.Commit(bg); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// pgMark is what a failed write's rollback restores.
type pgMark struct {
	chain  int64
	head   chainHead
	dirty  bool
	queued int
}
