package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// CopyStore moves a store to another backend (SQLite to PostgreSQL; or
// SQLite to SQLite, PostgreSQL to PostgreSQL). It copies every table the schema has, as the database itself
// lists them and their columns, so a table a later migration adds is
// copied without a change here; a table or column the target lacks stops
// the copy instead of being left behind. Rows keep their ids, refs and
// audit hashes, so the target's chain verifies with the same audit key.
//
// Tables go in foreign-key order, each in batches ordered by its primary
// key. Each batch commits together with a progress row in the target
// (intake_store_copy), so a copy that is interrupted resumes after the
// last batch that committed. A target that holds anything else is refused.
// The source should not change meanwhile: stop the node first.

// copyProgressTable is the target's record of a copy under way; it is
// dropped when the copy completes.
const copyProgressTable = "intake_store_copy"

// derivedTables are rebuilt by the target itself (the search index: the
// target's triggers queue every copied ticket and message for it) or
// belong to the backend (migrations); they are not copied.
var derivedTables = map[string]bool{
	"schema_migrations": true,
	copyProgressTable:   true,
	"search_docs":       true,
	"search_queue":      true,
	"search_state":      true,
}

func derived(table string) bool {
	return derivedTables[table] || strings.HasPrefix(table, "search_fts")
}

// contentTables: a target with a row in any of them is not empty.
var contentTables = []string{"tickets", "messages", "audit", "users", "outbox"}

// copyBatchRows and copyBatchBytes bound one batch: a transaction and
// what is held in memory (attachments and sealed originals are large).
const (
	copyBatchRows  = 500
	copyBatchBytes = 16 << 20
)

// CopyOptions tune CopyStore.
type CopyOptions struct {
	// Progress, when set, hears after every committed batch.
	Progress func(table string, copied int64)
	// afterBatch, set by tests, is called after each committed batch; an
	// error stops the copy there, as an interruption would.
	afterBatch func(table string) error
	// batchRows, set by tests, replaces copyBatchRows.
	batchRows int
}

// CopyReport counts the rows copied per table (by this run: a resumed
// copy counts only what it copied itself).
type CopyReport struct {
	Tables  []string
	Rows    map[string]int64
	Resumed bool
}

// tableInfo is one table as the database describes it.
type tableInfo struct {
	name string
	cols []string
	// types are the target's column types, lower-case.
	types map[string]string
	pk    []string
	refs  []string // tables its foreign keys point at
}

// CopyStore copies every row of from into to (see above).
func CopyStore(ctx context.Context, from, to Store, o CopyOptions) (CopyReport, error) {
	src, dst := coreOfStore(from), coreOfStore(to)
	if src == nil || dst == nil {
		return CopyReport{}, errors.New("store copy: unknown store type")
	}
	rep := CopyReport{Rows: map[string]int64{}}
	if src.d.name == "postgres" && dst.d.name == "sqlite" {
		// SQLite numbers its one chain without gaps and its audit check
		// reads a gap as a deleted event; PostgreSQL's sequence leaves
		// gaps, so the copy would not verify.
		return rep, errors.New("store copy: PostgreSQL to SQLite is not supported (the audit chain would not verify there); use pg_dump to keep a copy")
	}
	srcTables, err := src.listTables(ctx)
	if err != nil {
		return rep, fmt.Errorf("store copy: list source tables: %w", err)
	}
	dstTables, err := dst.listTables(ctx)
	if err != nil {
		return rep, fmt.Errorf("store copy: list target tables: %w", err)
	}
	var plan []*tableInfo
	for _, name := range srcTables {
		if derived(name) {
			continue
		}
		if !contains(dstTables, name) {
			return rep, fmt.Errorf("store copy: the source has table %s, which the target lacks (is the target's intake older?)", name)
		}
		s, err := src.describe(ctx, name)
		if err != nil {
			return rep, fmt.Errorf("store copy: describe source %s: %w", name, err)
		}
		d, err := dst.describe(ctx, name)
		if err != nil {
			return rep, fmt.Errorf("store copy: describe target %s: %w", name, err)
		}
		for _, c := range s.cols {
			if _, ok := d.types[c]; !ok {
				return rep, fmt.Errorf("store copy: the source's %s has column %s, which the target lacks", name, c)
			}
		}
		s.types, s.refs = d.types, d.refs
		if len(d.pk) > 0 {
			s.pk = d.pk
		}
		plan = append(plan, s)
	}
	if plan, err = fkOrder(plan); err != nil {
		return rep, fmt.Errorf("store copy: %w", err)
	}
	for _, t := range plan {
		rep.Tables = append(rep.Tables, t.name)
	}

	source, err := src.copyFingerprint(ctx)
	if err != nil {
		return rep, fmt.Errorf("store copy: %w", err)
	}
	progress, err := dst.copyProgress(ctx, source)
	if err != nil {
		return rep, fmt.Errorf("store copy: %w", err)
	}
	rep.Resumed = len(progress) > 0
	if o.batchRows <= 0 {
		o.batchRows = copyBatchRows
	}
	for _, t := range plan {
		p := progress[t.name]
		if p.done {
			continue
		}
		n, err := copyTable(ctx, src, dst, t, source, p.last, o)
		rep.Rows[t.name] += n
		if err != nil {
			return rep, fmt.Errorf("store copy: %s: %w", t.name, err)
		}
	}
	if err := dst.finishCopy(ctx); err != nil {
		return rep, fmt.Errorf("store copy: %w", err)
	}
	dst.signalIndex()
	return rep, nil
}

