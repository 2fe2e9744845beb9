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
	// wc is w's one connection, held by the writer goroutine for its whole
	// life. Transactions on it are begun and ended by statement rather than
	// through sql.Tx: a Tx's context makes database/sql start a goroutine
	// for every query run in it.
	wc   *sql.Conn
	reqs chan *writeReq
	stop chan struct{}
	done chan struct{}
	// stmts is the writer's prepared statements; parsing SQL was a quarter
	// of an accept's CPU. Only the writer goroutine touches it.
	stmts *stmtCache
	// commits and writes count group commits and the writes they carried
	// (benchmarks report writes per commit).
	commits, writes atomic.Int64
	// busy is the writer's time inside batches (ns): the serial part of
	// every write, which bounds throughput however many callers wait.
	busy atomic.Int64
}

type writeReq struct {
	ctx context.Context
	fn  func(q dbtx) error
	// rerun says fn may run more than once (see runBatch): everything it
	// does is in the database or assigned, not accumulated, to variables.
	rerun bool
	// onConn, when set, is run alone on the writer's connection between
	// batches (a WAL checkpoint, a test's PRAGMA) instead of fn.
	onConn func(c *sql.Conn) error
	err    chan error
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

func openSQLite(ctx context.Context, o Options) (*sqliteStore, error) {
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
	s.core.read = sqlDB{r}
	s.core.snapshot = s.snapshot
	s.core.write = s.write
	s.core.writeRerunnable = s.writeRerunnable
	s.core.checkpoint = s.doWALCheckpoint
	s.core.ping = s.pingDB
	s.core.close = s.shutdown

	direct := func(ctx context.Context, fn func(q dbtx) error) error {
		tx, err := w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(sqlTx{x: tx}); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	if err := migrate(ctx, "sqlite", direct, "", func(s string) string { return s }); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	if s.wc, err = w.Conn(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	s.stmts = &stmtCache{c: s.wc, m: map[string]*sql.Stmt{}}
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
	return s.send(ctx, &writeReq{ctx: ctx, fn: fn, err: make(chan error, 1)})
}

// writeRerunnable is write for an fn that may run more than once.
func (s *sqliteStore) writeRerunnable(ctx context.Context, fn func(q dbtx) error) error {
	return s.send(ctx, &writeReq{ctx: ctx, fn: fn, rerun: true, err: make(chan error, 1)})
}

func (s *sqliteStore) send(ctx context.Context, req *writeReq) error {
	return handOff(ctx, s.reqs, s.stop, req, req.err)
}

func (s *sqliteStore) doWALCheckpoint(ctx context.Context) error {
	return s.onWriter(ctx, func(c *sql.Conn) error {
		bg := context.Background()
		// Deleted tickets' words are only marked deleted in the search
		// index until it is rewritten (see 0004_desk.sqlite.sql).
		var purged int64
		if err := c.QueryRowContext(bg, "SELECT purged FROM search_state WHERE id = 1").Scan(&purged); err != nil {
			return fmt.Errorf("read search state: %w", err)
		}
		if purged != 0 {
			if _, err := c.ExecContext(bg, "INSERT INTO search_fts (search_fts) VALUES ('optimize')"); err != nil {
				return fmt.Errorf("rewrite search index: %w", err)
			}
			if _, err := c.ExecContext(bg, "UPDATE search_state SET purged = 0 WHERE id = 1"); err != nil {
				return fmt.Errorf("write search state: %w", err)
			}
		}
		_, err := c.ExecContext(bg, "PRAGMA wal_checkpoint(TRUNCATE)")
		return err
	})
}

// onWriter runs fn on the writer's connection, outside any batch.
func (s *sqliteStore) onWriter(ctx context.Context, fn func(c *sql.Conn) error) error {
	return s.send(ctx, &writeReq{ctx: ctx, onConn: fn, err: make(chan error, 1)})
}

func (s *sqliteStore) writer() {
	defer close(s.done)
	defer s.wc.Close()
	defer s.stmts.close()
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
		if !s.o.NoGroupCommit && batch[0].onConn == nil {
		gather:
			for len(batch) < s.o.MaxBatch {
				select {
				case req := <-s.reqs:
					if req.onConn != nil {
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
		if fn := batch[0].onConn; fn != nil {
			batch[0].err <- fn(s.wc)
			continue
		}
		s.runBatch(batch)
	}
}

// runBatch commits a batch in one transaction. A member that fails is
// rolled back alone and told its error; the others commit. If the
// transaction itself fails (disk full, I/O error, SQLite rolled it back),
// every member is told, and nothing of any of them stays.
//
// Savepoints cost: SQLite copies every page a member first touches into
// its statement journal. So a batch whose members may all run twice goes
// first without them; if a member fails, the whole transaction is rolled
// back, that member keeps its error (it would fail the same way again:
// same order, same data), and the rest run again, each in a savepoint.
// Failures are rare (the inputs were checked before the writer saw them),
// so nearly every batch commits on the first pass.
func (s *sqliteStore) runBatch(batch []*writeReq) {
	start := time.Now()
	defer func() { s.busy.Add(int64(time.Since(start))) }()
	errs := make([]error, len(batch))
	settled := make([]bool, len(batch))
	rerunnable := true
	for _, r := range batch {
		rerunnable = rerunnable && r.rerun
	}
	if !rerunnable || s.runOnce(batch, errs, settled, false) {
		s.runOnce(batch, errs, settled, true)
	}
	s.commits.Add(1)
	s.writes.Add(int64(len(batch)))
	for i, r := range batch {
		r.err <- errs[i]
	}
}

// runOnce runs the unsettled members of batch in one transaction, each in
// its own savepoint or not, and commits what succeeded. It fills errs and
// settled, and reports whether the members must run again with
// savepoints (only when savepoints is false and one failed).
func (s *sqliteStore) runOnce(batch []*writeReq, errs []error, settled []bool, savepoints bool) (again bool) {
	// fail tells every unsettled member err.
	fail := func(err error) bool {
		for i := range batch {
			if !settled[i] {
				errs[i], settled[i] = err, true
			}
		}
		return false
	}
	bg := context.Background()
	// The statements run without the callers' contexts: cancelling one
	// would interrupt SQLite and roll back the whole shared transaction.
	b := &sqliteBatch{c: s.wc, stmts: s.stmts, key: s.o.AuditKey}
	q := b.q()
	// IMMEDIATE takes the write lock now: another process (the CLI) makes
	// us wait on busy_timeout here instead of failing mid-transaction.
	if _, err := q.Exec(bg, "BEGIN IMMEDIATE"); err != nil {
		// Should an earlier transaction have been left open, end it so
		// that the next batch can begin.
		s.rollback()
		return fail(fmt.Errorf("begin write: %w", err))
	}
	ok := 0
	for i, r := range batch {
		if settled[i] {
			continue
		}
		if err := r.ctx.Err(); err != nil {
			errs[i], settled[i] = err, true
			continue
		}
		if !savepoints {
			if err := runGuarded(r.fn, q); err != nil {
				s.rollback()
				errs[i], settled[i] = err, true
				return true
			}
			ok++
			continue
		}
		if _, err := q.Exec(bg, "SAVEPOINT m"); err != nil {
			s.rollback()
			return fail(fmt.Errorf("savepoint: %w", err))
		}
		m := b.mark()
		if err := runGuarded(r.fn, q); err != nil {
			errs[i], settled[i] = err, true
			b.rollbackTo(m)
			if _, err := q.Exec(bg, "ROLLBACK TO m"); err != nil {
				s.rollback()
				return fail(fmt.Errorf("roll back one write: %w (after: %w)", err, errs[i]))
			}
		} else {
			ok++
		}
		if _, err := q.Exec(bg, "RELEASE m"); err != nil {
			s.rollback()
			return fail(fmt.Errorf("release savepoint: %w", err))
		}
	}
	if ok == 0 {
		s.rollback()
		return fail(nil)
	}
	if err := b.flush(); err != nil {
		s.rollback()
		return fail(err)
	}
	if _, err := q.Exec(bg, "COMMIT"); err != nil {
		// A failed COMMIT may leave the transaction open (SQLITE_BUSY) or
		// already rolled back (I/O error, disk full): end it either way.
		s.rollback()
		return fail(fmt.Errorf("commit: %w", err))
	}
	return fail(nil)
}

// rollback ends the writer's transaction, if one is still open; SQLite
// may have rolled it back already after an I/O error, so "no transaction
// is active" is no news.
func (s *sqliteStore) rollback() {
	_, _ = s.wc.ExecContext(context.Background(), "ROLLBACK")
}

// runGuarded turns a panic in a write (a bug of ours, say) into an
// error, so one bad member cannot take down the writer or its batch.
func runGuarded(fn func(q dbtx) error, q dbtx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	return fn(q)
}

// snapshot runs fn in one read transaction: WAL keeps every statement in
// it on the snapshot its first read took.
func (s *sqliteStore) snapshot(ctx context.Context, fn func(q dbtx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	defer tx.Rollback()
	return fn(sqlTx{x: tx})
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

func (d sqlDB) Defer(ctx context.Context, what string, q string, args ...any) error {
	if _, err := d.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
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

// sqlTx runs statements on the writer's connection (or, while migrating,
// in a sql.Tx). It ignores the callers' contexts on purpose (see
// runBatch). With a cache it runs prepared statements.
type sqlTx struct {
	x     sqlExecer
	cache *stmtCache
	b     *sqliteBatch // the writer's batch; nil outside the writer
}

// sqlExecer is what *sql.Tx and *sql.Conn share.
type sqlExecer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmt returns q prepared, or nil to run it as text.
func (t sqlTx) stmt(q string) *sql.Stmt {
	if t.cache == nil {
		return nil
	}
	return t.cache.get(q)
}

func (t sqlTx) Exec(_ context.Context, q string, args ...any) (int64, error) {
	bg := context.Background()
	var res sql.Result
	var err error
	if st := t.stmt(q); st != nil {
		res, err = st.ExecContext(bg, args...)
	} else {
		res, err = t.x.ExecContext(bg, q, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t sqlTx) Defer(ctx context.Context, what string, q string, args ...any) error {
	if _, err := t.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (t sqlTx) Query(_ context.Context, q string, args ...any) (rows, error) {
	bg := context.Background()
	var r *sql.Rows
	var err error
	if st := t.stmt(q); st != nil {
		r, err = st.QueryContext(bg, args...)
	} else {
		r, err = t.x.QueryContext(bg, q, args...)
	}
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

func (t sqlTx) QueryRow(_ context.Context, q string, args ...any) row {
	bg := context.Background()
	if st := t.stmt(q); st != nil {
		return sqlRow{st.QueryRowContext(bg, args...)}
	}
	return sqlRow{t.x.QueryRowContext(bg, q, args...)}
}

// stmtCache holds statements prepared on the writer's one connection.
// Write queries are a fixed set of strings, so it stays small. SQLite can
// prepare inside a transaction, so a query seen for the first time is
// prepared at once; one that will not prepare (nil entry) runs as text
// and fails, or not, as text.
type stmtCache struct {
	c *sql.Conn
	m map[string]*sql.Stmt
}

func (c *stmtCache) get(q string) *sql.Stmt {
	st, ok := c.m[q]
	if !ok {
		st, _ = c.c.PrepareContext(context.Background(), q)
		c.m[q] = st
	}
	return st
}

func (c *stmtCache) close() {
	for _, st := range c.m {
		if st != nil {
			st.Close()
		}
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
