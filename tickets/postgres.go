package tickets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The PostgreSQL backend, for several gateway nodes sharing one database.
// Each write is its own transaction (PostgreSQL does its own group commit);
// the dedup key's unique constraint stops a redelivery to another node,
// outbox claims skip rows another node is locking, rate-limit checks take
// an advisory lock on their key, and audit appends lock the chain's head.

type pgStore struct {
	*core
	pool *pgxpool.Pool

	// Group commit (postgres_batch.go).
	reqs       chan *pgGroupReq
	stop       chan struct{}
	committers sync.WaitGroup
	// groups and grouped count group commits and the writes they carried.
	groups, grouped atomic.Int64
}

// migrationLock is an arbitrary constant naming intake's migration lock.
const migrationLock = "SELECT pg_advisory_xact_lock(7234501)"

func openPostgres(ctx context.Context, o Options) (*pgStore, error) {
	if o.DSN == "" {
		return nil, fmt.Errorf("open postgres store: dsn missing ([store] dsn)")
	}
	cfg, err := pgxpool.ParseConfig(o.DSN)
	if err != nil {
		// The parse error may quote the DSN, password and all: say less.
		return nil, fmt.Errorf("open postgres store: dsn is not valid")
	}
	if o.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = o.Schema
		// Create the schema with a connection that does not need it yet.
		conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
		if err != nil {
			return nil, fmt.Errorf("open postgres store: connect: %w", err)
		}
		_, err = conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{o.Schema}.Sanitize())
		conn.Close(ctx)
		if err != nil {
			return nil, fmt.Errorf("open postgres store: create schema: %w", err)
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: connect: %w", err)
	}
	d := dialect{
		name:       "postgres",
		forUpdate:  " FOR UPDATE",
		skipLocked: " FOR UPDATE SKIP LOCKED",
		lockKey:    "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
		isUnique:   pgUnique,
	}
	s := &pgStore{core: newCore(o, d), pool: pool}
	s.core.read = pgDB{q: pool}
	s.core.write = s.write
	s.core.snapshot = s.snapshot
	s.core.ping = func(ctx context.Context) error { return pool.Ping(ctx) }
	s.core.writeRerunnable = s.writeGrouped
	s.core.close = func() error {
		close(s.stop)
		s.committers.Wait()
		pool.Close()
		return nil
	}
	translate := func(sql string) string { return strings.ReplaceAll(sql, "BLOB", "BYTEA") }
	if err := migrate(ctx, "postgres", s.write, migrationLock, translate); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	// Half the pool commits groups; the rest is for reads, the outbox and
	// writes that run alone.
	s.startCommitters(max(2, int(cfg.MaxConns)/2))
	return s, nil
}

func pgUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// retryable tells a serialisation failure or deadlock, after which the
// transaction can simply run again.
func retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
}

func (s *pgStore) write(ctx context.Context, fn func(q dbtx) error) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.writeOnce(ctx, fn)
		if !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 10 * time.Millisecond):
		}
	}
	return err
}

