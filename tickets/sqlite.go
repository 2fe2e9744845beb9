package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The SQLite backend: one database file under the data directory in WAL
// mode with synchronous=FULL (a commit is on disk when it returns) and
// secure_delete (deleted content is overwritten, not left in free pages).
//
// All writes go through ONE writer goroutine. It takes every write waiting
// at that moment into one transaction, each inside its own savepoint so a
// failing one is rolled back alone, and commits them with one fsync: group
// commit. Each caller hears back only after that commit. Reads use a
// separate pool of read-only connections, which WAL lets run beside the
// writer.

// DBFile is the database's file name under the data directory.
const DBFile = "intake.db"

type sqliteStore struct {
	*core
	w, r *sql.DB
	reqs chan *writeReq
	stop chan struct{}
	done chan struct{}
	// stmts is the writer's prepared statements; parsing SQL was a quarter
	// of an accept's CPU. Only the writer goroutine touches it.
	stmts *stmtCache
	// commits and writes count group commits and the writes they carried
	// (benchmarks report writes per commit).
	commits, writes atomic.Int64
}

type writeReq struct {
	ctx        context.Context
	fn         func(q dbtx) error
	checkpoint bool
	err        chan error
}

func sqliteDSN(path string, readOnly bool, busy time.Duration) string {
	v := url.Values{}
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	v.Add("_pragma", "foreign_keys(ON)")
	v.Add("_pragma", "secure_delete(ON)")
	v.Add("_pragma", "synchronous(FULL)")
	// Savepoint and temp data stay in memory: no temporary files at all,
	// and no write() per page for each accept's savepoint.
	v.Add("_pragma", "temp_store(MEMORY)")
	// A larger page cache keeps the indexes every accept touches in
	// memory instead of re-reading them with a system call each.
	v.Add("_pragma", "cache_size(-32768)")
	if readOnly {
		v.Add("_pragma", "query_only(ON)")
	} else {
		v.Add("_pragma", "journal_mode(WAL)")
		// Take the write lock at BEGIN: another process (the CLI) then
		// waits on busy_timeout instead of failing mid-transaction.
		v.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + v.Encode()
}

func openSQLite(ctx context.Context, o Options) (Store, error) {
	path := o.DSN
	if path == "" {
		if o.DataDir == "" {
			return nil, fmt.Errorf("open sqlite store: no data directory")
		}
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("open sqlite store: create data dir: %w", err)
		}
		path = filepath.Join(o.DataDir, DBFile)
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, false, o.BusyTimeout))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	// The database file, its WAL and its shared memory hold only masked text
	// and ciphertext, but they are still nobody else's business.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Chmod(path+suffix, 0o600)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true, o.BusyTimeout))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)

	d := dialect{name: "sqlite", isUnique: sqliteUnique}
	s := &sqliteStore{core: newCore(o, d), w: w, r: r,
		reqs: make(chan *writeReq), stop: make(chan struct{}), done: make(chan struct{})}
	s.stmts = &stmtCache{db: w, m: map[string]*sql.Stmt{}, want: map[string]bool{}}
	s.core.read = sqlDB{r}
	s.core.write = s.write
	s.core.checkpoint = s.doWALCheckpoint
	s.core.ping = s.pingDB
	s.core.close = s.shutdown

	direct := func(ctx context.Context, fn func(q dbtx) error) error {
		tx, err := w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(sqlTx{tx, nil}); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	if err := migrate(ctx, direct, "", func(s string) string { return s }); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	go s.writer()
	return s, nil
}

func sqliteUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY ||
		(e.Code()&0xff == sqlite3.SQLITE_CONSTRAINT && strings.Contains(e.Error(), "UNIQUE"))
}

// write hands fn to the writer and waits for the outcome. Once handed
// over, it waits even if ctx ends: the write may be committing, and a
// caller told "failed" about a committed ticket would answer 4xx for mail
// that is kept (harmless with dedup, but untrue).
func (s *sqliteStore) write(ctx context.Context, fn func(q dbtx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case s.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return ErrClosed
	}
	return <-req.err
}

func (s *sqliteStore) doWALCheckpoint(ctx context.Context) error {
	req := &writeReq{ctx: ctx, checkpoint: true, err: make(chan error, 1)}
	select {
	case s.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return ErrClosed
	}
	return <-req.err
}

func (s *sqliteStore) writer() {
	defer close(s.done)
	batch := make([]*writeReq, 0, s.o.MaxBatch)
	for {
		batch = batch[:0]
		select {
		case req := <-s.reqs:
			batch = append(batch, req)
		case <-s.stop:
			return
		}
		// Gather every write already waiting: they share the commit.
		if !s.o.NoGroupCommit && !batch[0].checkpoint {
		gather:
			for len(batch) < s.o.MaxBatch {
				select {
				case req := <-s.reqs:
					if req.checkpoint {
						s.runBatch(batch)
						batch = append(batch[:0], req)
						break gather
					}
					batch = append(batch, req)
				default:
					break gather
				}
			}
		}
		if batch[0].checkpoint {
			_, err := s.w.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
			batch[0].err <- err
			continue
		}
		s.runBatch(batch)
		s.stmts.prepareWanted()
	}
}