func coreOfStore(s Store) *core {
	switch s := s.(type) {
	case *sqliteStore:
		return s.core
	case *pgStore:
		return s.core
	}
	return nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// listTables names the store's tables.
func (c *core) listTables(ctx context.Context) ([]string, error) {
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	if c.d.name == "postgres" {
		q = "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
	}
	return c.strings(ctx, q)
}

func (c *core) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	r, err := c.read.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []string
	for r.Next() {
		var s string
		if err := r.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, r.Err()
}

// describe reads a table's columns, their types, its primary key and the
// tables its foreign keys name.
func (c *core) describe(ctx context.Context, table string) (*tableInfo, error) {
	t := &tableInfo{name: table, types: map[string]string{}}
	var q string
	if c.d.name == "postgres" {
		q = "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
	} else {
		q = "SELECT name, type FROM pragma_table_info(?) ORDER BY cid"
	}
	r, err := c.read.Query(ctx, q, table)
	if err != nil {
		return nil, err
	}
	for r.Next() {
		var name, typ string
		if err := r.Scan(&name, &typ); err != nil {
			r.Close()
			return nil, err
		}
		t.cols = append(t.cols, name)
		t.types[name] = strings.ToLower(typ)
	}
	err = r.Err()
	r.Close()
	if err != nil {
		return nil, err
	}
	if c.d.name == "postgres" {
		t.pk, err = c.strings(ctx, `SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident(?))::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`, table)
		if err == nil {
			t.refs, err = c.strings(ctx, `SELECT DISTINCT cf.relname::text FROM pg_constraint k JOIN pg_class cf ON cf.oid = k.confrelid
				WHERE k.contype = 'f' AND k.conrelid = (quote_ident(current_schema()) || '.' || quote_ident(?))::regclass`, table)
		}
	} else {
		t.pk, err = c.strings(ctx, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", table)
		if err == nil {
			t.refs, err = c.strings(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, table)
		}
	}
	return t, err
}

// fkOrder puts every table after the tables it refers to, by name where
// the keys leave a choice, so every run copies in the same order.
func fkOrder(ts []*tableInfo) ([]*tableInfo, error) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].name < ts[j].name })
	byName := map[string]*tableInfo{}
	for _, t := range ts {
		byName[t.name] = t
	}
	var out []*tableInfo
	state := map[string]int{} // 1 visiting, 2 placed
	var visit func(t *tableInfo) error
	visit = func(t *tableInfo) error {
		switch state[t.name] {
		case 1:
			return fmt.Errorf("foreign keys of %s form a cycle", t.name)
		case 2:
			return nil
		}
		state[t.name] = 1
		for _, r := range t.refs {
			if dep, ok := byName[r]; ok && r != t.name {
				if err := visit(dep); err != nil {
					return err
				}
			}
		}
		state[t.name] = 2
		out = append(out, t)
		return nil
	}
	for _, t := range ts {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// copyFingerprint names the source store: the hash of its first audit
// event, which no later write changes. A resumed copy must come from the
// same store.
func (c *core) copyFingerprint(ctx context.Context) (string, error) {
	var h string
	err := one(c.read.QueryRow(ctx, "SELECT hash FROM audit ORDER BY seq LIMIT 1"), &h)
	if errors.Is(err, ErrNotFound) {
		return "empty", nil
	}
	if err != nil {
		return "", fmt.Errorf("read source's first audit event: %w", err)
	}
	sum := sha256.Sum256([]byte(h))
	return hex.EncodeToString(sum[:8]), nil
}

type tableProgress struct {
	last []any // primary key of the last row copied; nil: none yet
	done bool
}

// copyProgress returns the progress of a copy from source under way in
// the target, or refuses a target that holds anything else.
func (c *core) copyProgress(ctx context.Context, source string) (map[string]tableProgress, error) {
	tables, err := c.listTables(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]tableProgress{}
	if contains(tables, copyProgressTable) {
		r, err := c.read.Query(ctx, "SELECT tbl, source, last_key, done FROM "+copyProgressTable)
		if err != nil {
			return nil, fmt.Errorf("read copy progress: %w", err)
		}
		defer r.Close()
		for r.Next() {
			var tbl, from, last string
			var done int64
			if err := r.Scan(&tbl, &from, &last, &done); err != nil {
				return nil, fmt.Errorf("read copy progress: %w", err)
			}
			if from != source {
				return nil, fmt.Errorf("the target holds a copy under way from another store (%s, not %s): start again on an empty target", from, source)
			}
			p := tableProgress{done: done == 1}
			if last != "" {
				if p.last, err = decodeKey(last); err != nil {
					return nil, fmt.Errorf("read copy progress of %s: %w", tbl, err)
				}
			}
			out[tbl] = p
		}
		if err := r.Err(); err != nil {
			return nil, err
		}
		return out, nil
	}
	for _, t := range contentTables {
		var n int64
		if err := one(c.read.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM "+t+" LIMIT 1) x"), &n); err != nil {
			return nil, fmt.Errorf("look at target's %s: %w", t, err)
		}
		if n > 0 {
			return nil, fmt.Errorf("the target is not empty (its %s table has rows): copy only into a new, empty store", t)
		}
	}
	err = c.write(ctx, func(q dbtx) error {
		_, err := q.Exec(ctx, "CREATE TABLE "+copyProgressTable+" (tbl TEXT PRIMARY KEY, source TEXT NOT NULL, last_key TEXT NOT NULL, done BIGINT NOT NULL)")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create copy progress: %w", err)
	}
	return out, nil
}

func (c *core) finishCopy(ctx context.Context) error {
	return c.write(ctx, func(q dbtx) error {
		if c.d.name == "postgres" {
			// Appends take seq from this sequence; it must go on past the
			// copied events.
			if _, err := q.Exec(ctx, "SELECT setval('audit_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit), false)"); err != nil {
				return fmt.Errorf("move audit sequence: %w", err)
			}
		}
		if _, err := q.Exec(ctx, "DROP TABLE "+copyProgressTable); err != nil {
			return fmt.Errorf("drop copy progress: %w", err)
		}
		return nil
	})
}

// copyTable copies t's rows after last, batch by batch. A table without a
// primary key is copied whole in one transaction, replacing what an
// interrupted run left.
func copyTable(ctx context.Context, src, dst *core, t *tableInfo, source string, last []any, o CopyOptions) (int64, error) {
	cols := strings.Join(quoteAll(t.cols), ", ")
	var copied int64
	if len(t.pk) == 0 {
		err := dst.write(ctx, func(q dbtx) error {
			copied = 0
			if _, err := q.Exec(ctx, "DELETE FROM "+quoteIdent(t.name)); err != nil {
				return err
			}
			r, err := src.read.Query(ctx, "SELECT "+cols+" FROM "+quoteIdent(t.name))
			if err != nil {
				return err
			}
			defer r.Close()
			for {
				batch, _, err := readBatch(r, t, o.batchRows)
				if err != nil {
					return err
				}
				if len(batch) == 0 {
					break
				}
				if err := insertRows(ctx, q, t, batch, false); err != nil {
					return err
				}
				copied += int64(len(batch))
			}
			return setProgress(ctx, q, t.name, source, nil, true)
		})
		if err == nil && o.Progress != nil {
			o.Progress(t.name, copied)
		}
		return copied, err
	}
	pkCols := strings.Join(quoteAll(t.pk), ", ")
	for {
		query := "SELECT " + cols + " FROM " + quoteIdent(t.name)
		var args []any
		if last != nil {
			// Row values compare in key order on both backends.
			query += " WHERE (" + pkCols + ") > (" + strings.TrimSuffix(strings.Repeat("?, ", len(t.pk)), ", ") + ")"
			args = last
		}
		query += " ORDER BY " + pkCols + fmt.Sprintf(" LIMIT %d", o.batchRows)
		r, err := src.read.Query(ctx, query, args...)
		if err != nil {
			return copied, fmt.Errorf("read: %w", err)
		}
		batch, full, err := readBatch(r, t, o.batchRows)
		r.Close()
		if err != nil {
			return copied, fmt.Errorf("read: %w", err)
		}
		end := len(batch) < o.batchRows && !full
		var next []any
		if len(batch) > 0 {
			next = keyOf(t, batch[len(batch)-1])
		}
		err = dst.write(ctx, func(q dbtx) error {
			if len(batch) > 0 {
				if err := insertRows(ctx, q, t, batch, true); err != nil {
					return err
				}
			}
			return setProgress(ctx, q, t.name, source, next, end)
		})
		if err != nil {
			return copied, fmt.Errorf("write: %w", err)
		}
		copied += int64(len(batch))
		if next != nil {
			last = next
		}
		if o.Progress != nil {
			o.Progress(t.name, copied)
		}
		if o.afterBatch != nil {
			if err := o.afterBatch(t.name); err != nil {
				return copied, err
			}
		}
		if end {
			return copied, nil
		}
	}
}

// readBatch reads up to most rows, fewer once copyBatchBytes is reached
// (full then reports that the batch was cut short, not the end).
func readBatch(r rows, t *tableInfo, most int) (batch [][]any, full bool, err error) {
	size := 0
	for len(batch) < most && size < copyBatchBytes {
		if !r.Next() {
			return batch, false, r.Err()
		}
		vals := make([]any, len(t.cols))
		ptrs := make([]any, len(t.cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			return nil, false, err
		}
		for i, v := range vals {
			if vals[i], err = convertFor(t.types[t.cols[i]], v); err != nil {
				return nil, false, fmt.Errorf("column %s: %w", t.cols[i], err)
			}
			switch v := vals[i].(type) {
			case []byte:
				size += len(v)
			case string:
				size += len(v)
			}
		}
		batch = append(batch, vals)
	}
	return batch, size >= copyBatchBytes, nil
}

// convertFor makes a value read from one backend fit the other's column
// type: SQLite's dynamic typing may hand back text for a blob column.
func convertFor(typ string, v any) (any, error) {
	switch v := v.(type) {
	case nil, int64:
		return v, nil
	case string:
		if typ == "bytea" || typ == "blob" {
			return []byte(v), nil
		}
		if strings.Contains(typ, "int") {
			return nil, fmt.Errorf("text in an integer column")
		}
		return v, nil
	case []byte:
		if typ == "bytea" || typ == "blob" {
			return v, nil
		}
		return string(v), nil
	case int32:
		return int64(v), nil
	case int16:
		return int64(v), nil
	}
	return nil, fmt.Errorf("value of type %T not supported", v)
}

func keyOf(t *tableInfo, row []any) []any {
	var key []any
	for _, k := range t.pk {
		for i, c := range t.cols {
			if c == k {
				key = append(key, row[i])
			}
		}
	}
	return key
}

// insertRows inserts a batch in statements of a bounded number of
// parameters. With a primary key a row already there is replaced: the
// target's migrations made some (the audit chain heads), and the source's
// are the ones that count.
func insertRows(ctx context.Context, q dbtx, t *tableInfo, batch [][]any, upsert bool) error {
	per := max(1, min(len(batch), 30000/len(t.cols)))
	for len(batch) > 0 {
		n := min(per, len(batch))
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + quoteIdent(t.name) + " (" + strings.Join(quoteAll(t.cols), ", ") + ") VALUES ")
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
		args := make([]any, 0, n*len(t.cols))
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(row)
			args = append(args, batch[i]...)
		}
		if upsert {
			sb.WriteString(" ON CONFLICT (" + strings.Join(quoteAll(t.pk), ", ") + ") DO UPDATE SET ")
			for i, c := range t.cols {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(quoteIdent(c) + " = excluded." + quoteIdent(c))
			}
		}
		if _, err := q.Exec(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("insert %d rows: %w", n, err)
		}
		batch = batch[n:]
	}
	return nil
}