func (s *pgStore) writeOnce(ctx context.Context, fn func(q dbtx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	q := pgDB{q: tx, st: &pgTxState{}}
	err = runGuarded(fn, q)
	if err == nil {
		err = q.finish(ctx)
	}
	if err != nil {
		// If the server went away the rollback fails too; the transaction
		// is gone with the connection either way.
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// pgDB adapts a pool or a transaction to dbtx.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type pgDB struct {
	q  pgQuerier
	st *pgTxState // nil outside a write transaction
	// fixed, when set, replaces the callers' contexts: in a group commit
	// one caller's cancellation must not abort the others' transaction.
	fixed context.Context
}

func (d pgDB) ctx(ctx context.Context) context.Context {
	if d.fixed != nil {
		return d.fixed
	}
	return ctx
}

// pgTxState is what a write transaction remembers between statements:
// the audit chain it holds, that chain's head as it has left it, and the
// deferred statements not yet sent.
type pgTxState struct {
	chain int64
	head  chainHead
	queue []deferred
	// seqs are audit seqs drawn and not used yet; seqBlock is how many to
	// draw at once (see nextSeqPG).
	seqs     []int64
	seqBlock int
	// headDirty: events were appended; the chain's head row is written
	// by finish.
	headDirty bool
}

// deferred is a statement held by Defer.
type deferred struct {
	what, sql string
	args      []any
}

// snapshot runs fn in a read-only REPEATABLE READ transaction: every
// statement sees the same snapshot.
func (s *pgStore) snapshot(ctx context.Context, fn func(q dbtx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(pgDB{q: tx})
}

func (d pgDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	ctx = d.ctx(ctx)
	if d.pending() {
		br, err := d.sendWith(ctx, q, args)
		if err != nil {
			return 0, err
		}
		tag, err := br.Exec()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
		return tag.RowsAffected(), nil
	}
	tag, err := d.q.Exec(ctx, rebind(q), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (d pgDB) Query(ctx context.Context, q string, args ...any) (rows, error) {
	ctx = d.ctx(ctx)
	// Rows stream; send what is held first rather than interleave.
	if err := d.flush(ctx); err != nil {
		return nil, err
	}
	r, err := d.q.Query(ctx, rebind(q), args...)
	if err != nil {
		return nil, err
	}
	return pgRows{r}, nil
}

func (d pgDB) QueryRow(ctx context.Context, q string, args ...any) row {
	ctx = d.ctx(ctx)
	if d.pending() {
		br, err := d.sendWith(ctx, q, args)
		if err != nil {
			return errRow{err}
		}
		return pgBatchRow{br.QueryRow(), br}
	}
	return pgRow{d.q.QueryRow(ctx, rebind(q), args...)}
}

func (d pgDB) Defer(ctx context.Context, what string, q string, args ...any) error {
	ctx = d.ctx(ctx)
	if d.st == nil {
		if _, err := d.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	d.st.queue = append(d.st.queue, deferred{what, rebind(q), args})
	return nil
}

func (d pgDB) pending() bool { return d.st != nil && len(d.st.queue) > 0 }

// pgBatcher is what a pgx transaction offers to send a batch.
type pgBatcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// sendWith sends the held statements and q in one round trip. The held
// ones' results are read here; q's are left in the returned results, which
// the caller closes.
func (d pgDB) sendWith(ctx context.Context, q string, args []any) (pgx.BatchResults, error) {
	ctx = d.ctx(ctx)
	sb, ok := d.q.(pgBatcher)
	if !ok {
		return nil, fmt.Errorf("deferred statements outside a transaction")
	}
	b := &pgx.Batch{}
	held := d.st.queue
	d.st.queue = nil
	for _, h := range held {
		b.Queue(h.sql, h.args...)
	}
	if q != "" {
		b.Queue(rebind(q), args...)
	}
	br := sb.SendBatch(ctx, b)
	for _, h := range held {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, fmt.Errorf("%s: %w", h.what, err)
		}
	}
	return br, nil
}

// finish moves the chain head this transaction appended to and sends
// every statement held: what runs just before the commit.
func (d pgDB) finish(ctx context.Context) error {
	if err := d.deferHead(ctx); err != nil {
		return err
	}
	return d.flush(ctx)
}

// deferHead queues the move of the chain head the transaction appended
// to, if it did.
func (d pgDB) deferHead(ctx context.Context) error {
	st := d.st
	if st == nil || !st.headDirty {
		return nil
	}
	h := st.head
	st.headDirty = false
	return d.Defer(ctx, "advance audit head", "UPDATE audit_head SET seq = ?, hash = ?, events = ?, key_seq = ? WHERE id = ?",
		h.seq, h.hash, h.events, h.keySeq, st.chain)
}

// flush sends the held statements, if any.
func (d pgDB) flush(ctx context.Context) error {
	ctx = d.ctx(ctx)
	if !d.pending() {
		return nil
	}
	br, err := d.sendWith(ctx, "", nil)
	if err != nil {
		return err
	}
	return br.Close()
}

// pgBatchRow is a row that came in a batch; reading it ends the batch.
type pgBatchRow struct {
	r  pgx.Row
	br pgx.BatchResults
}

func (r pgBatchRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type pgRows struct{ r pgx.Rows }

func (r pgRows) Next() bool             { return r.r.Next() }
func (r pgRows) Scan(dest ...any) error { return r.r.Scan(dest...) }
func (r pgRows) Err() error             { return r.r.Err() }
func (r pgRows) Close()                 { r.r.Close() }

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
