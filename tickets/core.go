package tickets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// core is the behaviour both backends share; each backend supplies how to
// run a write transaction and how to read.
type core struct {
	o  Options
	d  dialect
	th *Threader
	ix *indexer // search indexing (search_index.go)

	// write runs fn in a write transaction: fn's changes commit together,
	// durably, before write returns nil; if fn fails nothing of it stays.
	write func(ctx context.Context, fn func(q dbtx) error) error
	// writeRerunnable is write for an fn that may be run more than once
	// in a transaction that is then rolled back (SQLite runs such writes
	// without a savepoint each; see runBatch). nil: write.
	writeRerunnable func(ctx context.Context, fn func(q dbtx) error) error
	// read is a pool for queries outside any write.
	read dbtx
	// checkpoint makes deleted pages really gone from the WAL (SQLite);
	// nil where there is nothing to do.
	checkpoint func(ctx context.Context) error
	ping       func(ctx context.Context) error
	// snapshot runs fn's reads in one consistent snapshot of the store.
	snapshot func(ctx context.Context, fn func(q dbtx) error) error
	close    func() error

	wake      chan struct{}
	closeOnce sync.Once
	closeErr  error

	// notify caches who asked for notifications (notify.go).
	notify notifyCache

	// acceptFault, set by tests only, fails (or panics in) an accept's
	// transaction after its rows are written, before its jobs and audit.
	acceptFault func(*Inbound) error
}

func newCore(o Options, d dialect) *core {
	return &core{o: o, d: d, th: NewThreader(o.Secret), wake: make(chan struct{}, 1)}
}

// writeAgain runs fn through writeRerunnable where the backend has it.
func (c *core) writeAgain(ctx context.Context, fn func(q dbtx) error) error {
	if c.writeRerunnable != nil {
		return c.writeRerunnable(ctx, fn)
	}
	return c.write(ctx, fn)
}

func (c *core) now() time.Time { return c.o.Now().UTC().Truncate(time.Microsecond) }

func (c *core) Ping(ctx context.Context) error {
	if err := c.ping(ctx); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}

func (c *core) Close() error {
	c.closeOnce.Do(func() { c.stopIndexer(); c.closeErr = c.close() })
	return c.closeErr
}

func (c *core) Wake() <-chan struct{} { return c.wake }

// signal wakes a local outbox worker without blocking.
func (c *core) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// one reads a single row, mapping "no row" to ErrNotFound.
func one(r row, dest ...any) error {
	err := r.Scan(dest...)
	if errors.Is(err, ErrNotFound) {
		return ErrNotFound
	}
	return err
}

// handOff gives req to a group-commit loop (SQLite's writer, PostgreSQL's
// committers) and waits for its outcome on errc. Once handed over it
// waits even if ctx ends: the write may be committing, and a caller told
// "failed" about a committed ticket would answer 4xx for mail that is
// kept.
func handOff[R any](ctx context.Context, reqs chan<- R, stop <-chan struct{}, req R, errc <-chan error) error {
	select {
	case reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return ErrClosed
	}
	return <-errc
}