// runBatch commits a batch in one transaction with a savepoint per member.
// A member that fails is rolled back to its savepoint and told its error;
// the others commit. If the transaction itself fails (disk full, I/O
// error, SQLite rolled it back), every member is told, and nothing of any
// of them stays.
func (s *sqliteStore) runBatch(batch []*writeReq) {
	errs := make([]error, len(batch))
	fail := func(err error) {
		for i, r := range batch {
			if errs[i] == nil {
				errs[i] = err
			}
			r.err <- errs[i]
		}
	}
	// The statements run without the callers' contexts: cancelling one
	// would interrupt SQLite and roll back the whole shared transaction.
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		for i := range errs {
			errs[i] = nil
		}
		fail(fmt.Errorf("begin write: %w", err))
		return
	}
	q := sqlTx{tx, s.stmts}
	ok := 0
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if _, err := tx.Exec("SAVEPOINT m"); err != nil {
			tx.Rollback()
			fail(fmt.Errorf("savepoint: %w", err))
			return
		}
		errs[i] = runGuarded(r.fn, q)
		if errs[i] != nil {
			if _, err := tx.Exec("ROLLBACK TO m"); err != nil {
				tx.Rollback()
				fail(fmt.Errorf("roll back one write: %w (after: %w)", err, errs[i]))
				return
			}
		} else {
			ok++
		}
		if _, err := tx.Exec("RELEASE m"); err != nil {
			tx.Rollback()
			fail(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	s.commits.Add(1)
	s.writes.Add(int64(len(batch)))
	if ok == 0 {
		tx.Rollback()
	} else if err := tx.Commit(); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("commit: %w", err)
			}
		}
	}
	for i, r := range batch {
		r.err <- errs[i]
	}
}

// runGuarded turns a panic in a write (a caller's OutboxFor, say) into an
// error, so one bad member cannot take down the writer or its batch.
func runGuarded(fn func(q dbtx) error, q dbtx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	return fn(q)
}

func (s *sqliteStore) pingDB(ctx context.Context) error {
	select {
	case <-s.done:
		return ErrClosed
	default:
	}
	var one int
	return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func (s *sqliteStore) shutdown() error {
	close(s.stop)
	<-s.done
	// A clean close leaves no WAL behind; what it held is in the main file.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	err := errors.Join(s.r.Close(), s.w.Close())
	if err != nil {
		return fmt.Errorf("close sqlite store: %w", err)
	}
	return nil
}

// sqlDB and sqlTx adapt database/sql to dbtx.
type sqlDB struct{ db *sql.DB }

func (d sqlDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := d.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d sqlDB) Query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (d sqlDB) QueryRow(ctx context.Context, q string, args ...any) row {
	return sqlRow{d.db.QueryRowContext(ctx, q, args...)}
}

// sqlTx ignores the callers' contexts on purpose (see runBatch). With a
// cache it runs prepared statements.
type sqlTx struct {
	tx    *sql.Tx
	cache *stmtCache
}

// stmt returns q prepared for this transaction, or nil to run it as text.
func (t sqlTx) stmt(q string) *sql.Stmt {
	if t.cache == nil {
		return nil
	}
	if st := t.cache.get(q); st != nil {
		// One connection: the statement is already prepared on it.
		return t.tx.Stmt(st)
	}
	return nil
}

func (t sqlTx) Exec(_ context.Context, q string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if st := t.stmt(q); st != nil {
		res, err = st.Exec(args...)
	} else {
		res, err = t.tx.Exec(q, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t sqlTx) Query(_ context.Context, q string, args ...any) (rows, error) {
	var r *sql.Rows
	var err error
	if st := t.stmt(q); st != nil {
		r, err = st.Query(args...)
	} else {
		r, err = t.tx.Query(q, args...)
	}
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (t sqlTx) QueryRow(_ context.Context, q string, args ...any) row {
	if st := t.stmt(q); st != nil {
		return sqlRow{st.QueryRow(args...)}
	}
	return sqlRow{t.tx.QueryRow(q, args...)}
}

// stmtCache holds statements prepared on the writer's one connection.
// Write queries are a fixed set of strings, so it stays small. A statement
// cannot be prepared while a transaction holds the connection, so a query
// seen for the first time runs as text and is prepared between batches.
type stmtCache struct {
	db   *sql.DB
	m    map[string]*sql.Stmt
	want map[string]bool
}

func (c *stmtCache) get(q string) *sql.Stmt {
	st, ok := c.m[q]
	if !ok {
		c.want[q] = true
	}
	return st
}

// prepareWanted runs between batches, with the connection idle. A query
// that will not prepare keeps running as text (nil entry).
func (c *stmtCache) prepareWanted() {
	for q := range c.want {
		st, err := c.db.Prepare(q)
		if err != nil {
			st = nil
		}
		c.m[q] = st
		delete(c.want, q)
	}
}

func nowUTC() time.Time { return time.Now().UTC() }

type sqlRows struct{ r *sql.Rows }

func (r sqlRows) Next() bool             { return r.r.Next() }
func (r sqlRows) Scan(dest ...any) error { return r.r.Scan(dest...) }
func (r sqlRows) Err() error             { return r.r.Err() }
func (r sqlRows) Close()                 { r.r.Close() }

type sqlRow struct{ r *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