func setProgress(ctx context.Context, q dbtx, table, source string, last []any, done bool) error {
	key := ""
	if last != nil {
		key = encodeKey(last)
	}
	// Without a new key the old one stands (an empty last batch).
	_, err := q.Exec(ctx, "INSERT INTO "+copyProgressTable+" (tbl, source, last_key, done) VALUES (?, ?, ?, ?) "+
		"ON CONFLICT (tbl) DO UPDATE SET last_key = CASE WHEN excluded.last_key = '' THEN "+copyProgressTable+".last_key ELSE excluded.last_key END, done = excluded.done",
		table, source, key, b2i(done))
	if err != nil {
		return fmt.Errorf("record copy progress: %w", err)
	}
	return nil
}

// A key is kept as JSON: strings and integers, each tagged so that an
// integer comes back as one.
type keyPart struct {
	S *string `json:"s,omitempty"`
	I *int64  `json:"i,omitempty"`
}

func encodeKey(key []any) string {
	parts := make([]keyPart, len(key))
	for i, v := range key {
		switch v := v.(type) {
		case string:
			parts[i].S = &v
		case int64:
			parts[i].I = &v
		}
	}
	return jsonText(parts)
}

func decodeKey(s string) ([]any, error) {
	var parts []keyPart
	if err := json.Unmarshal([]byte(s), &parts); err != nil {
		return nil, err
	}
	key := make([]any, len(parts))
	for i, p := range parts {
		switch {
		case p.S != nil:
			key[i] = *p.S
		case p.I != nil:
			key[i] = *p.I
		default:
			return nil, errors.New("key part neither text nor integer")
		}
	}
	return key, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quoteIdent(s)
	}
	return out
}
